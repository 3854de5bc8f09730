"""Paths changed for speed (docs/performance.md) give the same answers as before.

Today reads the patient's derived row, and the sessions (only the last TODAY_WINDOW_DAYS
unless the streak is that long) only when the row cannot answer; a save writes its
exercise rows in one statement.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from retrain.extensions import db
from retrain.models import PracticeSession
from retrain.usecases import practice, today

from .practice_helpers import make_exercise, make_programme

TODAY = date(2026, 3, 4)  # a Wednesday; London is on UTC in March


def sessions_on(patient_id: int, days_ago: list[int]) -> None:
    db.session.add_all(
        PracticeSession(
            patient_id=patient_id,
            performed_at=datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
            - timedelta(days=n),
            effort=3,
            synkinesis_rating=4,
            source="form",
        )
        for n in days_ago
    )
    db.session.commit()


def patient_with(factories, days_ago: list[int]):
    user = factories.make_patient().user
    make_programme(user.id, [make_exercise()], times_per_day=1, starts_on=date(2020, 1, 1))
    sessions_on(user.id, days_ago)
    return user


def selects_of(function, seen=None):
    seen = [] if seen is None else seen

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        return function(), len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_streak_longer_than_the_window_is_counted_in_full(factories):
    window = today.TODAY_WINDOW_DAYS
    user = patient_with(factories, list(range(window + 50)))
    summary = today.view_today(user, TODAY)
    assert summary.streak == window + 50
    assert summary.done_today == 1 and summary.week.credited == 3  # Monday to Wednesday


def test_a_streak_that_ends_just_inside_the_window_is_exact(factories):
    window = today.TODAY_WINDOW_DAYS
    # Every day but one, window - 1 days ago: the streak is the days after that gap.
    user = patient_with(factories, [n for n in range(window + 30) if n != window - 1])
    assert today.view_today(user, TODAY).streak == window - 1


def test_today_reads_the_stored_row_unless_the_streak_reaches_past_its_days(factories):
    """28 stored local days: a streak of 27 is answered from them, one of 28 may go on
    before them, so the page reads the sessions (and finds 40)."""
    reads_sessions = "SELECT practice_sessions.performed_at \nFROM practice_sessions"
    short = patient_with(factories, [*range(27), 28, 29])
    long = patient_with(factories, list(range(40)))
    for user, streak, reads in ((short, 27, False), (long, 40, True)):
        db.session.expire_all()
        statements = []
        summary, _ = selects_of(lambda user=user: today.view_today(user, TODAY), statements)
        assert summary.streak == streak and summary.done_today == 1
        assert any(reads_sessions in statement for statement in statements) is reads


def test_years_of_history_cost_no_more_queries_than_a_short_one(factories):
    short = patient_with(factories, [0, 1, 3])
    long = patient_with(factories, [n for n in range(5 * 365) if n % 40 != 2])
    db.session.expire_all()
    (short_summary, short_selects) = selects_of(lambda: today.view_today(short, TODAY))
    db.session.expire_all()
    (long_summary, long_selects) = selects_of(lambda: today.view_today(long, TODAY))
    assert short_summary.streak == 2 and long_summary.streak == 2
    assert short_selects == long_selects


def test_saving_a_session_writes_its_items_in_one_statement(factories):
    """A save costs the same statements for 1 exercise or 10."""
    user = factories.make_patient().user
    exercises = [make_exercise(f"Exercise {n}") for n in range(3)]
    make_programme(user.id, exercises, times_per_day=1)
    items = [
        practice.ItemInput(exercises[0].id, 10, difficulty=3),
        practice.ItemInput(exercises[1].id, 7),
        practice.ItemInput(exercises[2].id, None, skipped=True),
    ]
    inserts = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO PRACTICE_ITEMS"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        logged = practice.log_session(
            user,
            user.id,
            performed_at=datetime.now(UTC) - timedelta(hours=1),
            effort=2,
            synkinesis_rating=3,
            note=None,
            items=items,
            source="form",
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(inserts) == 1
    stored = [(i.exercise_id, i.reps_done, i.difficulty, i.skipped) for i in logged.stored().items]
    assert stored == [
        (exercises[0].id, 10, 3, False),
        (exercises[1].id, 7, None, False),
        (exercises[2].id, 0, None, True),
    ]


# --- SQL statements per page: at most 10, the same for a new patient and five years ----------

PAGE_BUDGET = 10  # docs/performance.md
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def queries_of(send) -> tuple[object, list[str]]:
    """The response of ``send()`` and the SQL it ran, transaction control left out (SQLite
    opens with BEGIN IMMEDIATE, PostgreSQL implicitly: the counts compare across both)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        return send(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_pages_stay_within_ten_queries_whatever_the_record(app, factories):
    from benchmarks.review_data import add_history
    from retrain.usecases.local_time import patient_today

    from ..conftest import csrf_from, login

    therapist = factories.make_user("therapist")
    clinician = factories.make_user("clinician")
    new = factories.make_patient(care_team=[therapist, clinician])
    veteran = factories.make_patient(care_team=[therapist, clinician])
    exercise = make_exercise()
    make_programme(new.id, [exercise], times_per_day=1)
    size = add_history(veteran.id, staff_id=clinician.id, today=patient_today(veteran.id), years=5)
    assert size.sessions > 1700 and size.visits == 18

    def statements(user, url, method="GET"):
        """The statements of one request to ``url`` as ``user``, after a warming one."""
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        page = client.get(url)  # warm: the login touch, caches; the form's token
        if method == "POST":
            form = {"csrf_token": csrf_from(page.get_data(True)), "effort": "3"}
            form["synkinesis_rating"] = "4"
            response, seen = queries_of(lambda: client.post(url, data=form))
            assert response.status_code == 302, url
        else:
            response, seen = queries_of(lambda: client.get(url))
            assert response.status_code == 200, url
        return seen

    pages = {
        "caseload": [statements(therapist, "/therapist/")] * 2,
        "clinician caseload": [statements(clinician, "/clinician/")] * 2,
    }
    for patient in (new, veteran):
        for name, user, url, method in (
            ("review", clinician, f"/patients/{patient.id}/review", "GET"),
            ("patient page", therapist, f"/patients/{patient.id}", "GET"),
            ("Today", patient.user, "/today", "GET"),
            ("save", patient.user, "/session/new", "POST"),
        ):
            pages.setdefault(name, []).append(statements(user, url, method))
    for name, (first, second) in pages.items():
        assert len(first) == len(second), (name, first, second)
        assert len(second) <= PAGE_BUDGET, (name, [" ".join(s.split())[:100] for s in second])
