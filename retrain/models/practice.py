"""Practice sessions: one sitting of the patient's programme."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import NowByDefault, OfPatient, RowId, UTCDateTime

SOURCES = ("player", "form", "api")


class PracticeSession(db.Model):
    __tablename__ = "practice_sessions"
    __table_args__ = (
        CheckConstraint("effort BETWEEN 1 AND 5", name="effort_range"),
        CheckConstraint("synkinesis_rating BETWEEN 0 AND 10", name="rating_range"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        # A phone that retries with the same key never logs a session twice.
        UniqueConstraint("patient_id", "idempotency_key", name="uq_session_idempotency"),
        Index("ix_practice_sessions_patient_performed", "patient_id", "performed_at"),
    )

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="SET NULL")
    )
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_at: Mapped[NowByDefault]
    effort: Mapped[int] = mapped_column(Integer)  # how hard it felt, 1 (easy) - 5 (very hard)
    synkinesis_rating: Mapped[int] = mapped_column(Integer)  # 0 (none) - 10 (worst)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8), default="form")
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    items: Mapped[list["PracticeItem"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="PracticeItem.id"
    )


class PracticeItem(db.Model):
    __tablename__ = "practice_items"
    __table_args__ = (
        CheckConstraint("reps_done BETWEEN 0 AND 1000", name="reps_range"),
        CheckConstraint("sets_done BETWEEN 0 AND 20", name="sets_range"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty_range"),
        # Live feedback (usecases/practice_live.py says why each bound).
        CheckConstraint("live_reps_scored BETWEEN 0 AND 1000", name="live_reps_range"),
        CheckConstraint(
            "live_clean_reps >= 0 AND live_clean_reps <= live_reps_scored", name="live_clean_range"
        ),
        CheckConstraint("live_median_hold_back BETWEEN 0 AND 5", name="live_hold_back_range"),
        CheckConstraint("live_fps BETWEEN 0 AND 240", name="live_fps_range"),
    )

    id: Mapped[RowId]
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    reps_done: Mapped[int] = mapped_column(Integer)
    sets_done: Mapped[int] = mapped_column(Integer, default=1)
    difficulty: Mapped[int | None] = mapped_column(Integer)  # 1-5, optional per exercise
    skipped: Mapped[bool] = mapped_column(default=False)
    # Live feedback's numbers for this exercise (docs/live-feedback.md); NULL: not measured.
    live_reps_scored: Mapped[int | None] = mapped_column(Integer)  # holds scored
    live_clean_reps: Mapped[int | None] = mapped_column(Integer)  # held-back movement in limit
    live_median_hold_back: Mapped[float | None] = mapped_column(Float)  # over scored holds
    live_fps: Mapped[float | None] = mapped_column(Float)  # frames measured per second

    session: Mapped[PracticeSession] = relationship(back_populates="items")
    exercise = relationship("Exercise")

    @property
    def live(self) -> dict | None:
        """Live feedback's numbers as one object (the API's ``live``); None: not measured."""
        if self.live_reps_scored is None:
            return None
        return {
            "reps_scored": self.live_reps_scored,
            "clean_reps": self.live_clean_reps,
            "median_hold_back": self.live_median_hold_back,
            "fps": self.live_fps,
        }
