"""The exercise library: built-in exercises (read-only) and staff's own."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import ByAccount, NowByDefault, RowId, UTCDateTime

REGIONS = ("brow", "eyes", "nose", "cheeks and smile", "lips", "chin and neck")
EXPRESSIONS = ("rest", "brow raise", "gentle eye closure", "full smile", "pucker", "snarl")


class Exercise(db.Model):
    __tablename__ = "exercises"
    __table_args__ = (
        CheckConstraint(f"region IN {REGIONS!r}", name="region_known"),
        CheckConstraint("default_reps BETWEEN 1 AND 100", name="reps_range"),
        CheckConstraint("default_hold_seconds BETWEEN 0 AND 120", name="hold_range"),
        CheckConstraint("default_rest_seconds BETWEEN 0 AND 120", name="rest_range"),
    )

    id: Mapped[RowId]
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)  # built-ins only
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)  # one step per line
    hold_back: Mapped[str] = mapped_column(Text)  # the synkinesis to keep quiet meanwhile
    default_reps: Mapped[int] = mapped_column(Integer)
    default_hold_seconds: Mapped[int] = mapped_column(Integer)
    default_rest_seconds: Mapped[int] = mapped_column(Integer)
    snapshot_expression: Mapped[str | None] = mapped_column(String(32))
    # Live feedback (docs/live-feedback.md): {"target": {measure, side[, reach]} | null,
    # "hold_back": {measure, side[, limit]} | null}; NULL: not measured live.
    live_rule: Mapped[dict | None] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[ByAccount]
    created_at: Mapped[NowByDefault]
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("User")

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.instructions.splitlines() if line.strip()]

    @property
    def live_target(self) -> str:
        """The live rule's target as its "measure:side" choice ("" when none)."""
        return self._live_part("target")

    @property
    def live_hold_back(self) -> str:
        return self._live_part("hold_back")

    def _live_part(self, key: str) -> str:
        part = (self.live_rule or {}).get(key)
        return f"{part['measure']}:{part['side']}" if part else ""

    @property
    def retired(self) -> bool:
        return self.retired_at is not None
