"""Coming in and going out: logging in (a page's login session or an API token),
logging out, setting a password from a one-time link, and changing it.

Each acts on the person's own account only and touches no patient record, so there is
nothing to ask access.require. Every outcome goes to the audit trail; a refused login
or reset request without the e-mail tried. One-time links are
infrastructure/invitations.py's: a password reset is another link of the same kind,
shorter-lived, only ever e-mailed to the account's own address, and accepted here.
"""

from datetime import datetime

from sqlalchemy import select

from ..errors import Invalid
from ..extensions import db
from ..infrastructure import audit, invitations, logins, passwords, tokens
from ..models import Invitation, User
from .accounts import normalise_email

LINK_LAPSED = "This link has expired or was already used."


def _authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Same work whether or not the account exists."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def log_in(email: str, password: str) -> User | None:
    """The user with a new login session (``session_key``), or None when refused."""
    user = _authenticate(email, password)
    if user is None:
        audit.record("login", outcome="refused")
        return None
    logins.start(user)
    audit.record("login", actor=user)
    return user


def log_out(user) -> None:
    """End this login session (a copied cookie stops working with it)."""
    audit.record("logout", actor=user)
    logins.end(user.session_key)


def issue_token(email: str, password: str) -> tuple[str, datetime] | None:
    """An API bearer token and when it expires, or None when refused."""
    user = _authenticate(email, password)
    if user is None:
        audit.record("api_login", outcome="refused")
        return None
    issued = tokens.issue(user)
    audit.record("api_login", actor=user)
    return issued


def revoke_token(user, token: str) -> None:
    tokens.revoke(token)
    audit.record("api_logout", actor=user)


def invitation_for(token: str) -> Invitation | None:
    """The live one-time link of this token (its ``user`` is who is invited), or None."""
    return invitations.live(token)


def reset_link_for_address(email: str) -> tuple[User, str] | None:
    """A password-reset token for the open account of this address, or None when there is
    none (unknown address, closed account). Whoever asks learns nothing from this: the
    caller answers the same either way, and only the account's owner receives the link."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active:
        audit.record("password_reset_email", outcome="refused")
        return None
    token = invitations.renew(user, None, invitations.reset_lifetime())
    db.session.commit()
    audit.record("password_reset_email", target=f"user:{user.id}")
    return user, token


def reset_link_for_account(user_id: int) -> tuple[User, str] | None:
    """A password-reset token for an account whose reset staff asked for (they recorded
    it), or None when the account has closed since."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    token = invitations.renew(user, None, invitations.reset_lifetime())
    db.session.commit()
    return user, token


def accept_invitation(token: str, password: str) -> User:
    """Set the password from a one-time link (an invitation or a reset) and log in
    (``session_key``); every other login and API token of the account ends."""
    invitation = invitations.live(token)
    if invitation is None:
        raise Invalid(LINK_LAPSED)
    user = invitation.user
    action = "reset_password" if user.password_hash else "accept_invitation"
    problem = passwords.problem_with(password, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="password")
    password_hash = passwords.hash_password(password)  # slow: before the row is claimed
    if not invitations.claim(invitation):  # someone used the link since we read it
        db.session.rollback()
        raise Invalid(LINK_LAPSED)
    user.password_hash = password_hash
    logins.end_all(user.id)
    db.session.commit()
    logins.start(user)
    audit.record(action, actor=user)
    return user


def change_password(user, current: str, new: str) -> None:
    """A new password; the user's other devices are logged out, this one stays."""
    if not passwords.verify(user.password_hash, current):
        raise Invalid("Your current password is not right.", field="current_password")
    problem = passwords.problem_with(new, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="new_password")
    user.password_hash = passwords.hash_password(new)
    invitations.void_all(user)  # a reset link asked for earlier must not undo this change
    logins.end_all(user.id, keep_key=user.session_key)
    db.session.commit()
    audit.record("change_password", actor=user)
