"""Webcam snapshots of set expressions, and their analysis."""

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import NowByDefault, OfPatient, RowId
from .exercises import EXPRESSIONS

REST = "rest"  # every other expression is measured against the same day's rest photo
# The expressions a therapist may choose from, with the prompt the patient reads. Plain
# and kind: gentle movements, no squeezing.
PROMPTS = {
    REST: "Relax your whole face and look straight at the camera, as if at a friend.",
    "brow raise": "Raise your eyebrows gently, as if surprised.",
    "gentle eye closure": (
        "When the count reaches 1, close your eyes gently, as if falling asleep. "
        "Do not squeeze. Open them again after the click."
    ),
    "full smile": "Give a big, full smile, showing your teeth if that is comfortable.",
    "pucker": "Pucker your lips, as if to blow a kiss.",
    "snarl": "Wrinkle your nose and lift your upper lip gently, as if smelling something odd.",
}
EXPRESSION_CHOICES = tuple(e for e in EXPRESSIONS if e in PROMPTS)  # in this order
DEFAULT_EXPRESSIONS = (REST, "brow raise", "gentle eye closure", "full smile", "pucker")


class Snapshot(db.Model):
    """One photo of one named expression. The image file lives in snapshot storage.

    The stored image is always the true (unmirrored) view; ``uploaded_mirrored`` records
    what the browser sent, so nobody has to guess which way round a photo is.
    """

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_patient_taken", "patient_id", "taken_at"),)

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="SET NULL")
    )
    expression: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[NowByDefault]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_mirrored: Mapped[bool] = mapped_column(Boolean, default=False)
    quality: Mapped[dict] = mapped_column(JSON)  # flags and hints from vision.quality
    measures: Mapped[dict] = mapped_column(JSON)  # static measures, subject's own left/right
    analysis_version: Mapped[str] = mapped_column(String(16))
