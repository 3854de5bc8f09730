"""A staff member's caseload with each patient's practice figures.

Computed here, shown by the therapist and clinician caseload pages. Four SQL queries
whatever the caseload size: the patients, their programme versions (with the item
maxima), their session times of the last 28 days, and their latest session time.
The figures follow retrain/progress/adherence.py (periods "to date": today's share
counts only as far as it has been met), each patient in their own timezone.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import STAFF_ROLES, CareTeamMember, Patient, PracticeSession, Programme, User
from ..progress import adherence
from ..usecases import practice

WINDOW_DAYS = 28
RECENT_DAYS = 7
QUIET_DAYS = 3  # flag a patient with a programme but no session in this many local days


@dataclass(frozen=True)
class CaseloadRow:
    patient_id: int
    name: str
    email: str
    affected_side: str
    has_programme: bool
    last_session_at: datetime | None
    sessions_7d: int
    prescribed_7d: float
    sessions_28d: int
    prescribed_28d: float
    adherence_28d: float | None  # percent 0-100, None when nothing was prescribed
    no_session_3_days: bool  # flag: no session in the last 3 local days (and a programme exists)


def caseload_rows(staff: User, today: date | None = None) -> list[CaseloadRow]:
    """One row per patient on ``staff``'s care teams, sorted by name.

    ``today`` (tests) is the local date for every patient; by default each patient's
    own today. Periods: the last 7 and 28 local days, today included.
    ``no_session_3_days``: the patient has a programme in force (not ended), it started
    at least 3 local days ago (today and the 2 days before), and none of those 3 days
    has a session, so a programme given this morning does not raise the flag at once.
    """
    if staff.role not in STAFF_ROLES:
        return []
    on_team = select(CareTeamMember.patient_id).where(CareTeamMember.staff_id == staff.id)
    patients = db.session.execute(
        select(Patient.id, User.name, User.email, User.timezone, Patient.affected_side)
        .join(User, User.id == Patient.id)
        .join(CareTeamMember, CareTeamMember.patient_id == Patient.id)
        .where(CareTeamMember.staff_id == staff.id)
    ).all()
    if not patients:
        return []

    default_zone = practice.zone_for(None)
    zones = {row.id: practice.zone_for(row) for row in patients}
    versions = practice.versions_for(Programme.patient_id.in_(on_team), zones, default_zone)

    latest_day = today or max(datetime.now(zone).date() for zone in zones.values())
    # UTC midnight a day before the earliest local day asked for covers every timezone.
    since = datetime.combine(latest_day - timedelta(days=WINDOW_DAYS + 1), time(), tzinfo=UTC)
    instants: dict[int, list[datetime]] = {}
    for patient_id, performed_at in db.session.execute(
        select(PracticeSession.patient_id, PracticeSession.performed_at).where(
            PracticeSession.patient_id.in_(on_team), PracticeSession.performed_at >= since
        )
    ):
        instants.setdefault(patient_id, []).append(performed_at)
    # One index seek per patient (ix_practice_sessions_patient_performed, read backwards)
    # instead of a GROUP BY over every session they ever logged: the cost follows the
    # caseload, not the length of the patients' histories.
    latest = (
        select(func.max(PracticeSession.performed_at))
        .where(PracticeSession.patient_id == CareTeamMember.patient_id)
        .correlate(CareTeamMember)
        .scalar_subquery()
    )
    last_at = {
        patient_id: at
        for patient_id, at in db.session.execute(
            select(CareTeamMember.patient_id, latest).where(CareTeamMember.staff_id == staff.id)
        )
        if at is not None
    }

    rows = [
        _row(
            patient,
            zones[patient.id],
            versions.get(patient.id, []),
            instants.get(patient.id, []),
            last_at.get(patient.id),
            today,
        )
        for patient in patients
    ]
    rows.sort(key=lambda row: (row.name.casefold(), row.patient_id))
    return rows


def patient_row(
    patient: Patient,
    versions: list[adherence.Version],
    last_session_at: datetime | None,
    today: date | None = None,
) -> CaseloadRow:
    """The caseload figures of one patient (their staff page): 1 query.

    The caller has the patient with their account, their programme versions
    (practice.versions_of) and the time of their latest session.
    """
    zone = practice.zone_for(patient.user)
    local_today = today or datetime.now(zone).date()
    since = datetime.combine(local_today - timedelta(days=WINDOW_DAYS + 1), time(), tzinfo=UTC)
    instants = db.session.scalars(
        select(PracticeSession.performed_at).where(
            PracticeSession.patient_id == patient.id, PracticeSession.performed_at >= since
        )
    )
    who = _Patient(patient.id, patient.user.name, patient.user.email, patient.affected_side)
    return _row(who, zone, versions, instants, last_session_at, today)


@dataclass(frozen=True)
class _Patient:
    id: int
    name: str
    email: str
    affected_side: str


def _row(patient, zone, versions, instants, last_session_at, today) -> CaseloadRow:
    """One patient's figures from their versions and recent session instants (UTC)."""
    local_today = today or datetime.now(zone).date()
    counts = adherence.daily_counts(
        day for day in practice.local_dates(instants, zone) if day <= local_today
    )
    recent = adherence.last_days(counts, versions, local_today, RECENT_DAYS)
    window = adherence.last_days(counts, versions, local_today, WINDOW_DAYS)
    has_programme = any(v.ended_on is None for v in versions)
    quiet_from = local_today - timedelta(days=QUIET_DAYS - 1)
    started_early = any(v.starts_on <= quiet_from for v in versions)
    quiet = all(counts.get(quiet_from + timedelta(days=n), 0) == 0 for n in range(QUIET_DAYS))
    return CaseloadRow(
        patient_id=patient.id,
        name=patient.name,
        email=patient.email,
        affected_side=patient.affected_side,
        has_programme=has_programme,
        last_session_at=last_session_at,
        sessions_7d=recent.sessions,
        prescribed_7d=recent.prescribed,
        sessions_28d=window.sessions,
        prescribed_28d=window.prescribed,
        adherence_28d=window.adherence,
        no_session_3_days=has_programme and started_early and quiet,
    )
