"""Logging a session (usecases/practice.py): validation, idempotency, access; reading
sessions (practice_history.py), local times (local_time.py), the Today summary (today.py)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from retrain.errors import Invalid, NotFound
from retrain.extensions import db
from retrain.models import PracticeSession
from retrain.usecases import local_time, practice, practice_history
from retrain.usecases.practice import ItemInput
from retrain.usecases.today import view_today

from .practice_helpers import add_session, make_exercise, make_programme

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday


@pytest.fixture
def setup(factories):
    patient = factories.make_patient()
    exercise = make_exercise()
    programme = make_programme(patient.id, [exercise], reps=10, sets=3, starts_on=date(2026, 1, 1))
    return patient, exercise, programme


def log(patient, exercise, **changes):
    """The stored session (see logged() for whether it was new)."""
    return logged(patient, exercise, **changes).stored()


def logged(patient, exercise, **changes):
    values = {
        "performed_at": NOW - timedelta(hours=1),
        "effort": 3,
        "synkinesis_rating": 2,
        "note": None,
        "items": [ItemInput(exercise.id, 10)],
        "source": "api",
        "now": NOW,
    }
    values.update(changes)
    return practice.log_session(patient.user, patient.id, **values)


def count() -> int:
    return db.session.scalar(select(func.count(PracticeSession.id)))


def test_logs_a_session_with_items(setup):
    patient, exercise, programme = setup
    stored = log(patient, exercise, items=[{"exercise_id": exercise.id, "reps_done": 25}])
    assert stored.id is not None and stored.programme_id == programme.id
    assert stored.items[0].reps_done == 25
    assert stored.items[0].sets_done == 3  # 25 reps at 10 a set: 3 sets begun
    assert stored.logged_at == NOW


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"performed_at": NOW + timedelta(minutes=6)}, "performed_at"),
        ({"performed_at": NOW - timedelta(days=366)}, "performed_at"),
        ({"performed_at": datetime(2026, 3, 4, 11)}, "performed_at"),  # naive
        ({"effort": 0}, "effort"),
        ({"effort": 6}, "effort"),
        ({"effort": True}, "effort"),
        ({"effort": "3"}, "effort"),
        ({"effort": None}, "effort"),
        ({"synkinesis_rating": -1}, "synkinesis_rating"),
        ({"synkinesis_rating": 11}, "synkinesis_rating"),
        ({"note": "x" * 2001}, "note"),
        ({"source": "fax"}, "source"),
        ({"idempotency_key": "k" * 65}, "idempotency_key"),
        ({"items": [ItemInput(999_999, 1)]}, "items-0-exercise_id"),
        ({"items": [ItemInput(None, 1)]}, "items-0-exercise_id"),
        ({"items": "not a list"}, "items"),
        ({"items": [{"exercise_id": 1, "colour": "red"}]}, "items"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(setup, changes, field):
    patient, exercise, _ = setup
    with pytest.raises(Invalid) as raised:
        log(patient, exercise, **changes)
    assert raised.value.field == field
    assert count() == 0


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"reps_done": 1001}, "reps_done"),
        ({"reps_done": -1}, "reps_done"),
        ({"reps_done": None}, "reps_done"),
        ({"sets_done": 21}, "sets_done"),
        ({"sets_done": -1}, "sets_done"),
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 6}, "difficulty"),
    ],
)
def test_item_refusals(setup, item, field):
    patient, exercise, _ = setup
    values = {"exercise_id": exercise.id, "reps_done": 10, **item}
    with pytest.raises(Invalid) as raised:
        log(patient, exercise, items=[{"exercise_id": exercise.id, "reps_done": 5}, values])
    assert raised.value.field == f"items-1-{field}"
    assert count() == 0


def test_limits_that_are_allowed(setup):
    patient, exercise, _ = setup
    stored = log(
        patient,
        exercise,
        performed_at=NOW + timedelta(minutes=4),  # clock skew: stored as now
        effort=5,
        synkinesis_rating=0,
        note="y" * 2000,
        items=[ItemInput(exercise.id, 1000, sets_done=20, difficulty=5)],
    )
    assert stored.performed_at == NOW
    assert (stored.items[0].reps_done, stored.items[0].sets_done) == (1000, 20)


def test_skipped_item_stores_zero(setup):
    patient, exercise, _ = setup
    stored = log(patient, exercise, items=[ItemInput(exercise.id, 99, skipped=True)])
    item = stored.items[0]
    assert (item.reps_done, item.sets_done, item.skipped) == (0, 0, True)


def test_blank_note_is_stored_as_none(setup):
    patient, exercise, _ = setup
    assert log(patient, exercise, note="   ").note is None


def test_idempotency_key_returns_the_existing_session(setup):
    patient, exercise, _ = setup
    first = logged(patient, exercise, idempotency_key="phone-1")
    again = logged(patient, exercise, idempotency_key="phone-1", effort=5)
    assert first.created and not again.created
    assert again.id == first.id and again.stored().effort == 3
    assert count() == 1


def test_idempotency_key_is_per_patient(setup, factories):
    patient, exercise, _ = setup
    other = factories.make_patient()
    other_exercise = make_exercise("Other")
    make_programme(other.id, [other_exercise])
    log(patient, exercise, idempotency_key="same")
    log(other, other_exercise, idempotency_key="same")
    assert count() == 2


def test_concurrent_retry_caught_by_the_unique_constraint(setup, monkeypatch):
    """Two retries racing: the second insert fails on the constraint and returns the first."""
    patient, exercise, _ = setup
    first = log(patient, exercise, idempotency_key="race")
    real_existing = practice._existing
    calls = []

    def blind_first_look(patient_id, key):
        calls.append(key)
        return None if len(calls) == 1 else real_existing(patient_id, key)

    monkeypatch.setattr(practice, "_existing", blind_first_look)
    again = logged(patient, exercise, idempotency_key="race")
    assert again.id == first.id and not again.created
    assert len(calls) == 2 and count() == 1


def test_integrity_error_without_key_is_not_swallowed(setup, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    patient, exercise, _ = setup

    def failing_commit():
        raise IntegrityError("INSERT", {}, Exception("boom"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(IntegrityError):
        log(patient, exercise)


def test_sessions_for_newest_first_with_bounds(setup):
    patient, exercise, _ = setup
    for hours in (30, 5, 50):
        log(patient, exercise, performed_at=NOW - timedelta(hours=hours))
    sessions = practice_history.sessions_for(patient.id)
    assert [s.performed_at for s in sessions] == [
        NOW - timedelta(hours=5),
        NOW - timedelta(hours=30),
        NOW - timedelta(hours=50),
    ]
    assert sessions[0].items[0].exercise.name == "Gentle smile"
    assert len(practice_history.sessions_for(patient.id, limit=1)) == 1
    window = practice_history.sessions_for(
        patient.id, start=NOW - timedelta(hours=40), end=NOW - timedelta(hours=5)
    )
    assert [s.performed_at for s in window] == [NOW - timedelta(hours=30)]


def test_only_the_patient_logs_for_themself(setup, factories):
    patient, exercise, _ = setup
    values = {"performed_at": NOW, "effort": 3, "synkinesis_rating": 2, "note": None}
    values.update(items=[ItemInput(exercise.id, 10)], source="api", now=NOW)
    for someone in (factories.make_patient().user, factories.make_user("therapist")):
        with pytest.raises(NotFound):
            practice.log_session(someone, patient.id, **values)
    assert count() == 0


def test_performed_at_from_local():
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (summer time)
    assert local_time.performed_at_from_local(None, None, zone, now) == now
    assert local_time.performed_at_from_local(date(2026, 6, 30), time(18, 30), zone, now) == (
        datetime(2026, 6, 30, 17, 30, tzinfo=UTC)
    )
    assert local_time.performed_at_from_local(None, time(7, 0), zone, now) == datetime(
        2026, 7, 1, 6, 0, tzinfo=UTC
    )
    with pytest.raises(Invalid) as raised:
        local_time.performed_at_from_local(date(2026, 6, 30), None, zone, now)
    assert raised.value.field == "performed_time"


def test_sets_for():
    assert practice.sets_for(0, 10) == 0
    assert practice.sets_for(10, 10) == 1
    assert practice.sets_for(11, 10) == 2
    assert practice.sets_for(1000, 1) == 20


def test_today_summary(factories):
    user = factories.make_patient().user
    exercise = make_exercise()
    today = date(2026, 3, 4)  # Wednesday
    make_programme(user.id, [exercise], times_per_day=2, starts_on=date(2026, 1, 1))
    noon = datetime(2026, 3, 4, 12, tzinfo=UTC)  # London is on UTC in March
    for days_ago, sittings in ((0, 1), (1, 2), (2, 1)):  # Wednesday 1, Tuesday 2, Monday 1
        for n in range(sittings):
            add_session(user.id, noon - timedelta(days=days_ago, hours=n))
    summary = view_today(user, today)
    assert summary.times_per_day == 2 and summary.done_today == 1 and summary.due == 1
    assert summary.streak == 3
    # Monday 1 + Tuesday 2 + Wednesday 1 credited; prescribed 2 + 2 + the 1 met today.
    assert summary.week.credited == 4 and summary.week.prescribed == 5.0
    assert summary.week_percent == 80
    assert summary.last_session.session.performed_at == noon
    assert [item.exercise.name for item in summary.programme.items] == ["Gentle smile"]


def test_today_summary_without_programme(factories):
    user = factories.make_patient().user
    add_session(user.id, datetime(2026, 3, 4, 9, tzinfo=UTC))
    summary = view_today(user, date(2026, 3, 4))
    assert summary.programme is None and summary.due == 0
    assert summary.done_today == 1 and summary.streak == 1
    assert summary.week.adherence is None and summary.week_percent is None


def test_zone_for_falls_back_to_the_clinic(app, factories):
    user = factories.make_user("patient", timezone="Not/AZone")
    assert local_time.zone_for(user).key == app.config["TIMEZONE"]
    user.timezone = "Asia/Tokyo"
    assert local_time.zone_for(user).key == "Asia/Tokyo"


def test_every_problem_is_reported_together(setup):
    patient, exercise, _ = setup
    with pytest.raises(Invalid) as raised:
        log(
            patient,
            exercise,
            effort=9,
            synkinesis_rating=None,
            note="z" * 2001,
            items=[ItemInput(exercise.id, 5), ItemInput(exercise.id, 5000), ItemInput(-4, 1)],
        )
    fields = [error.field for error in raised.value.problems]
    assert fields == [
        "effort",
        "synkinesis_rating",
        "note",
        "items-1-reps_done",
        "items-2-exercise_id",
    ]
    assert raised.value.field == "effort"  # a plain Invalid handler sees the first
    assert count() == 0
