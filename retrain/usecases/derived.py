"""Keeping each patient's derived figures (models.PatientFigures) up to date on write.

ONE function works them out: ``refresh(patient_id)``, a full recomputation from the
patient's bounded inputs (the sessions of their latest 28 local days, their visits and
SAQ scores; a handful of queries, whatever the length of the history), or, when the
transaction only added sessions, the stored row with the new sessions counted in (no
query of the sessions: the common save). It runs in the
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
from ..progress.derived import WINDOW_DAYS, PracticeFigures, clinical_facts, recent_days
from .local_time import local_dates, zone_for
from .questionnaires import SAQ

PENDING = "derived_figures_pending"  # session.info key: {patient id: _Changes} for the commit


PRACTICE, CLINICAL = "practice", "clinical"  # the parts of a row
BOTH = frozenset({PRACTICE, CLINICAL})
TAIL_ROWS = 200  # sessions read at once from the latest backwards (more: a second query)


def refresh(
    patient_id: int, parts: Iterable[str] = BOTH, added: Sequence[datetime] = ()
) -> PatientFigures | None:
    """Work the patient's figures out again and store them (in the caller's transaction):
    both parts, or only the ``parts`` a write changed (PRACTICE: sessions, time zone;
    CLINICAL: visits, SAQ answers). ``added``: the times of the sessions the write only
    added (none changed or deleted): the practice part is then brought up to date from
    the stored row instead of the sessions, unless the row cannot tell (there is none,
    or its days were taken in another time zone). Their row is locked first, so two
    writers for one patient take turns and the second sees the first's rows and figures
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    parts = set(parts)
    row = db.session.scalar(
        select(PatientFigures)
        .where(PatientFigures.patient_id == patient_id)
        .with_for_update()
        # The locked row's current values, not those an earlier read left in the session:
        # an incremental update builds on them.
        .execution_options(populate_existing=True)
    )
    if row is None:  # a new patient, or one written by Core statements (a generator)
        if db.session.get(Patient, patient_id) is None:
            return None  # erased: the figures went with the patient
        lock_patient(patient_id)
        row, parts = PatientFigures(patient_id=patient_id), set(BOTH)
    if PRACTICE in parts or added:
        zone = zone_for(db.session.get(User, patient_id))  # no query once it is loaded
        if PRACTICE in parts or row.zone != zone.key:
            _refresh_practice(row, zone)
        else:
            _add_sessions(row, zone, added)
    if CLINICAL in parts:
        visits, saqs = visits_and_saqs([patient_id])
        row.clinical = clinical_facts(visits[patient_id], saqs[patient_id]).to_json()
    db.session.add(row)
    return row


def _refresh_practice(row: PatientFigures, zone) -> None:
    """Session count, latest session, the local days of the last WINDOW_DAYS: one query
    (the latest TAIL_ROWS sessions, with the count of all), two when more sessions than
    that fall in the window."""
    patient_id = row.patient_id
    latest = db.session.execute(
        select(PracticeSession.performed_at, func.count().over())
        .where(PracticeSession.patient_id == patient_id)
        .order_by(PracticeSession.performed_at.desc())
        .limit(TAIL_ROWS)
    ).all()
    times = [at for at, _ in latest]
    last_at = times[0] if times else None
    if last_at is not None:
        # The window's local days start at most WINDOW_DAYS - 1 days before the last
        # one; a day's margin covers any zone's offset.
        since = last_at - timedelta(days=WINDOW_DAYS + 1)
        if len(times) == TAIL_ROWS and times[-1] >= since:
            times = db.session.scalars(
                select(PracticeSession.performed_at).where(
                    PracticeSession.patient_id == patient_id,
                    PracticeSession.performed_at >= since,
                )
            ).all()
        times = [at for at in times if at >= since]
    figures = PracticeFigures(
        session_count=latest[0][1] if latest else 0,
        last_session_at=last_at,
        recent_days=recent_days(local_dates(times, zone)),
    )
    _store_practice(row, zone, figures)


def _add_sessions(row: PatientFigures, zone, added: Sequence[datetime]) -> None:
    """The stored practice figures with the ``added`` sessions counted in (no query;
    progress.derived.PracticeFigures.with_added says why it equals a full refresh)."""
    stored = PracticeFigures(
        session_count=row.session_count,
        last_session_at=row.last_session_at,
        recent_days={date.fromisoformat(day): n for day, n in (row.recent_days or {}).items()},
    )
    _store_practice(row, zone, stored.with_added(zip(added, local_dates(added, zone), strict=True)))


def _store_practice(row: PatientFigures, zone, figures: PracticeFigures) -> None:
    row.zone = zone.key
    row.session_count = figures.session_count
    row.last_session_at = figures.last_session_at
    row.recent_days = {day.isoformat(): n for day, n in figures.recent_days.items()}


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


# --- the unit of work's hooks ---------------------------------------------------------------


@dataclass
class _Changes:
    """What a transaction changed of one patient's inputs: the parts to work out again
    in full, and the times of the sessions it added (kept apart: adding alone is cheap)."""

    parts: set[str] = field(default_factory=set)
    added: list[datetime] = field(default_factory=list)


@event.listens_for(Session, "after_flush")
def _note_changed_patients(session: Session, _context) -> None:
    """Which part of whose figures this flush changed."""
    pending: dict[int, _Changes] = session.info.setdefault(PENDING, {})
    for obj in session.new:
        if isinstance(obj, PracticeSession):
            _of(pending, obj.patient_id).added.append(obj.performed_at)
        elif isinstance(obj, QuestionnaireResponse | InjectionVisit):
            _of(pending, obj.patient_id).parts.add(CLINICAL)
        elif isinstance(obj, Patient):  # it starts with a row: none means unknown
            _of(pending, obj.id).parts.update(BOTH)
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, PracticeSession):
            _of(pending, obj.patient_id).parts.add(PRACTICE)  # changed or gone: recount
        elif isinstance(obj, QuestionnaireResponse | InjectionVisit):
            _of(pending, obj.patient_id).parts.add(CLINICAL)
        elif isinstance(obj, User) and obj in session.dirty and _zone_changed(obj):
            _of(pending, obj.id).parts.add(PRACTICE)


def _of(pending: dict[int, _Changes], patient_id: int) -> _Changes:
    return pending.setdefault(patient_id, _Changes())


def _zone_changed(user: User) -> bool:
    history = inspect(user).attrs.timezone.history
    return bool(history.added or history.deleted)


@event.listens_for(Session, "before_commit")
def _refresh_changed_patients(session: Session) -> None:
    if not has_app_context() or session is not db.session():
        return  # another session (a script's own): it calls refresh itself
    session.flush()
    while pending := session.info.pop(PENDING, None):
        for patient_id, changes in sorted(pending.items()):
            refresh(patient_id, changes.parts, changes.added)
        session.flush()  # notes nothing new: figures are not inputs


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(PENDING, None)
