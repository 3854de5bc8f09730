"""A staff member's caseload: the patients on their care teams with their practice figures,
and for a clinician the figures that decide an injection visit.

Five SQL queries whatever the caseload size and the length of the histories: the
patients, their programme versions (with the item maxima), their derived figures
(models.PatientFigures, kept up to date on write by usecases/derived.py), what
reminder last reached them and their unread messages. The stored figures hold no
date-relative fact: the 7- and 28-day windows and the flags are finished for each
patient's today by presenters/caseload.py, the clinician's status by
progress.review.status_from_facts.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select

from .. import access
from ..extensions import db
from ..models import (
    CLINICIAN,
    STAFF_ROLES,
    CareTeamMember,
    Patient,
    PatientFigures,
    PracticeSession,
    Programme,
    User,
)
from ..presenters.caseload import WINDOW_DAYS, CaseloadPatient, CaseloadRow, by_name, caseload_row
from ..presenters.caseload_table import CaseloadTable, caseload_table, parse_query
from ..progress import adherence
from ..progress.derived import ClinicalFacts, days_up_to
from ..progress.review import ClinicalStatus, clinical_status_of, status_from_facts
from .clinic_settings import rules
from .derived import visits_and_saqs
from .local_time import before_local_day, local_dates, local_now, zone_for
from .messages import unread_by_patient
from .programme_reads import versions_for
from .questionnaires import instrument
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
    figures = _stored_figures(on_team, zones, todays, with_clinical=user.role == CLINICIAN)
    rows = by_name(
        caseload_row(
            patient,
            versions.get(patient.id, []),
            figures.days.get(patient.id, []),
            figures.last_at.get(patient.id),
            todays[patient.id],
            figures.clinical.get(patient.id),
        )
        for patient in patients
    )
    unread = unread_by_patient(user)  # one query, which the navigation's count reuses
    return [
        replace(row, unread_messages=unread.get(row.patient_id, 0))
        for row in with_reminder_reach(rows)
    ]


@dataclass
class _Figures:
    days: dict[int, list[date]] = field(default_factory=dict)
    last_at: dict[int, datetime] = field(default_factory=dict)
    clinical: dict[int, ClinicalStatus] = field(default_factory=dict)


def _stored_figures(on_team, zones, todays: Mapping[int, date], with_clinical: bool) -> _Figures:
    """Each patient's figures from their derived row (usecases/derived.py): one query,
    no history. A patient whose row cannot answer for their today (no row yet, taken in
    another zone, or today before their latest session's day) is worked out from their
    records instead, all of them in at most three more queries."""
    out, unsure, seen = _Figures(), set(), set()
    clinic, floor = rules(), instrument().min_score
    # Plain columns, not entities: 200 ORM objects cost more than the figures themselves.
    stored = db.session.execute(
        select(
            PatientFigures.patient_id,
            PatientFigures.zone,
            PatientFigures.last_session_at,
            PatientFigures.recent_days,
            PatientFigures.clinical,
        ).where(PatientFigures.patient_id.in_(on_team))
    )
    for row in stored:
        pid = row.patient_id
        seen.add(pid)
        days = days_up_to(_stored_days(row.recent_days), todays[pid])
        if row.zone != zones[pid].key or days is None:
            unsure.add(pid)
        else:
            out.days[pid] = days
        if row.last_session_at is not None:
            out.last_at[pid] = row.last_session_at
        if with_clinical:
            out.clinical[pid] = status_from_facts(
                ClinicalFacts.from_json(row.clinical), todays[pid], clinic, floor
            )
    missing = set(todays) - seen
    _recomputed(out, unsure | missing, missing, zones, todays, with_clinical)
    return out


def _stored_days(recent: Mapping[str, int]) -> dict[date, int]:
    return {date.fromisoformat(day): n for day, n in recent.items()}


def _recomputed(out: _Figures, unsure, missing, zones, todays, with_clinical: bool) -> None:
    """The figures of ``unsure`` and ``missing`` patients from their records."""
    if unsure:
        ids = sorted(unsure)
        earliest = min(todays[pid] for pid in ids)
        out.days.update(_session_days(PracticeSession.patient_id.in_(ids), zones, earliest))
    if missing:
        out.last_at.update(_latest_sessions(sorted(missing)))
    if missing and with_clinical:
        visits, saqs = visits_and_saqs(sorted(missing))
        clinic, floor = rules(), instrument().min_score
        for pid in missing:
            status = clinical_status_of(visits[pid], saqs[pid], todays[pid], clinic, floor)
            out.clinical[pid] = status


def patient_figures(
    patient: Patient,
    versions: list[adherence.Version],
    last_session_at: datetime | None,
    today: date | None = None,
    performed: Iterable[datetime] | None = None,
) -> CaseloadRow:
    """One patient's caseload figures (their staff page), so the page and the caseload
    table agree: 1 query, none when the caller loaded the times of the sessions since
    ``window_start(today)`` (``performed``). The caller has checked access and loaded
    the patient with their account, their programme versions and the time of their
    latest session."""
    zone = zone_for(patient.user)
    today = today or local_now(zone).date()
    if performed is None:
        days = _session_days(PracticeSession.patient_id == patient.id, {patient.id: zone}, today)
    else:
        since = window_start(today)
        days = {patient.id: local_dates([at for at in performed if at >= since], zone)}
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


def window_start(today: date) -> datetime:
    """The instant from which the figures count sessions (for a patient whose today it is)."""
    return before_local_day(today - timedelta(days=WINDOW_DAYS))


def _session_days(
    patient_filter: ColumnElement[bool], zones: Mapping[int, ZoneInfo], earliest_today: date
) -> dict[int, list[date]]:
    """The local days of each patient's sessions in the window that ends on their today
    (the earliest of those todays bounds the read)."""
    since = window_start(earliest_today)
    instants: dict[int, list[datetime]] = {}
    for patient_id, performed_at in db.session.execute(
        select(PracticeSession.patient_id, PracticeSession.performed_at).where(
            patient_filter, PracticeSession.performed_at >= since
        )
    ):
        instants.setdefault(patient_id, []).append(performed_at)
    return {pid: local_dates(times, zones[pid]) for pid, times in instants.items()}


def _latest_sessions(patient_ids: list[int]) -> dict[int, datetime]:
    """The time of each patient's latest session (one index seek per patient)."""
    latest = (
        select(func.max(PracticeSession.performed_at))
        .where(PracticeSession.patient_id == Patient.id)
        .correlate(Patient)
        .scalar_subquery()
    )
    return {
        patient_id: at
        for patient_id, at in db.session.execute(
            select(Patient.id, latest).where(Patient.id.in_(patient_ids))
        )
        if at is not None
    }
