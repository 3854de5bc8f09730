"""The patient's Today from their stored recent days equals Today from every session day
(issue 17, part 3): done today, due, this week's window and the streak; and when the
stored days cannot tell (a streak that reaches their first day, a today before the latest
session's day) the page reads the sessions instead, so the figures are the same."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import event, given
from hypothesis import strategies as st

from retrain.progress import adherence
from retrain.progress.derived import WINDOW_DAYS, counts_for_today, recent_days

from .conftest import count_example, property_settings

D0 = date(2026, 3, 2)


def figures(counts, versions, today) -> tuple:
    return (
        counts.get(today, 0),
        adherence.due_today(counts, versions, today),
        adherence.streak(counts, today),
        adherence.week_to_date(counts, versions, today),
    )


# Runs of practised days with gaps, so streaks of every length (past the stored 28 days
# too) occur; sometimes two sessions on a day.
runs = st.lists(st.tuples(st.integers(1, 40), st.integers(1, 3), st.integers(1, 2)), max_size=6)


@given(
    runs=runs,
    offset=st.integers(-3, 10),
    starts=st.integers(0, 200),
    times=st.integers(1, 3),
    days_per_week=st.integers(1, 7),
)
@property_settings(400)
def test_todays_figures_from_the_stored_days_equal_those_of_every_day(
    runs, offset, starts, times, days_per_week
):
    count_example("today: from stored days")
    every_day, day = [], D0
    for length, gap, per_day in runs:
        every_day += [day + timedelta(days=n) for n in range(length) for _ in range(per_day)]
        day += timedelta(days=length + gap)
    today = max(every_day, default=D0) + timedelta(days=offset)
    versions = [adherence.Version(D0 + timedelta(days=starts), None, times, days_per_week)]
    stored = counts_for_today(recent_days(every_day), today)
    event("stored days answer" if stored is not None else "sessions read")
    if stored is not None:
        full = adherence.daily_counts(every_day)
        assert figures(stored, versions, today) == figures(full, versions, today)


def test_a_streak_as_long_as_the_stored_days_sends_the_page_to_the_sessions():
    count_example("today: from stored days", sweep=True)
    today = D0 + timedelta(days=60)
    every_day = [today - timedelta(days=n) for n in range(WINDOW_DAYS)]  # 28 days in a row
    assert counts_for_today(recent_days(every_day), today) is None
    shorter = every_day[:-1]  # 27 days: the 28th stored day has no session
    assert counts_for_today(recent_days(shorter), today) == adherence.daily_counts(shorter)
    assert adherence.streak(counts_for_today(recent_days(shorter), today), today) == 27


def test_a_today_before_the_latest_session_sends_the_page_to_the_sessions():
    count_example("today: from stored days", sweep=True)
    latest = D0 + timedelta(days=10)
    assert counts_for_today(recent_days([D0, latest]), latest - timedelta(days=1)) is None
    assert counts_for_today({}, D0) == {}
