"""A staff member's caseload: the patients on their care teams with their practice figures,
and for a clinician the figures that decide an injection visit.

Six SQL queries whatever the caseload size: the patients, their programme versions
(with the item maxima), their session times of the last 28 days, their latest session
time, what reminder last reached them and their unread messages; a clinician's
caseload adds one (every visit
and SAQ score of the caseload, a UNION ALL). presenters/caseload.py makes the figures,
each patient in their own zone; progress.review.clinical_status_of the clinician's (the
one place that works them out, so stored figures can replace it).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from .. import access
from ..extensions import db
from ..models import (
    CLINICIAN,
    STAFF_ROLES,
    CareTeamMember,
    InjectionVisit,
    Patient,
    PracticeSession,
    Programme,
    QuestionnaireResponse,
    User,
)
from ..presenters.caseload import WINDOW_DAYS, CaseloadPatient, CaseloadRow, by_name, caseload_row
from ..presenters.caseload_table import CaseloadTable, caseload_table, parse_query
from ..progress import adherence, cycles
from ..progress.review import clinical_status_of
from .clinic_settings import rules
from .local_time import before_local_day, local_dates, local_now, zone_for
from .messages import unread_by_patient
from .programme_reads import versions_for
from .questionnaires import SAQ, instrument
from .reminder_settings import with_reminder_reach


def caseload_page(user, args: Mapping[str, str], today: date | None = None) -> CaseloadTable:
    """The caseload searched, filtered and sorted by the request's ``args`` (q, state,
    sort, order); the clinician's with the clinical figures."""
    role = CLINICIAN if user.role == CLINICIAN else "therapist"
    return caseload_table(caseload_rows(user, today), role, parse_query(args, role))


def caseload_rows(user, today: date | None = None) -> list[CaseloadRow]:
    """One row per patient on ``user``'s care teams, sorted by name.

    ``today`` (tests) is the local date for every patient; by default each patient's
    own today.
    """
    access.require_role(user, *STAFF_ROLES)
    patients = db.session.execute(
        select(Patient.id, User.name, User.email, User.timezone, Patient.affected_side)
        .join(User, User.id == Patient.id)
        .join(CareTeamMember, CareTeamMember.patient_id == Patient.id)
        .where(CareTeamMember.staff_id == user.id)
    ).all()
    if not patients:
        return []
    zones = {row.id: zone_for(row) for row in patients}
    todays = {row.id: today or local_now(zones[row.id]).date() for row in patients}
    on_team = select(CareTeamMember.patient_id).where(CareTeamMember.staff_id == user.id)
    versions = versions_for(Programme.patient_id.in_(on_team), zones, zone_for(None))
    days = _session_days(PracticeSession.patient_id.in_(on_team), zones, min(todays.values()))
    last_at = _latest_sessions(user.id)
    clinical = _clinical(user, on_team, todays) if user.role == CLINICIAN else {}
    rows = by_name(
        caseload_row(
            patient,
            versions.get(patient.id, []),
            days.get(patient.id, []),
            last_at.get(patient.id),
            todays[patient.id],
            clinical.get(patient.id),
        )
        for patient in patients
    )
    unread = unread_by_patient(user)  # one query, which the navigation's count reuses
    return [
        replace(row, unread_messages=unread.get(row.patient_id, 0))
        for row in with_reminder_reach(rows)
    ]


def _clinical(user, on_team, todays: Mapping[int, date]) -> dict:
    """Each caseload patient's clinical status (progress.review) from all their visits
    and SAQ scores, read in one query."""
    visits: dict[int, list[cycles.InjectionVisit]] = defaultdict(list)
    saqs: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for row in db.session.execute(_visits_and_saqs(on_team)):
        if row.kind == "visit":
            visit = cycles.InjectionVisit(on=row.on, product=row.product, kind=row.visit_kind)
            visits[row.patient_id].append(visit)
        else:
            saqs[row.patient_id].append((row.on, row.score))
    clinic, floor = rules(), instrument().min_score
    return {
        patient_id: clinical_status_of(
            visits.get(patient_id, ()), saqs.get(patient_id, ()), today, clinic, floor
        )
        for patient_id, today in todays.items()
    }


