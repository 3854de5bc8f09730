"""Shared column helpers."""

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


# Columns that mean the same in every table, declared once (``id: Mapped[RowId]``). A
# model may add to one (``Mapped[OfPatient] = mapped_column(index=True)``); the schema is
# what the columns written out would make.
RowId = Annotated[int, mapped_column(Integer, primary_key=True)]
# When the row was written, unless the code gives another time.
NowByDefault = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
# The patient whose record the row is part of: it is erased with them.
OfPatient = Annotated[int, mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))]
# The account the row belongs to: it is erased with the account.
OfAccount = Annotated[int, mapped_column(ForeignKey("users.id", ondelete="CASCADE"))]
# The SHA-256 (hex) of a secret handed out once (a link, a login, a token): the secret
# itself is never stored.
SecretHash = Annotated[str, mapped_column(String(64), unique=True)]
# The account that wrote or did it: None once that account is erased; the row stays.
ByAccount = Annotated[int | None, mapped_column(ForeignKey("users.id", ondelete="SET NULL"))]


class IssuedToAccount:
    """The columns of a row that stands for a secret handed to one account (an invitation
    or reset link, an API token, a login): which account, and when it was issued. Each
    model adds its own hash column (a ``SecretHash``) and its lifetime."""

    id: Mapped[RowId]
    user_id: Mapped[OfAccount] = mapped_column(index=True)
    created_at: Mapped[NowByDefault]
