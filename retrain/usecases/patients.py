"""Patients as staff see them: adding one, invitation links, and the patient page.

Invitation tokens are returned to the caller once (accounts stores only their hash);
the routes turn them into links.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..infrastructure import audit, invitations
from ..models import PATIENT, Invitation, Patient, PracticeItem, PracticeSession
from ..models.base import utcnow
from ..presenters import patient_overview as presenters
from . import accounts, caseload
from .local_time import zone_for
from .programme_reads import programme_history, versions_of

SESSION_LOG_LENGTH = 50
CLOSED = "This account is closed. An administrator can reopen it."


def create_patient(user, name: str, email: str, affected_side: str) -> tuple[Patient, str]:
    """Add a patient to ``user``'s care team. Returns the patient and the one-time token."""
    access.require_role(user, *access.CREATE_PATIENT_ROLES)
    try:
        return accounts.create_patient(
            email=email, name=name, affected_side=affected_side, created_by=user
        )
    except IntegrityError:
        # Someone added the same address between our check and our insert.
        db.session.rollback()
        raise Invalid(
            "An account with this e-mail address already exists.", field="email"
        ) from None


def reinvite(user, patient_id: int) -> tuple[Patient, str]:
    """A fresh invitation token for a patient who has not set a password yet; earlier
    unused links stop working.

    Never for a patient with a password: the link would let staff set it and log in as
    the patient. A forgotten password is send_password_reset's e-mail.
    """
    patient = access.require(user, access.INVITE, patient_id)
    if patient.user.password_hash:
        raise Invalid(
            f"{patient.user.name} has already set a password, so no new link was made. If "
            "they have forgotten it, send them a password reset e-mail."
        )
    if not patient.user.active:
        raise Invalid(CLOSED)
    token = invitations.renew(patient.user, user)
    db.session.commit()
    return patient, token


def invitation_to_email(user, patient_id: int, token: str) -> Patient:
    """Check that ``token`` is the patient's live invitation and record that the staff
    member e-mails it to the patient's own address (the caller sends it)."""
    patient = access.require(user, access.INVITE, patient_id)
    invitation = invitations.live(token)
    if invitation is None or invitation.user_id != patient_id or patient.user.password_hash:
        raise Invalid(
            "This invitation link no longer works, so it was not sent. Make a new one on "
            "the patient's page."
        )
    audit.record("email_invitation", patient_id=patient_id, target=f"user:{patient_id}", actor=user)
    return patient


def send_password_reset(user, patient_id: int, *, confirmed: bool) -> Patient:
    """Record that a care-team member asks for a password-reset e-mail to the patient's
    own address (the caller sends it). The patient sees it among the care team's visits
    to their record; the staff member never sees the link."""
    patient = access.require(user, access.INVITE, patient_id)
    if not confirmed:
        raise Invalid("Tick the box to confirm that the patient asked for this. Nothing was sent.")
    if not patient.user.active:
        raise Invalid(CLOSED)
    if not patient.user.password_hash:
        raise Invalid(
            f"{patient.user.name} has not set a password yet: make a new invitation link instead."
        )
    audit.record(
        "password_reset_email", patient_id=patient_id, target=f"user:{patient_id}", actor=user
    )
    return patient


def view_patient(user, patient_id: int, today: date | None = None) -> presenters.PatientOverview:
    """Everything the patient page shows, in a fixed number of queries whatever the
    record (the template runs none). Staff also get the caseload figures."""
    patient = access.require(user, access.VIEW, patient_id)
    zone = zone_for(patient.user)
    history = programme_history(patient_id)
    sessions = presenters.session_rows(_recent_sessions(patient_id), zone)
    figures = None
    if user.role != PATIENT:
        latest = sessions[0].performed_at if sessions else None
        figures = caseload.patient_figures(patient, versions_of(history, zone), latest, today)
    return presenters.patient_overview(
        patient,
        zone,
        invitation_expires_at=_live_invitation_expiry(patient_id),
        history=history,
        sessions=sessions,
        adherence=figures,
        can_prescribe=access.may(user, access.PRESCRIBE, patient_id),
        can_invite=access.may(user, access.INVITE, patient_id),
    )


def _live_invitation_expiry(patient_id: int):
    return db.session.scalar(
        select(Invitation.expires_at)
        .where(
            Invitation.user_id == patient_id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
        .limit(1)
    )


def _recent_sessions(patient_id: int) -> list[tuple[PracticeSession, int, int]]:
    """The latest sessions with how many exercises were done and skipped, in one query."""
    done = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(False))
    skipped = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(True))
    return list(
        db.session.execute(
            select(PracticeSession, done, skipped)
            .outerjoin(PracticeItem, PracticeItem.session_id == PracticeSession.id)
            .where(PracticeSession.patient_id == patient_id)
            .group_by(PracticeSession.id)
            .order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())
            .limit(SESSION_LOG_LENGTH)
        )
    )