def _visits_and_saqs(on_team):
    """The caseload's visits (date, product, kind) and SAQ scores (date, score)."""
    visit_rows = select(
        literal_column("'visit'").label("kind"),
        InjectionVisit.patient_id.label("patient_id"),
        InjectionVisit.injected_on.label("on"),
        InjectionVisit.product.label("product"),
        InjectionVisit.kind.label("visit_kind"),
        cast(null(), Float).label("score"),
    ).where(InjectionVisit.patient_id.in_(on_team))
    saq_rows = select(
        literal_column("'saq'"),
        QuestionnaireResponse.patient_id,
        QuestionnaireResponse.answered_on,
        cast(null(), String),
        cast(null(), String),
        cast(QuestionnaireResponse.score, Float),
    ).where(QuestionnaireResponse.patient_id.in_(on_team), QuestionnaireResponse.instrument == SAQ)
    return union_all(visit_rows, saq_rows)


def patient_figures(
    patient: Patient,
    versions: list[adherence.Version],
    last_session_at: datetime | None,
    today: date | None = None,
) -> CaseloadRow:
    """One patient's caseload figures (their staff page), so the page and the caseload
    table agree: 1 query. The caller has checked access and loaded the patient with
    their account, their programme versions and the time of their latest session."""
    zone = zone_for(patient.user)
    today = today or local_now(zone).date()
    days = _session_days(PracticeSession.patient_id == patient.id, {patient.id: zone}, today)
    who = CaseloadPatient(patient.id, patient.user.name, patient.user.email, patient.affected_side)
    return caseload_row(who, versions, days.get(patient.id, []), last_session_at, today)


def caseload_names(staff_id: int) -> list[tuple[int, str]]:
    """(patient id, name) of the active patients on the staff member's care teams, by
    name (to choose one from). The caller has checked the staff member's role."""
    rows = db.session.execute(
        select(User.id, User.name)
        .join(CareTeamMember, CareTeamMember.patient_id == User.id)
        .where(CareTeamMember.staff_id == staff_id, User.active.is_(True))
    ).all()
    return sorted(((row.id, row.name) for row in rows), key=lambda r: (r[1].casefold(), r[0]))


def _session_days(
    patient_filter: ColumnElement[bool], zones: Mapping[int, ZoneInfo], earliest_today: date
) -> dict[int, list[date]]:
    """The local days of each patient's sessions in the window that ends on their today
    (the earliest of those todays bounds the read)."""
    since = before_local_day(earliest_today - timedelta(days=WINDOW_DAYS))
    instants: dict[int, list[datetime]] = {}
    for patient_id, performed_at in db.session.execute(
        select(PracticeSession.patient_id, PracticeSession.performed_at).where(
            patient_filter, PracticeSession.performed_at >= since
        )
    ):
        instants.setdefault(patient_id, []).append(performed_at)
    return {pid: local_dates(times, zones[pid]) for pid, times in instants.items()}


def _latest_sessions(staff_id: int) -> dict[int, datetime]:
    """The time of each caseload patient's latest session.

    One index seek per patient (ix_practice_sessions_patient_performed, read backwards)
    instead of a GROUP BY over every session they ever logged: the cost follows the
    caseload, not the length of the patients' histories.
    """
    latest = (
        select(func.max(PracticeSession.performed_at))
        .where(PracticeSession.patient_id == CareTeamMember.patient_id)
        .correlate(CareTeamMember)
        .scalar_subquery()
    )
    return {
        patient_id: at
        for patient_id, at in db.session.execute(
            select(CareTeamMember.patient_id, latest).where(CareTeamMember.staff_id == staff_id)
        )
        if at is not None
    }
