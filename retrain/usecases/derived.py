"""Keeping each patient's derived figures (models.PatientFigures) up to date on write.

ONE function works them out: ``refresh(patient_id)``, a full recomputation from the
patient's bounded inputs (the sessions of their latest 28 local days, their visits and
SAQ scores; a handful of queries, whatever the length of the history). It runs in the
transaction of the write that changed them: the unit of work notes every patient whose
sessions, SAQ answers, injection visits or time zone were added, changed or deleted
through the ORM, and every new patient (``after_flush``), and refreshes them just
before the commit
(``before_commit``), so no write path (the forms, the API, the history import, the
demo, the tests' factories) can forget it. A write through a Core statement calls
``refresh`` itself; erasure needs nothing (the row cascades with the patient). A rule
change is ``flask derived rebuild``. Design: docs/performance.md, "Derived figures".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from flask import has_app_context
from sqlalchemy import (
    Float,
    String,
    cast,
    event,
    func,
    inspect,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import (
    InjectionVisit,
    Patient,
    PatientFigures,
    PracticeSession,
    QuestionnaireResponse,
    User,
)
from ..progress import cycles
from ..progress.derived import WINDOW_DAYS, ClinicalFacts, clinical_facts, recent_days
from .local_time import local_dates, zone_for
from .questionnaires import SAQ

PENDING = "derived_figures_pending"  # session.info key: patient ids to refresh at commit
INPUTS = (PracticeSession, QuestionnaireResponse, InjectionVisit)


def refresh(patient_id: int) -> PatientFigures | None:
    """Work out the patient's figures again and store them (in the caller's transaction).
    Their row is locked first, so two writers for one patient take turns and the second
    sees the first's rows (PostgreSQL; SQLite has one writer at a time anyway)."""
    row = db.session.scalar(
        select(PatientFigures).where(PatientFigures.patient_id == patient_id).with_for_update()
    )
    if row is None:  # a new patient, or one written by Core statements (a generator)
        if db.session.get(Patient, patient_id) is None:
            return None  # erased: the figures went with the patient
        lock_patient(patient_id)
        row = PatientFigures(patient_id=patient_id)
    user = db.session.get(User, patient_id)
    zone = zone_for(user)
    count, last_at = db.session.execute(
        select(func.count(PracticeSession.id), func.max(PracticeSession.performed_at)).where(
            PracticeSession.patient_id == patient_id
        )
    ).one()
    days: dict[date, int] = {}
    if last_at is not None:
        # The window's local days start at most WINDOW_DAYS - 1 days before the last
        # one; a day's margin covers any zone's offset.
        since = last_at - timedelta(days=WINDOW_DAYS + 1)
        times = db.session.scalars(
            select(PracticeSession.performed_at).where(
                PracticeSession.patient_id == patient_id, PracticeSession.performed_at >= since
            )
        )
        days = recent_days(local_dates(times, zone))
    visits, saqs = visits_and_saqs([patient_id])
    facts = clinical_facts(visits[patient_id], saqs[patient_id])
    row.zone = zone.key
    row.session_count = count
    row.last_session_at = last_at
    row.recent_days = {day.isoformat(): n for day, n in days.items()}
    row.clinical = facts.to_json()
    db.session.add(row)
    return row


def rebuild(patient_ids: Iterable[int] | None = None) -> int:
    """Refresh every patient's figures (or those of ``patient_ids``), committing every
    100 so a long rebuild holds no lock for long. Returns how many were refreshed."""
    ids = (
        list(patient_ids)
        if patient_ids is not None
        else db.session.scalars(select(Patient.id).order_by(Patient.id)).all()
    )
    done = 0
    for patient_id in ids:
        if refresh(patient_id) is not None:
            done += 1
        if done % 100 == 0:
            db.session.commit()
    db.session.commit()
    return done


def visits_and_saqs(
    among,
) -> tuple[dict[int, list[cycles.InjectionVisit]], dict[int, list[tuple[date, float]]]]:
    """Every visit (date, product, kind) and SAQ score (date, score) of the patients
    ``among`` (ids, or a subquery of ids), in one query."""
    visit_rows = select(
        literal_column("'visit'").label("kind"),
        InjectionVisit.patient_id.label("patient_id"),
        InjectionVisit.injected_on.label("on"),
        InjectionVisit.product.label("product"),
        InjectionVisit.kind.label("visit_kind"),
        cast(null(), Float).label("score"),
    ).where(InjectionVisit.patient_id.in_(among))
    saq_rows = select(
        literal_column("'saq'"),
        QuestionnaireResponse.patient_id,
        QuestionnaireResponse.answered_on,
        cast(null(), String),
        cast(null(), String),
        cast(QuestionnaireResponse.score, Float),
    ).where(QuestionnaireResponse.patient_id.in_(among), QuestionnaireResponse.instrument == SAQ)
    visits: dict[int, list[cycles.InjectionVisit]] = defaultdict(list)
    saqs: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for row in db.session.execute(union_all(visit_rows, saq_rows)):
        if row.kind == "visit":
            visit = cycles.InjectionVisit(on=row.on, product=row.product, kind=row.visit_kind)
            visits[row.patient_id].append(visit)
        else:
            saqs[row.patient_id].append((row.on, row.score))
    return visits, saqs


def stored_facts(row: PatientFigures) -> ClinicalFacts:
    return ClinicalFacts.from_json(row.clinical)


# --- the unit of work's hooks ---------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_changed_patients(session: Session, _context) -> None:
    pending = session.info.setdefault(PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, INPUTS):
            pending.add(obj.patient_id)
        elif isinstance(obj, Patient) and obj in session.new:
            pending.add(obj.id)  # a new patient starts with a row: no row means unknown
        elif isinstance(obj, User) and obj in session.dirty and _zone_changed(obj):
            pending.add(obj.id)


def _zone_changed(user: User) -> bool:
    history = inspect(user).attrs.timezone.history
    return bool(history.added or history.deleted)


@event.listens_for(Session, "before_commit")
def _refresh_changed_patients(session: Session) -> None:
    if not has_app_context() or session is not db.session():
        return  # another session (a script's own): it calls refresh itself
    session.flush()
    while pending := session.info.pop(PENDING, None):
        for patient_id in sorted(pending):
            refresh(patient_id)
        session.flush()  # notes nothing new: figures are not inputs


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(PENDING, None)
