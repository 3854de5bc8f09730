"""One-time links that let a person set their password: an invitation (shown to the
staff who made it, valid INVITATION_VALID_DAYS), or a password reset (only ever e-mailed
to the account's own address, valid PASSWORD_RESET_VALID_MINUTES). Random, stored hashed,
single use.

Part of the caller's transaction: nothing here commits.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import Invitation, User
from ..models.base import utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_valid_minutes() -> int:
    """How long a password-reset link works; pages and e-mails that say so ask here."""
    return current_app.config["PASSWORD_RESET_VALID_MINUTES"]


def reset_lifetime() -> timedelta:
    return timedelta(minutes=reset_valid_minutes())


def issue(user: User, created_by: User | None, valid_for: timedelta | None = None) -> str:
    """A new link for ``user`` (an invitation unless ``valid_for`` says otherwise);
    returns its token, shown once and never stored."""
    token = secrets.token_urlsafe(32)
    valid_for = valid_for or timedelta(days=current_app.config["INVITATION_VALID_DAYS"])
    db.session.add(
        Invitation(
            token_hash=_digest(token),
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            expires_at=utcnow() + valid_for,
        )
    )
    return token


def renew(user: User, created_by: User | None, valid_for: timedelta | None = None) -> str:
    """A fresh link; the user's earlier unused links stop working."""
    void_all(user)
    return issue(user, created_by, valid_for)


def void_all(user: User) -> None:
    """Every unused link of ``user`` stops working (marked used now): for a new link, and
    when the account is closed or reopened, so a link made before a deactivation never
    works again after a reactivation."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )


def live(token: str) -> Invitation | None:
    """The invitation of this token, or None when unknown, used, expired or its account
    closed."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _digest(token or ""))
    )
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at < utcnow() or not invitation.user.active:
        return None
    return invitation


def claim(invitation: Invitation) -> bool:
    """Mark the link used if it still is not; False when another request got there first.

    One atomic UPDATE ... WHERE used_at IS NULL, not a read then a write: of two
    redemptions at the same moment, only one changes the row. On PostgreSQL the second
    waits for the first's row lock, then finds the row used; on SQLite writers queue
    (BEGIN IMMEDIATE). ``live`` alone, read earlier, cannot decide this.
    """
    now = utcnow()
    result = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1
