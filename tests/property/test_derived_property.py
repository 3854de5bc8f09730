"""The derived figures (issue 17, part 3) always equal a full recomputation.

- Pure: the stored, date-independent facts (progress.derived) finished for any today and
  any clinic settings give exactly the clinician's status worked out from the whole
  record (progress.review.clinical_status_of), and the stored recent days give exactly
  the practice figures of every session day (presenters.caseload.caseload_row).
- Through the database: random histories written in several transactions (sessions
  logged and deleted, SAQ answers, injection visits added and removed, the patient's
  time zone changed), each commit keeping the row up to date by the unit of work's
  hooks; then the caseload read from the maintained row equals the caseload worked out
  from the records (the row deleted), and the maintained row equals a refresh from
  scratch.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from retrain.config import Defaults
from retrain.extensions import db
from retrain.models import InjectionVisit, PatientFigures, PracticeSession, QuestionnaireResponse
from retrain.presenters.caseload import CaseloadPatient, caseload_row
from retrain.progress import adherence, cycles
from retrain.progress.derived import (
    ClinicalFacts,
    clinical_facts,
    days_up_to,
    practice_figures,
    recent_days,
)
from retrain.progress.review import clinical_status_of, status_from_facts
from retrain.progress.rules import ClinicRules
from retrain.usecases import derived
from retrain.usecases.caseload import caseload_rows
from retrain.usecases.local_time import zone_for

from .. import factories
from .conftest import count_example, property_settings

D0 = date(2026, 1, 5)
FLOOR = 20.0
PRODUCTS = ("onabotulinumtoxinA", "abobotulinumtoxinA")
ZONES = ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Europe/Amsterdam", None)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


# Visits roughly every three months (sometimes a top-up a few weeks in, sometimes two on
# one day, which the analysis refuses); SAQs every week or few, scores that dip after an
# injection and come back, so wear-off days and projections do occur.
visit_days = st.lists(st.integers(0, 500), max_size=8).map(sorted)
visit_kinds = st.lists(st.sampled_from(cycles.VISIT_KINDS), min_size=8, max_size=8)
saq_steps = st.lists(st.integers(1, 30), max_size=40)
saq_scores = st.lists(
    st.one_of(st.floats(20, 100).map(lambda x: round(x, 1)), st.integers(20, 100)),
    min_size=40,
    max_size=40,
)


@st.composite
def records(draw, allow_bad: bool = True):
    days = draw(visit_days)
    if not allow_bad:
        days = sorted(set(days))
    kinds = draw(visit_kinds)
    visits = [
        cycles.InjectionVisit(on=day(n), product=draw(st.sampled_from(PRODUCTS)), kind=kind)
        for n, kind in zip(days, kinds, strict=False)
    ]
    saqs, n = [], draw(st.integers(-40, 0))
    for step, score in zip(draw(saq_steps), draw(saq_scores), strict=False):
        n += step
        saqs.append((day(n), float(score)))
    if allow_bad and draw(st.integers(0, 20)) == 0:
        saqs.append((day(n + 1), 101.0))  # out of range: "Check the record"
    return visits, saqs


rules_strategy = st.builds(
    ClinicRules,
    min_important_change=st.sampled_from([0.0, 5.0, 10.0, 12.5]),
    uncertain_spread_days=st.integers(1, 60),
)


@given(record=records(), offset=st.integers(-30, 700), rules=rules_strategy)
@property_settings(400)
def test_stored_clinical_facts_finish_to_the_full_status(record, offset, rules):
    count_example("derived: clinical facts")
    visits, saqs = record
    today = day(offset)
    facts = clinical_facts(visits, saqs)
    stored = ClinicalFacts.from_json(json.loads(json.dumps(facts.to_json())))
    assert stored == facts
    full = clinical_status_of(visits, saqs, today, rules, FLOOR)
    event(f"due: {full.due}; projection: {bool(full.projection and full.projection.on)}")
    assert status_from_facts(stored, today, rules, FLOOR) == full


session_days = st.lists(st.integers(0, 120), max_size=60)


@given(days=session_days, offset=st.integers(0, 60), starts=st.integers(0, 130))
@property_settings(300)
def test_stored_recent_days_give_the_practice_figures_of_every_day(days, offset, starts):
    count_example("derived: recent days")
    every_day = [day(n) for n in days]
    today = max(every_day, default=D0) + timedelta(days=offset)
    versions = [adherence.Version(day(starts), None, 2, 5)]
    stored = json.loads(json.dumps({d.isoformat(): n for d, n in recent_days(every_day).items()}))
    from_stored = days_up_to({date.fromisoformat(d): n for d, n in stored.items()}, today)
    who = CaseloadPatient(1, "A", "a@example.org", "left")
    assert caseload_row(who, versions, from_stored, None, today) == caseload_row(
        who, versions, every_day, None, today
    )


# --- through the database ----------------------------------------------------------------


@st.composite
def histories(draw):
    """Writes in batches: each batch is committed on its own."""
    visits, saqs = draw(records(allow_bad=False))
    sessions = draw(st.lists(st.tuples(st.integers(0, 90), st.integers(0, 23)), max_size=40))
    batches = draw(st.integers(1, 4))
    deletes = draw(st.lists(st.integers(0, 29), max_size=5, unique=True))
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=2, max_size=2))
    offset = draw(st.integers(-2, 35))  # today, from the latest session's day
    return visits, saqs, sessions, batches, deletes, zones, offset


def _instant(n: int, hour: int) -> datetime:
    return datetime.combine(day(400 + n), time(hour), tzinfo=UTC)


def _write(patient_id, visits, saqs, sessions, batches, deletes, zone_change) -> list:
    """Every write as its own transaction's part; returns the sessions' instants."""
    stored = []
    items = (
        [("session", s) for s in sessions]
        + [("visit", v) for v in visits]
        + [("saq", s) for s in saqs]
    )
    size = max(1, -(-len(items) // batches))
    for start in range(0, len(items), size):
        for kind, value in items[start : start + size]:
            db.session.add(_row(patient_id, kind, value, stored))
        db.session.commit()
    rows = db.session.scalars(
        select(PracticeSession.id)
        .where(PracticeSession.patient_id == patient_id)
        .order_by(PracticeSession.id)
    ).all()
    for index in deletes:
        if index < len(rows):
            db.session.delete(db.session.get(PracticeSession, rows[index]))
    if visits and deletes:
        first = select(InjectionVisit).where(InjectionVisit.patient_id == patient_id).limit(1)
        db.session.delete(db.session.scalars(first).first())
    db.session.commit()
    zone_change()
    db.session.commit()
    return stored


def _row(patient_id, kind, value, stored):
    if kind == "session":
        at = _instant(*value)
        stored.append(at)
        return PracticeSession(
            patient_id=patient_id, performed_at=at, effort=3, synkinesis_rating=4, source="form"
        )
    if kind == "visit":
        return InjectionVisit(
            patient_id=patient_id, injected_on=value.on, product=value.product, kind=value.kind
        )
    on, score = value
    return QuestionnaireResponse(
        patient_id=patient_id, instrument="saq", answered_on=on, answers=[], score=score
    )


def _facts(row: PatientFigures) -> tuple:
    return (row.zone, row.session_count, row.last_session_at, row.recent_days, row.clinical)


@given(history=histories())
@property_settings(40)
def test_maintained_figures_equal_a_full_recomputation(app, history, monkeypatch):
    count_example("derived: maintained row")
    monkeypatch.setattr(derived, "TAIL_ROWS", 6)  # so the window's second read happens too
    visits, saqs, sessions, batches, deletes, (zone, later_zone), offset = history
    clinician = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[clinician], timezone=zone)

    def change_zone():
        patient.user.timezone = later_zone

    _write(patient.id, visits, saqs, sessions, batches, deletes, change_zone)
    maintained = _facts(db.session.get(PatientFigures, patient.id))
    today = day(400 + max((n for n, _ in sessions), default=0) + offset)
    from_row = caseload_rows(clinician, today)
    db.session.execute(delete(PatientFigures).where(PatientFigures.patient_id == patient.id))
    db.session.commit()
    db.session.expire_all()
    assert caseload_rows(clinician, today) == from_row  # no row: worked out from the records
    derived.refresh(patient.id)
    db.session.commit()
    assert _facts(db.session.get(PatientFigures, patient.id)) == maintained


# --- the incremental path: a commit that only adds sessions ------------------------------
#
# Random sequences of writes, each its own transaction: sessions added (in and out of
# order: late ones, ones older than the window, several at once), moved, deleted, added
# and deleted again before the commit, added and rolled back, the time zone changed
# (alone or with new sessions), the clinic's zone changed (no write: the rows of patients
# without their own zone are stale until the next write or `flask derived rebuild`, and
# an add must then recount). After every commit the stored practice figures equal
# those worked out from every stored session (progress.derived.practice_figures).

instants = st.tuples(st.integers(0, 90), st.integers(0, 23))
writes = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(instants, min_size=1, max_size=3)),
        st.tuples(st.just("move"), st.integers(0, 30), instants),
        st.tuples(st.just("delete"), st.integers(0, 30)),
        st.tuples(st.just("add, then delete it"), instants),
        st.tuples(st.just("add, rolled back"), instants),
        st.tuples(st.just("zone"), st.sampled_from(ZONES)),
        st.tuples(st.just("add and zone"), instants, st.sampled_from(ZONES)),
        st.tuples(st.just("clinic zone"), st.sampled_from(ZONES[:-1])),
    ),
    min_size=1,
    max_size=12,
)


def _session(patient_id: int, at: datetime) -> PracticeSession:
    return PracticeSession(
        patient_id=patient_id, performed_at=at, effort=3, synkinesis_rating=4, source="form"
    )


def _apply(patient, write) -> None:
    """One write, committed (or rolled back)."""
    kind, *args = write
    ids = db.session.scalars(
        select(PracticeSession.id)
        .where(PracticeSession.patient_id == patient.id)
        .order_by(PracticeSession.id)
    ).all()
    if kind == "add":
        db.session.add_all(_session(patient.id, _instant(*value)) for value in args[0])
    elif kind == "move" and ids:
        db.session.get(PracticeSession, ids[args[0] % len(ids)]).performed_at = _instant(*args[1])
    elif kind == "delete" and ids:
        db.session.delete(db.session.get(PracticeSession, ids[args[0] % len(ids)]))
    elif kind in ("add, then delete it", "add, rolled back"):
        added = _session(patient.id, _instant(*args[0]))
        db.session.add(added)
        db.session.flush()
        if kind == "add, rolled back":
            db.session.rollback()
            return
        db.session.delete(added)
    elif kind in ("zone", "add and zone"):
        patient.user.timezone = args[-1]
        if kind == "add and zone":
            db.session.add(_session(patient.id, _instant(*args[0])))
    db.session.commit()


def _practice(row: PatientFigures) -> tuple:
    return (row.zone, row.session_count, row.last_session_at, row.recent_days)


def _worked_out_afresh(patient) -> tuple:
    zone = zone_for(patient.user)
    times = db.session.scalars(
        select(PracticeSession.performed_at).where(PracticeSession.patient_id == patient.id)
    ).all()
    figures = practice_figures((at, at.astimezone(zone).date()) for at in times)
    days = {day.isoformat(): n for day, n in figures.recent_days.items()}
    return (zone.key, figures.session_count, figures.last_session_at, days)


FULL_PRACTICE_REFRESH = derived._refresh_practice  # the real one, spied on below


@given(zone=st.sampled_from(ZONES), sequence=writes)
@property_settings(60)
def test_figures_kept_through_adds_changes_and_deletes_equal_a_recount(
    app, zone, sequence, monkeypatch
):
    count_example("derived: incremental adds")
    monkeypatch.setattr(derived, "TAIL_ROWS", 6)
    monkeypatch.setitem(app.config, "TIMEZONE", Defaults.TIMEZONE)  # as each example starts
    full = []
    monkeypatch.setattr(derived, "_refresh_practice", _spy(FULL_PRACTICE_REFRESH, full))
    patient = factories.make_patient(timezone=zone)
    for write in sequence:
        if write[0] == "clinic zone":
            monkeypatch.setitem(app.config, "TIMEZONE", write[1])
            continue
        full.clear()
        before = _practice(db.session.get(PatientFigures, patient.id))
        _apply(patient, write)
        db.session.expire_all()
        kept, afresh = (
            _practice(db.session.get(PatientFigures, patient.id)),
            _worked_out_afresh(patient),
        )
        # A row taken in the clinic's former zone stays so until the patient's next
        # practice write (or `flask derived rebuild`); an add is such a write.
        if write[0] == "add" or kept[0] == afresh[0]:
            assert kept == afresh
        if write[0] == "add" and before[0] == afresh[0]:
            assert not full  # only adds, a row of the same zone: no recount
            event("incremental add" + (" (late)" if _late(before, write) else ""))
        elif write[0] == "add":
            event("add after the clinic's zone changed: recount")


def _spy(function, calls: list):
    def spied(*args):
        calls.append(args)
        return function(*args)

    return spied


def _late(before: tuple, write) -> bool:
    """Whether some session of the add is older than the latest stored one."""
    latest = before[2]
    return latest is not None and any(_instant(*value) < latest for value in write[1])
