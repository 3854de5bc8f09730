"""Patients as staff see them: adding one, invitation links, and the patient page."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import invitations
from ..models import (
    CareTeamMember,
    Invitation,
    Patient,
    PracticeItem,
    PracticeSession,
    Programme,
    User,
)
from ..models.base import utcnow
from ..usecases import accounts, caseload, practice, programmes

SESSION_LOG_LENGTH = 50


def patient_today(patient_id: int) -> date:
    """Today's date where the patient lives (their zone, else the clinic's)."""
    user = db.session.get(User, patient_id)
    return practice.local_now(practice.zone_for(user)).date()


def caseload_names(staff) -> list[tuple[int, str]]:
    """(patient id, name) of the patients on ``staff``'s care teams, by name."""
    rows = db.session.execute(
        select(User.id, User.name)
        .join(CareTeamMember, CareTeamMember.patient_id == User.id)
        .where(CareTeamMember.staff_id == staff.id, User.active.is_(True))
    ).all()
    return sorted(((row.id, row.name) for row in rows), key=lambda r: (r[1].casefold(), r[0]))


# Adding and inviting ------------------------------------------------------------------


def create_patient(staff, name: str, email: str, affected_side: str) -> tuple[Patient, str]:
    """Add a patient to ``staff``'s care team. Returns the patient and the one-time token.

    The token is shown once (services.accounts stores only its hash).
    """
    if getattr(staff, "role", None) not in access.CREATE_PATIENT_ROLES:
        raise Invalid("Only therapists and clinicians add patients.")
    try:
        return accounts.create_patient(
            email=email, name=name, affected_side=affected_side, created_by=staff
        )
    except IntegrityError:
        # Someone added the same address between our check and our insert.
        db.session.rollback()
        raise Invalid(
            "An account with this e-mail address already exists.", field="email"
        ) from None


def invitation_url(token: str) -> str:
    return url_for("auth.invitation", token=token, _external=True)


def reinvite(staff, patient_id: int, *, password_reset: bool = False) -> str:
    """A fresh invitation link; earlier unused links stop working.

    For a patient who has not set a password yet; with ``password_reset`` (the patient
    asked, having forgotten theirs) also for one who has: the link sets a new password
    and logs out their other devices.
    """
    if not access.may(staff, access.INVITE, patient_id):
        raise NotFound()
    user = db.session.get(User, patient_id)
    if user is None or user.patient is None:
        raise NotFound()
    if user.password_hash and not password_reset:
        raise Invalid(
            "This patient has already set a password. Make a new link only if they ask "
            "for one because they have forgotten it."
        )
    if not user.active:
        raise Invalid("This account is closed. An administrator can reopen it.")
    token = invitations.renew(user, staff)
    db.session.commit()
    return token


# The staff patient page -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    performed_at: datetime  # in the patient's zone
    effort: int
    synkinesis_rating: int
    exercises_done: int
    exercises_skipped: int
    note: str | None


@dataclass(frozen=True)
class PatientOverview:
    patient_id: int
    name: str
    email: str
    affected_side: str
    active: bool
    timezone: str
    password_set: bool
    invitation_expires_at: datetime | None  # the live unused link, if any
    current: Programme | None
    history: list[Programme]  # newest first
    sessions: list[SessionRow]  # newest first, at most SESSION_LOG_LENGTH
    adherence: object | None  # services.caseload.CaseloadRow for this patient


def patient_overview(patient_id: int, staff=None, today: date | None = None) -> PatientOverview:
    """Everything the staff patient page shows, loaded up front in a fixed number of
    queries (the template runs none). ``staff`` is whose caseload figures to use."""
    patient = access.patient_with_account(patient_id)
    if patient is None:
        raise NotFound()
    user = patient.user
    zone = practice.zone_for(user)
    invitation = db.session.scalar(
        select(Invitation)
        .where(
            Invitation.user_id == patient_id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
        .limit(1)
    )
    history = programmes.programme_history(patient_id)
    current = next((p for p in history if p.ended_on is None), None)
    sessions = _recent_sessions(patient_id, zone)
    return PatientOverview(
        patient_id=patient_id,
        name=user.name,
        email=user.email,
        affected_side=patient.affected_side,
        active=user.active,
        timezone=str(zone),
        password_set=bool(user.password_hash),
        invitation_expires_at=invitation.expires_at if invitation else None,
        current=current,
        history=history,
        sessions=sessions,
        adherence=_adherence(staff, patient, practice.versions_of(history, zone), sessions, today),
    )


def _recent_sessions(patient_id: int, zone) -> list[SessionRow]:
    """The latest sessions with how many exercises were done and skipped, in one query."""
    done = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(False))
    skipped = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(True))
    rows = db.session.execute(
        select(PracticeSession, done, skipped)
        .outerjoin(PracticeItem, PracticeItem.session_id == PracticeSession.id)
        .where(PracticeSession.patient_id == patient_id)
        .group_by(PracticeSession.id)
        .order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())
        .limit(SESSION_LOG_LENGTH)
    )
    return [
        SessionRow(
            performed_at=s.performed_at.astimezone(zone),
            effort=s.effort,
            synkinesis_rating=s.synkinesis_rating,
            exercises_done=done,
            exercises_skipped=skipped,
            note=s.note,
        )
        for s, done, skipped in rows
    ]


def _adherence(staff, patient: Patient, versions, sessions: list[SessionRow], today):
    """The caseload figures for this patient, so the page and the caseload table agree."""
    if staff is None:
        return None
    latest = sessions[0].performed_at if sessions else None
    return caseload.patient_row(patient, versions, latest, today)
