"""Accounts: creation, invitations, authentication, password change, deactivation."""

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from ..errors import Invalid
from ..extensions import db
from ..infrastructure import logins, passwords
from ..models import (
    PATIENT,
    ROLES,
    SIDES,
    STAFF_ROLES,
    CareTeamMember,
    Invitation,
    Patient,
    User,
)
from ..models.base import utcnow


def normalise_email(email: str) -> str:
    """Lower-cased and syntax-checked: one account per address, whatever its case."""
    try:
        valid = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid("Enter a valid e-mail address.", field="email") from exc
    return valid.normalized.lower()


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def _new_user(*, email: str, name: str, role: str) -> User:
    if role not in ROLES:
        raise Invalid("Unknown role.", field="role")
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise Invalid("Enter a name.", field="name")
    if email_taken(email):
        raise Invalid("An account with this e-mail address already exists.", field="email")
    user = User(email=email, name=name, role=role, active=True)
    db.session.add(user)
    db.session.flush()
    return user


def create_staff(*, email: str, name: str, role: str, created_by: User) -> tuple[User, str]:
    """An admin adds a staff member; returns the user and their invitation token."""
    if role == PATIENT:
        raise Invalid("Patients are added by their therapist or clinician.", field="role")
    user = _new_user(email=email, name=name, role=role)
    token = _invite(user, created_by)
    db.session.commit()
    return user, token


def create_patient(
    *, email: str, name: str, affected_side: str, created_by: User
) -> tuple[Patient, str]:
    """A therapist or clinician adds a patient to their own care team; returns the token."""
    if created_by.role not in STAFF_ROLES:
        raise Invalid("Only therapists and clinicians add patients.")
    if affected_side not in SIDES:
        raise Invalid("Choose the affected side.", field="affected_side")
    user = _new_user(email=email, name=name, role=PATIENT)
    patient = Patient(id=user.id, affected_side=affected_side, created_by_id=created_by.id)
    db.session.add(patient)
    db.session.add(CareTeamMember(patient_id=user.id, staff_id=created_by.id))
    token = _invite(user, created_by)
    db.session.commit()
    return patient, token


def create_user_with_password(*, email: str, name: str, role: str, password: str) -> User:
    """For the CLI and demo data: an account ready to log in (no invitation)."""
    user = _new_user(email=email, name=name, role=role)
    user.password_hash = passwords.hash_password(password)
    return user


# Invitations -------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invite(user: User, created_by: User | None) -> str:
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_VALID_DAYS"]
    db.session.add(
        Invitation(
            token_hash=_digest(token),
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def reinvite(user: User, created_by: User) -> str:
    """A fresh link; earlier unused links of this user stop working."""
    for old in db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    ):
        old.used_at = utcnow()
    token = _invite(user, created_by)
    db.session.commit()
    return token


def invitation_for(token: str) -> Invitation | None:
    """The live invitation for this token, or None when unknown, used or expired."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _digest(token or ""))
    )
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at < utcnow() or not invitation.user.active:
        return None
    return invitation


def accept_invitation(token: str, password: str) -> User:
    invitation = invitation_for(token)
    if invitation is None:
        raise Invalid("This invitation link has expired or was already used.")
    user = invitation.user
    problem = passwords.problem_with(password, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="password")
    invitation.used_at = utcnow()
    user.password_hash = passwords.hash_password(password)
    logins.end_all(user.id)
    db.session.commit()
    return user


# Authentication and passwords --------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
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


def change_password(user: User, current: str, new: str) -> None:
    if not passwords.verify(user.password_hash, current):
        raise Invalid("Your current password is not right.", field="current_password")
    problem = passwords.problem_with(new, email=user.email, name=user.name)
    if problem:
        raise Invalid(problem, field="new_password")
    user.password_hash = passwords.hash_password(new)
    logins.end_all(user.id, keep_key=user.session_key)  # other devices are logged out
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        logins.end_all(user.id)
    db.session.commit()


def list_accounts(role: str | None = None) -> list[User]:
    query = select(User).order_by(User.role, User.name)
    if role in ROLES:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def get_account(user_id: int) -> User | None:
    return db.session.get(User, user_id)
