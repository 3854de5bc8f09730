"""API bearer tokens: random, stored hashed, expiring, revocable.

Staff tokens live API_TOKEN_HOURS_STAFF hours, patients' API_TOKEN_HOURS_PATIENT.
logins.end_all (password change, deactivation) revokes them all.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import PATIENT, ApiToken, User
from ..models.base import utcnow
from . import transactions

TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User) -> tuple[str, datetime]:
    cfg = current_app.config
    hours = cfg["API_TOKEN_HOURS_PATIENT"] if user.role == PATIENT else cfg["API_TOKEN_HOURS_STAFF"]
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=hours)
    )
    db.session.add(row)
    db.session.commit()
    return token, row.expires_at


def user_for(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        # The user (and a patient's own record) in the same query: every request needs them.
        .options(joinedload(ApiToken.user).joinedload(User.patient))
    )
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        with transactions.write_unit():  # a blind write: only this column changes
            row.last_used_at = now
            db.session.commit()
    user = row.user
    user.session_key = None
    return user


def revoke(token: str) -> bool:
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    return result.rowcount > 0


def revoke_all(user_id: int) -> None:
    """Part of the caller's transaction (no commit)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
