"""Server-side login sessions (ASVS 7.2-7.4).

The browser's cookie holds only a random key; the row it points to decides whether the
login is alive. Logout ends the row, so a replayed cookie fails; password change and
deactivation end every row of the user.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..infrastructure import tokens, transactions
from ..models import PATIENT, LoginSession, User
from ..models.base import utcnow

TOUCH_EVERY = timedelta(seconds=60)  # write last_seen at most once a minute


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User) -> User:
    """Open a new login session; the returned user carries its key for Flask-Login."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(key_hash=_digest(key), user_id=user.id))
    db.session.commit()
    user.session_key = key
    return user


def _limits(user: User) -> tuple[timedelta, timedelta]:
    cfg = current_app.config
    if user.role == PATIENT:
        return (
            timedelta(minutes=cfg["SESSION_IDLE_MINUTES_PATIENT"]),
            timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS_PATIENT"]),
        )
    return (
        timedelta(minutes=cfg["SESSION_IDLE_MINUTES_STAFF"]),
        timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS_STAFF"]),
    )


# The session's user and, for a patient, their patient row, in the same query: every
# request needs the user, and every patient request asks for its own record.
_WITH_USER = joinedload(LoginSession.user).joinedload(User.patient)


def user_for_key(key: str) -> User | None:
    """The user of a live login session, or None (and the row ended) when it has lapsed."""
    if not key:
        return None
    row = db.session.scalar(
        select(LoginSession)
        .where(LoginSession.key_hash == _digest(key), LoginSession.ended_at.is_(None))
        .options(_WITH_USER)
    )
    if row is None:
        return None
    user = row.user
    now = utcnow()
    idle, absolute = _limits(user)
    if not user.active or now - row.last_seen_at > idle or now - row.created_at > absolute:
        with transactions.write_unit():
            row.ended_at = now
            db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with transactions.write_unit():  # a blind write: only this column changes
            row.last_seen_at = now
            db.session.commit()
    user.session_key = key
    return user


def end(key: str | None) -> None:
    if key:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.key_hash == _digest(key), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        db.session.commit()


def end_all(user_id: int, *, keep_key: str | None = None) -> None:
    """End every login of the user (and revoke their API tokens), except (optionally) the
    browser session making the request. Part of the caller's transaction."""
    tokens.revoke_all(user_id)
    query = update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)
    )
    if keep_key:
        query = query.where(LoginSession.key_hash != _digest(keep_key))
    db.session.execute(query.values(ended_at=utcnow()))
