"""presenters/practice.py on hand-made values: Today, the history page, the player's data."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from retrain.models import Exercise, PracticeItem, PracticeSession, Programme, ProgrammeItem
from retrain.presenters import practice
from retrain.progress.adherence import Version

WEDNESDAY = date(2026, 3, 4)
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9, no summer time


def programme(times_per_day: int = 2, days_per_week: int = 7) -> Programme:
    smile = Exercise(id=7, name="Gentle smile", instructions="Sit.\nSmile.", hold_back="Eyes")
    item = ProgrammeItem(
        exercise_id=7,
        exercise=smile,
        reps=10,
        sets=2,
        hold_seconds=5,
        rest_seconds=3,
        times_per_day=times_per_day,
        days_per_week=days_per_week,
        note=None,
    )
    return Programme(id=3, items=[item])


def session(at: datetime, items=()) -> PracticeSession:
    return PracticeSession(performed_at=at, effort=2, synkinesis_rating=3, items=list(items))


def today(**changes):
    values = {
        "full_name": "Ada Lovelace",
        "now": datetime(2026, 3, 4, 9, 30, tzinfo=TOKYO),
        "today": WEDNESDAY,
        "programme": programme(),
        # Monday 2, Tuesday 1, Wednesday (today) 1.
        "counts": {date(2026, 3, 2): 2, date(2026, 3, 3): 1, WEDNESDAY: 1},
        "versions": [Version(date(2026, 1, 1), None, 2, 7)],
        "last_session": None,
        "saq": "owed",
    }
    return practice.today_summary(**{**values, **changes})


def test_today_counts_what_is_due_the_streak_and_the_week():
    summary = today()
    assert (summary.name, summary.greeting, summary.saq) == ("Ada", "Good morning", "owed")
    assert (summary.times_per_day, summary.days_per_week) == (2, 7)
    assert (summary.done_today, summary.due, summary.streak) == (1, 1, 3)
    # Credited: Monday 2 + Tuesday 1 + today 1; prescribed: 2 + 2 + the 1 met today.
    assert (summary.week.credited, summary.week.prescribed) == (4, 5.0)
    assert summary.week_percent == 80


def test_today_without_a_programme_has_nothing_due_and_no_figure():
    summary = today(programme=None, versions=[], counts={WEDNESDAY: 1})
    assert (summary.times_per_day, summary.days_per_week, summary.due) == (0, 0, 0)
    assert summary.done_today == 1 and summary.streak == 1
    assert summary.week.adherence is None and summary.week_percent is None


def test_the_last_session_is_shown_in_the_patients_time():
    last = session(datetime(2026, 3, 3, 23, 15, tzinfo=UTC))
    summary = today(last_session=last)
    assert summary.last_session.session is last
    assert summary.last_session.local_time == datetime(2026, 3, 4, 8, 15, tzinfo=TOKYO)
    assert summary.last_session.when == "Wednesday 4 March 2026 at 08:15"


def test_a_one_word_or_empty_name_still_greets():
    assert today(full_name="Cher").name == "Cher"
    assert today(full_name="").name == ""


@pytest.mark.parametrize(
    ("hour", "words"),
    [(4, "Good evening"), (5, "Good morning"), (11, "Good morning"), (12, "Good afternoon")]
    + [(17, "Good afternoon"), (18, "Good evening"), (23, "Good evening")],
)
def test_greeting_by_the_hour(hour, words):
    assert practice.greeting(hour) == words


def test_history_page_shows_local_times_and_splits_done_from_skipped():
    done = PracticeItem(exercise_id=7, reps_done=10, sets_done=1, skipped=False)
    skipped = PracticeItem(exercise_id=8, reps_done=0, sets_done=0, skipped=True)
    newest = session(datetime(2026, 3, 4, 1, 0, tzinfo=UTC), [done, skipped])
    older = session(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    week = date(2026, 3, 2)
    page = practice.history_page(
        [newest, older],
        TOKYO,
        week_start=week,
        this_week=date(2026, 3, 16),
        first_week=date(2026, 2, 23),
        total=62,
    )
    assert [e.local_time.hour for e in page.entries] == [10, 10]
    assert page.entries[0].done_items == [done] and page.entries[0].skipped_items == [skipped]
    assert (page.older_week, page.newer_week) == (date(2026, 2, 23), date(2026, 3, 9))
    assert page.week_end == date(2026, 3, 8)
    first = practice.history_page(
        [], TOKYO, week_start=week, this_week=week, first_week=week, total=0
    )
    assert (first.older_week, first.newer_week, first.entries) == (None, None, [])


def test_week_summary_counts_local_days_and_averages():
    # 23:30 UTC on 2 March is 08:30 on 3 March in Tokyo: the same local day as the next.
    sessions = [
        session(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),
        session(datetime(2026, 3, 3, 1, 0, tzinfo=UTC)),
        session(datetime(2026, 3, 5, 1, 0, tzinfo=UTC)),
    ]
    for s, effort, rating in zip(sessions, (1, 2, 4), (3, 4, 4), strict=True):
        s.effort, s.synkinesis_rating = effort, rating
    summary = practice.week_summary(sessions, TOKYO)
    assert summary == practice.WeekSummary(3, 2, 2.3, 3.7)
    assert practice.week_summary([], TOKYO) == practice.WeekSummary(0, 0, None, None)


def test_monday_of_any_day():
    assert practice.monday_of(date(2026, 3, 8)) == date(2026, 3, 2)  # a Sunday
    assert practice.monday_of(date(2026, 3, 2)) == date(2026, 3, 2)


def test_player_data_lists_each_exercise_with_its_dose_and_steps():
    data = practice.player_data(programme())
    assert data == {
        "programme_id": 3,
        "affected_side": None,  # the programme's patient is not loaded here
        "exercises": [
            {
                "index": 0,
                "exercise_id": 7,
                "name": "Gentle smile",
                "steps": ["Sit.", "Smile."],
                "hold_back": "Eyes",
                "reps": 10,
                "sets": 2,
                "hold_seconds": 5,
                "rest_seconds": 3,
                "note": "",
                "live": None,  # no live rule: not measured
                "eyes_closed": False,
            }
        ],
    }


def test_session_view_keeps_the_session_and_moves_the_time():
    at = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    view = practice.session_view(session(at), TOKYO)
    assert view.local_time == at and view.local_time.tzinfo is TOKYO
    assert (view.local_time.day, view.local_time.hour) == (5, 0)  # past midnight in Tokyo
