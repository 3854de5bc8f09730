"""Patients as staff see them: adding one, invitation links, and the patient page.

Invitation tokens are returned to the caller once (accounts stores only their hash);
the routes turn them into links.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..infrastructure import audit, invitations
from ..models import PATIENT, Invitation, Patient, PracticeItem, PracticeSession
from ..models.base import utcnow
from ..presenters import live_trends, practice_chart
from ..presenters import patient_overview as presenters
from ..progress import live
from . import accounts, caseload
from .local_time import before_local_day, local_now, zone_for
from .programme_reads import programme_history, versions_of
from .progress_record import recent_live

SESSION_LOG_LENGTH = 50  # the API's patient detail
SESSION_LOG_PAGE = 10  # the patient page: the log is paged, the programme comes first
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


@dataclass(frozen=True)
class InvitationMail:
    """Who the invitation e-mail goes to and is from, read before the use case commits
    (so sending it needs no query: a job queued in an open transaction waits for a commit
    that a page which only renders never makes)."""

    patient_name: str
    email: str
    sender_name: str


def invitation_to_email(user, patient_id: int, token: str) -> tuple[Patient, InvitationMail]:
    """Check that ``token`` is the patient's live invitation and record that the staff
    member e-mails it to the patient's own address (the caller sends it)."""
    patient = access.require(user, access.INVITE, patient_id)
    invitation = invitations.live(token)
    if invitation is None or invitation.user_id != patient_id or patient.user.password_hash:
        raise Invalid(
            "This invitation link no longer works, so it was not sent. Make a new one on "
            "the patient's page."
        )
    letter = InvitationMail(patient.user.name, patient.user.email, user.name)
    audit.record("email_invitation", patient_id=patient_id, target=f"user:{patient_id}", actor=user)
    db.session.commit()  # the audit row with it
    return patient, letter


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
    db.session.commit()  # the audit row with it; the caller's e-mail job then goes at once
    return patient


def view_patient(
    user,
    patient_id: int,
    today: date | None = None,
    *,
    log_page: int = 1,
    log_size: int = SESSION_LOG_LENGTH,
    with_chart: bool = False,
) -> presenters.PatientOverview:
    """Everything the patient page shows, in a fixed number of queries whatever the
    record (the template runs none). Staff also get the caseload figures and the chart of
    daily ratings (``with_chart``); the session log is page ``log_page`` (clamped) of
    ``log_size`` rows."""
    patient = access.require(user, access.VIEW, patient_id)
    zone = zone_for(patient.user)
    history = programme_history(patient_id)
    log_page = max(1, log_page)
    counted = _recent_sessions(patient_id, limit=log_size, offset=(log_page - 1) * log_size)
    if not counted and log_page > 1:  # past the end (a stray link): show the last page
        log_page = max(1, math.ceil(_session_count(patient_id) / log_size))
        counted = _recent_sessions(patient_id, limit=log_size, offset=(log_page - 1) * log_size)
    total = counted[0][3] if counted else 0
    pages = max(1, math.ceil(total / log_size))
    sessions = presenters.session_rows([(*row[:3], *row[4:]) for row in counted], zone)
    figures = chart = None
    trends = ()
    if user.role != PATIENT:
        if log_page == 1:  # the log's first row is the latest session
            latest = sessions[0].performed_at if sessions else None
        else:
            latest = _latest_session_at(patient_id, zone)
        today = today or local_now(zone).date()
        recent = _recent_ratings(patient_id, today, with_chart)  # one read for both
        performed = [at for at, _, _ in recent]
        versions = versions_of(history, zone)
        figures = caseload.patient_figures(patient, versions, latest, today, performed)
        if with_chart:
            chart = _practice_chart(recent, zone, history, today)
            trends = _live_trends(patient_id, zone, today)
    return presenters.patient_overview(
        patient,
        zone,
        invitation_expires_at=_live_invitation_expiry(patient_id),
        history=history,
        sessions=sessions,
        adherence=figures,
        can_prescribe=access.may(user, access.PRESCRIBE, patient_id),
        can_invite=access.may(user, access.INVITE, patient_id),
        log=presenters.LogPage(log_page, pages, total),
        practice_chart=chart,
        live_trends=trends,
    )


def _session_count(patient_id: int) -> int:
    return db.session.scalar(
        select(func.count(PracticeSession.id)).where(PracticeSession.patient_id == patient_id)
    )


def _latest_session_at(patient_id: int, zone):
    latest = db.session.scalar(
        select(func.max(PracticeSession.performed_at)).where(
            PracticeSession.patient_id == patient_id
        )
    )
    return latest.astimezone(zone) if latest else None


def _recent_ratings(patient_id: int, today: date, with_chart: bool):
    """(performed_at, effort, rating) of the sessions the figures count, and those the
    chart shows when it is wanted (its eight weeks are longer than the figures' window)."""
    since = caseload.window_start(today)
    if with_chart:
        chart_start = today - timedelta(days=practice_chart.CHART_DAYS - 1)
        since = min(since, before_local_day(chart_start))
    return db.session.execute(
        select(
            PracticeSession.performed_at, PracticeSession.effort, PracticeSession.synkinesis_rating
        ).where(PracticeSession.patient_id == patient_id, PracticeSession.performed_at >= since)
    ).all()


def _live_trends(patient_id: int, zone, today: date) -> tuple:
    """Live feedback by exercise and week over the practice chart's eight weeks."""
    first = today - timedelta(days=practice_chart.CHART_DAYS - 1)
    measured = recent_live(patient_id, zone, before_local_day(first))
    records = [record for record in measured["live"] if record.day >= first]
    weeks = live.weekly(records)
    return tuple(live_trends.exercise_trends(weeks, measured["live_exercises"], today))


def _practice_chart(recent, zone, history, today: date):
    """The last eight weeks of ratings and effort, programme versions marked."""
    sessions = [(at.astimezone(zone).date(), effort, rating) for at, effort, rating in recent]
    changes = [(version.starts_on, version.version) for version in history]
    return practice_chart.practice_chart(sessions, changes, today)


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


def _recent_sessions(patient_id: int, *, limit: int, offset: int = 0) -> list[tuple]:
    """The latest sessions with how many exercises were done and skipped, how many
    sessions there are in all (the same on every row), and the live feedback's
    repetitions measured and within the limit (None: not measured), in one query."""
    done = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(False))
    skipped = func.count(PracticeItem.id).filter(PracticeItem.skipped.is_(True))
    live = (func.sum(PracticeItem.live_reps_scored), func.sum(PracticeItem.live_clean_reps))
    return list(
        db.session.execute(
            select(PracticeSession, done, skipped, func.count().over(), *live)
            .outerjoin(PracticeItem, PracticeItem.session_id == PracticeSession.id)
            .where(PracticeSession.patient_id == patient_id)
            .group_by(PracticeSession.id)
            .order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
