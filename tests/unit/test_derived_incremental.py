"""Adding sessions to stored practice figures (progress.derived.PracticeFigures.with_added)
gives exactly the figures of every session worked out afresh (practice_figures): the
incremental path of usecases/derived.py on a save. Hand-made sessions, each an instant
and its local day (UTC here, so the day is the instant's date)."""

from datetime import UTC, date, datetime, timedelta, timezone

from retrain.progress.derived import WINDOW_DAYS, PracticeFigures, practice_figures

D0 = date(2026, 3, 1)


def session(day_number: int, hour: int = 9) -> tuple[datetime, date]:
    at = datetime(2026, 3, 1, hour, tzinfo=UTC) + timedelta(days=day_number)
    return at, at.date()


def test_a_first_session_starts_the_figures():
    figures = PracticeFigures().with_added([session(0)])
    assert figures == PracticeFigures(1, session(0)[0], {D0: 1})


def test_a_newer_session_counts_and_moves_the_window_trimming_the_oldest_days():
    stored = practice_figures([session(0), session(0, 18), session(5), session(20)])
    figures = stored.with_added([session(30)])
    assert figures.session_count == 5
    assert figures.last_session_at == session(30)[0]
    # The window now starts on day 30 - 27 = 3: day 0's two sessions leave it.
    assert figures.recent_days == {
        D0 + timedelta(days=5): 1,
        D0 + timedelta(days=20): 1,
        D0 + timedelta(days=30): 1,
    }


def test_a_late_session_older_than_the_latest_joins_its_day_without_moving_the_latest():
    stored = practice_figures([session(10), session(12, 20)])
    figures = stored.with_added([session(11, 7), session(12, 6)])  # sent late, offline
    assert figures == PracticeFigures(
        4,
        session(12, 20)[0],
        {D0 + timedelta(days=10): 1, D0 + timedelta(days=11): 1, D0 + timedelta(days=12): 2},
    )


def test_a_session_older_than_the_window_is_counted_but_not_listed():
    stored = practice_figures([session(40)])
    oldest_listed = 40 - (WINDOW_DAYS - 1)
    figures = stored.with_added([session(oldest_listed - 1), session(oldest_listed)])
    assert figures.session_count == 3 and figures.last_session_at == session(40)[0]
    assert figures.recent_days == {D0 + timedelta(days=oldest_listed): 1, D0 + timedelta(40): 1}


def test_adding_in_any_order_gives_the_figures_of_all_the_sessions():
    everything = [session(n, n % 24) for n in (3, 70, 1, 45, 45, 69, 100, 2, 74)]
    for split in range(len(everything) + 1):
        stored = practice_figures(everything[:split])
        assert stored.with_added(everything[split:]) == practice_figures(everything)
        added_one_by_one = stored
        for one in reversed(everything[split:]):
            added_one_by_one = added_one_by_one.with_added([one])
        assert added_one_by_one == practice_figures(everything)


def test_nothing_added_changes_nothing():
    stored = practice_figures([session(4)])
    assert stored.with_added([]) is stored


def test_the_latest_is_kept_in_utc_whatever_offset_the_session_came_with():
    plus_two = timezone(timedelta(hours=2))
    at = datetime(2026, 3, 2, 1, 30, tzinfo=plus_two)  # 1 March, 23:30 UTC
    figures = PracticeFigures().with_added([(at, at.date())])
    assert figures.last_session_at == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert figures.last_session_at.tzinfo is UTC
