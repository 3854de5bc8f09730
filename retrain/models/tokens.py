"""API bearer tokens: stored hashed, expiring, revocable."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import IssuedToAccount, SecretHash, UTCDateTime


class ApiToken(IssuedToAccount, db.Model):
    __tablename__ = "api_tokens"

    token_hash: Mapped[SecretHash]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
