"""usecases/caseload.py: the practice figures staff see, and its fixed query count.

The figures themselves, on hand-made values: tests/unit/test_caseload_presenter.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from retrain.errors import NotAllowed
from retrain.extensions import db
from retrain.presenters.caseload import CaseloadRow
from retrain.usecases import local_time, programme_reads
from retrain.usecases.caseload import caseload_rows, patient_figures

from .practice_helpers import add_session, make_exercise, make_programme

TODAY = date(2026, 3, 4)  # Wednesday; London is on UTC in early March


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def exercise(app):
    return make_exercise()


def test_figures_per_patient(factories, exercise):
    staff = factories.make_user("therapist")
    alice = factories.make_patient(care_team=[staff], name="alice Adams", email="a@example.org")
    bob = factories.make_patient(care_team=[staff], name="Bob Brown")
    carol = factories.make_patient(care_team=[staff], name="Carol Clark")
    dan = factories.make_patient(care_team=[staff], name="Dan Dune")
    stranger = factories.make_patient(name="Aaron Stranger")  # not on this care team

    # Alice: twice a day since February, one session on each of the last 28 days.
    make_programme(alice.id, [exercise], times_per_day=2, starts_on=date(2026, 2, 1))
    for days_ago in range(28):
        add_session(alice.id, noon(TODAY - timedelta(days=days_ago)))
    # Bob: once a day on 5 days a week since 20 February; last session 28 February.
    make_programme(
        bob.id, [exercise], times_per_day=1, days_per_week=5, starts_on=date(2026, 2, 20)
    )
    add_session(bob.id, noon(date(2026, 1, 10)))
    add_session(bob.id, noon(date(2026, 2, 28)))
    # Carol: no programme, one session yesterday.
    add_session(carol.id, noon(TODAY - timedelta(days=1)))
    # Dan: programme given today, nothing done yet.
    make_programme(dan.id, [exercise], starts_on=TODAY)
    add_session(stranger.id, noon(TODAY))

    rows = caseload_rows(staff, TODAY)
    assert [row.name for row in rows] == ["alice Adams", "Bob Brown", "Carol Clark", "Dan Dune"]
    by_id = {row.patient_id: row for row in rows}

    a = by_id[alice.id]
    assert a == CaseloadRow(
        patient_id=alice.id,
        name="alice Adams",
        email="a@example.org",
        affected_side="left",
        has_programme=True,
        last_session_at=noon(TODAY),
        sessions_7d=7,
        prescribed_7d=13.0,  # 6 days x 2 + the 1 met today
        sessions_28d=28,
        prescribed_28d=55.0,  # 27 days x 2 + 1
        adherence_28d=2800 / 55,
        no_session_3_days=False,
    )

    b = by_id[bob.id]
    assert b.has_programme and b.last_session_at == noon(date(2026, 2, 28))
    assert (b.sessions_7d, b.sessions_28d) == (1, 1)  # the January one is outside 28 days
    assert b.prescribed_7d == 30 / 7  # 6 days x 5/7, nothing yet today
    assert b.prescribed_28d == 60 / 7  # 20 Feb - 3 Mar: 12 days x 5/7
    assert b.adherence_28d == 35 / 3  # 1 of 60/7, in percent
    assert b.no_session_3_days is True

    c = by_id[carol.id]
    assert not c.has_programme and c.sessions_7d == 1
    assert c.prescribed_28d == 0.0 and c.adherence_28d is None
    assert c.no_session_3_days is False  # no programme: no flag

    d = by_id[dan.id]
    assert d.has_programme and d.last_session_at is None and d.sessions_28d == 0
    assert d.adherence_28d is None  # today is not over yet
    assert d.no_session_3_days is False  # programme given today: too early to flag

    # One patient's figures (their staff page), from their loaded versions, are the same
    # as their caseload row.
    for patient in (alice, bob, carol, dan):
        zone = local_time.zone_for(patient.user)
        versions = programme_reads.versions_of(programme_reads.programme_history(patient.id), zone)
        row = patient_figures(patient, versions, by_id[patient.id].last_session_at, TODAY)
        assert row == by_id[patient.id]


def test_flag_clears_with_a_session_two_days_ago(factories, exercise):
    staff = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[staff])
    make_programme(patient.id, [exercise], starts_on=date(2026, 1, 1))
    add_session(patient.id, noon(TODAY - timedelta(days=3)))
    assert caseload_rows(staff, TODAY)[0].no_session_3_days is True
    add_session(patient.id, noon(TODAY - timedelta(days=2)))
    assert caseload_rows(staff, TODAY)[0].no_session_3_days is False


def test_each_patient_uses_their_own_timezone(factories, exercise):
    staff = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[staff], timezone="Pacific/Auckland")
    make_programme(patient.id, [exercise], times_per_day=1, starts_on=date(2026, 1, 1))
    # 12:30 UTC on 3 March is 01:30 on 4 March in Auckland (UTC+13): today, not yesterday.
    add_session(patient.id, datetime(2026, 3, 3, 12, 30, tzinfo=UTC))
    row = caseload_rows(staff, TODAY)[0]
    assert row.sessions_7d == 1
    assert row.prescribed_7d == 7.0  # 6 days + today's 1, met
    assert row.adherence_28d == 100 * 1 / 28


def test_ended_programme_counts_until_its_end(factories, exercise):
    staff = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[staff])
    make_programme(
        patient.id,
        [exercise],
        times_per_day=1,
        starts_on=date(2026, 1, 1),
        ended_on=date(2026, 3, 1),
    )
    row = caseload_rows(staff, TODAY)[0]
    assert row.has_programme is False
    assert row.prescribed_7d == 4.0  # 26 Feb - 1 Mar
    assert row.no_session_3_days is False


def test_admin_and_patients_have_no_caseload(factories):
    admin = factories.make_user("admin")
    patient = factories.make_patient(care_team=[factories.make_user("therapist")])
    for someone in (admin, patient.user):
        with pytest.raises(NotAllowed):
            caseload_rows(someone, TODAY)


def test_empty_caseload(factories):
    assert caseload_rows(factories.make_user("therapist"), TODAY) == []


def test_default_today_is_each_patients_today(factories, exercise):
    staff = factories.make_user("therapist")
    factories.make_patient(care_team=[staff])
    rows = caseload_rows(staff)
    assert len(rows) == 1 and rows[0].sessions_28d == 0


def count_queries(function):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = function()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return result, statements


def caseload_of(factories, exercise, size: int):
    staff = factories.make_user("therapist")
    for n in range(size):
        patient = factories.make_patient(care_team=[staff], name=f"Patient {n:02d}")
        make_programme(patient.id, [exercise], starts_on=date(2026, 1, 1))
        for days_ago in range(n % 4):
            add_session(patient.id, noon(TODAY - timedelta(days=days_ago)))
    return staff


def test_query_count_does_not_grow_with_the_caseload(factories, exercise):
    small = caseload_of(factories, exercise, 2)
    large = caseload_of(factories, exercise, 20)
    db.session.commit()
    assert small.role == large.role == "therapist"  # loaded before counting
    small_rows, small_queries = count_queries(lambda: caseload_rows(small, TODAY))
    large_rows, large_queries = count_queries(lambda: caseload_rows(large, TODAY))
    assert len(small_rows) == 2 and len(large_rows) == 20
    assert len(large_queries) == len(small_queries)
    selects = [q for q in large_queries if q.lstrip().upper().startswith("SELECT")]
    # the patients, their programmes, their derived figures (issue 17), the reminder
    # settings (issue 14) and the unread messages (issue 16)
    assert len(selects) == 5
