"""Programmes: the exercises prescribed to one patient, versioned; and copyable templates."""

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import ByAccount, NowByDefault, OfPatient, RowId


class Programme(db.Model):
    """A patient's programme version, or (patient_id NULL) a named template.

    A new version replaces the current one: the old row keeps its dates (ended_on) so
    the history shows what was prescribed when.
    """

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("patient_id", "version", name="uq_programme_version"),
        CheckConstraint(
            "(patient_id IS NULL AND title IS NOT NULL) OR patient_id IS NOT NULL",
            name="template_has_title",
        ),
    )

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient | None] = mapped_column(index=True)
    title: Mapped[str | None] = mapped_column(String(120))  # templates
    version: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)  # set when a newer version starts
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[ByAccount]
    created_at: Mapped[NowByDefault]

    items: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="ProgrammeItem.position",
    )
    created_by = relationship("User")

    @property
    def is_template(self) -> bool:
        return self.patient_id is None

    @property
    def times_per_day(self) -> int:
        """Sittings due on a practice day: the most any item asks for."""
        return max((item.times_per_day for item in self.items), default=0)

    @property
    def days_per_week(self) -> int:
        return max((item.days_per_week for item in self.items), default=0)


class ProgrammeItem(db.Model):
    __tablename__ = "programme_items"
    __table_args__ = (
        CheckConstraint("reps BETWEEN 1 AND 100", name="reps_range"),
        CheckConstraint("sets BETWEEN 1 AND 10", name="sets_range"),
        CheckConstraint("hold_seconds BETWEEN 0 AND 120", name="hold_range"),
        CheckConstraint("rest_seconds BETWEEN 0 AND 120", name="rest_range"),
        CheckConstraint("times_per_day BETWEEN 1 AND 6", name="times_range"),
        CheckConstraint("days_per_week BETWEEN 1 AND 7", name="days_range"),
        CheckConstraint("live_limit BETWEEN 0.005 AND 1.0", name="live_limit_range"),
    )

    id: Mapped[RowId]
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    reps: Mapped[int] = mapped_column(Integer)
    sets: Mapped[int] = mapped_column(Integer, default=1)
    hold_seconds: Mapped[int] = mapped_column(Integer)
    rest_seconds: Mapped[int] = mapped_column(Integer)
    times_per_day: Mapped[int] = mapped_column(Integer, default=1)
    days_per_week: Mapped[int] = mapped_column(Integer, default=7)
    note: Mapped[str | None] = mapped_column(Text)
    # The patient's own held-back limit for live feedback (progress/live.py LIMIT_RANGE);
    # NULL: the exercise's default.
    live_limit: Mapped[float | None] = mapped_column(Float)

    programme: Mapped[Programme] = relationship(back_populates="items")
    exercise = relationship("Exercise")
