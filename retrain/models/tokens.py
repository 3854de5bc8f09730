"""API bearer tokens: stored hashed, expiring, revocable."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import NowByDefault, OfAccount, RowId, SecretHash, UTCDateTime


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[RowId]
    token_hash: Mapped[SecretHash]
    user_id: Mapped[OfAccount] = mapped_column(index=True)
    created_at: Mapped[NowByDefault]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
