"""The audit trail: append-only. A request inserts its rows unsealed (``seq`` None); the
sealer (infrastructure/audit_chain.py) later gives each its place in the chain (``seq``)
and an HMAC over its fields and the previous row's ``hash``.

Ids of people are plain integers, not foreign keys: rows must outlive an erased patient
unchanged, or the chain would break. No clinical text and no secrets are ever stored here.
"""

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import NowByDefault, RowId


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[RowId]
    at: Mapped[NowByDefault]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))  # e.g. "view", "login", "prescribe"
    patient_id: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str | None] = mapped_column(String(120))  # e.g. endpoint name, "user:7"
    # ok (a view, a login, an export) | saved (a change) | unchanged | refused | failed
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))  # why refused: not_allowed, invalid...
    request_id: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))
    # Filled in by the sealer: the row's place in the chain, the previous row's hash, its own.
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
