"""Accounts: what an admin does to them (the list, adding staff, closing and reopening,
a new link), and the making of an account that other use cases and the CLI build on.

Admins see no clinical data: these read and change the account rows only. Each admin
use case asks access.require_role(admin, ADMIN) and records what it did in the audit
trail, after its own commit.
"""

from sqlalchemy import select

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import audit, invitations, logins, passwords
from ..models import ADMIN, PATIENT, ROLES, SIDES, CareTeamMember, Patient, User


def normalise_email(email: str) -> str:
    """Lower-cased and syntax-checked: one account per address, whatever its case."""
    # Imported here: only account forms need it, and every worker paid for it at start.
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid("Enter a valid e-mail address.", field="email") from exc
    return valid.normalized.lower()


def _new_user(*, email: str, name: str, role: str) -> User:
    if role not in ROLES:
        raise Invalid("Unknown role.", field="role")
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise Invalid("Enter a name.", field="name")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Invalid("An account with this e-mail address already exists.", field="email")
    user = User(email=email, name=name, role=role, active=True)
    db.session.add(user)
    db.session.flush()
    return user


# What an admin does --------------------------------------------------------------------


def list_accounts(admin, role: str | None = None) -> list[User]:
    """Every account (of one role, when ``role`` names one), by role and name."""
    access.require_role(admin, ADMIN)
    query = select(User).order_by(User.role, User.name)
    if role in ROLES:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def account(admin, user_id: int) -> User:
    access.require_role(admin, ADMIN)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def create_staff(admin, *, email: str, name: str, role: str) -> tuple[User, str]:
    """A new staff account; returns it with its invitation token (shown once)."""
    access.require_role(admin, ADMIN)
    if role == PATIENT:
        raise Invalid("Patients are added by their therapist or clinician.", field="role")
    user = _new_user(email=email, name=name, role=role)
    token = invitations.issue(user, admin)
    db.session.commit()
    audit.record("create_account", target=f"user:{user.id}", actor=admin)
    return user, token


def set_active(admin, user_id: int, active: bool) -> User:
    """Close an account (every login and API token ends) or reopen it."""
    user = account(admin, user_id)
    if user.id == admin.id and not active:
        raise Invalid("You cannot deactivate your own account.")
    user.active = active
    # Closing or reopening voids every unused link: one made before a deactivation must
    # not work again after a reactivation (the admin makes a new one).
    invitations.void_all(user)
    if not active:
        logins.end_all(user.id)
    db.session.commit()
    action = "reactivate_account" if active else "deactivate_account"
    audit.record(action, target=f"user:{user.id}", actor=admin)
    return user


def new_link(admin, user_id: int) -> tuple[User, str]:
    """A fresh invitation link for a staff account that has no password yet; earlier
    unused links stop working.

    Never for an account with a password (the link would let the admin set it and log in
    as that person: a forgotten password is send_password_reset's e-mail) and never for a
    patient (admins see no clinical data; the patient's care team invites them).
    """
    user = account(admin, user_id)
    if not user.active:
        raise Invalid("Reactivate the account before sending a new link.")
    if user.password_hash:
        raise Invalid(
            f"{user.name} has already set a password, so no new link was made. If they have "
            "forgotten it, send them a password reset e-mail."
        )
    if user.role == PATIENT:
        raise Invalid(
            f"{user.name}'s invitation link is made by their therapist or clinician, "
            "on the patient's page."
        )
    token = invitations.renew(user, admin)
    db.session.commit()
    audit.record("new_invitation", target=f"user:{user.id}", actor=admin)
    return user, token


def send_password_reset(admin, user_id: int) -> User:
    """Record that the admin asks for a password-reset e-mail to the account's own
    address (the caller sends it); the admin never sees the link."""
    user = account(admin, user_id)
    if not user.active:
        raise Invalid("Reactivate the account before sending a password reset e-mail.")
    audit.record(
        "password_reset_email",
        patient_id=user.id if user.role == PATIENT else None,
        target=f"user:{user.id}",
        actor=admin,
    )
    db.session.commit()  # the audit row with it; the caller's e-mail job then goes at once
    return user


# Accounts other use cases and the CLI make ------------------------------------------------


def create_patient(*, email: str, name: str, affected_side: str, created_by) -> tuple[Patient, str]:
    """A patient on ``created_by``'s own care team; returns it with the invitation token.

    For usecases/patients.py, which refuses other roles with a message for the form.
    """
    access.require_role(created_by, *access.CREATE_PATIENT_ROLES)
    if affected_side not in SIDES:
        raise Invalid("Choose the affected side.", field="affected_side")
    user = _new_user(email=email, name=name, role=PATIENT)
    patient = Patient(id=user.id, affected_side=affected_side, created_by_id=created_by.id)
    db.session.add(patient)
    db.session.add(CareTeamMember(patient_id=user.id, staff_id=created_by.id))
    token = invitations.issue(user, created_by)
    db.session.commit()
    return patient, token


def create_user_with_password(*, email: str, name: str, role: str, password: str) -> User:
    """For the CLI's demo clinic and test data: an account ready to log in (no
    invitation). Part of the caller's transaction."""
    user = _new_user(email=email, name=name, role=role)
    user.password_hash = passwords.hash_password(password)
    return user
