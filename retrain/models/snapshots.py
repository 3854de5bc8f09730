"""Webcam snapshots of set expressions, and their analysis."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

DEFAULT_EXPRESSIONS = ("rest", "brow raise", "gentle eye closure", "full smile", "pucker")


class Snapshot(db.Model):
    """One photo of one named expression. The image file lives in snapshot storage.

    The stored image is always the true (unmirrored) view; ``uploaded_mirrored`` records
    what the browser sent, so nobody has to guess which way round a photo is.
    """

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_patient_taken", "patient_id", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="SET NULL")
    )
    expression: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_mirrored: Mapped[bool] = mapped_column(Boolean, default=False)
    quality: Mapped[dict] = mapped_column(JSON)  # flags and hints from vision.quality
    measures: Mapped[dict] = mapped_column(JSON)  # static measures, subject's own left/right
    analysis_version: Mapped[str] = mapped_column(String(16))
