"""Adherence definitions (retrain/progress/adherence.py) on hand-made data with exact answers.

Calendar used throughout: Monday 2 March 2026 starts ISO week 10; Sunday 8 March ends
it; Monday 9 March starts week 11.
"""

from datetime import date

import pytest

from retrain.progress.adherence import (
    Version,
    adherence,
    credited,
    daily_counts,
    due_today,
    last_days,
    prescribed,
    streak,
    to_date,
    version_on,
    week_start,
    week_to_date,
)

MON = date(2026, 3, 2)
TUE = date(2026, 3, 3)
WED = date(2026, 3, 4)
THU = date(2026, 3, 5)
FRI = date(2026, 3, 6)
SAT = date(2026, 3, 7)
SUN = date(2026, 3, 8)
NEXT_MON = date(2026, 3, 9)

TWICE_DAILY = [(date(2026, 1, 1), None, 2, 7)]  # 14 a week, 2 a day


def days(*pairs):
    """counts from (day, sessions) pairs."""
    return dict(pairs)


# --- daily counts -------------------------------------------------------------------


def test_daily_counts_groups_sessions_per_day():
    assert daily_counts([MON, MON, TUE, MON, THU]) == {MON: 3, TUE: 1, THU: 1}


def test_daily_counts_empty():
    assert daily_counts([]) == {}


# --- versions -----------------------------------------------------------------------


def test_version_on_each_day_uses_its_own_version():
    versions = [(MON, WED, 1, 7), (WED, None, 3, 7)]
    assert version_on(versions, date(2026, 3, 1)) is None  # before the first programme
    assert version_on(versions, TUE).times_per_day == 1
    # Wednesday is the old one's end and the new one's start: the newer one wins.
    assert version_on(versions, WED).times_per_day == 3
    assert version_on(versions, SUN).times_per_day == 3


def test_version_on_same_start_later_in_list_wins():
    versions = [Version(MON, MON, 1, 7), Version(MON, None, 2, 7)]
    assert version_on(versions, MON).times_per_day == 2


def test_stopped_programme_prescribes_nothing_after_its_end():
    versions = [(MON, TUE, 2, 7)]
    assert prescribed(versions, MON, SUN) == 4.0
    assert due_today({}, versions, WED) == 0


# --- due today ----------------------------------------------------------------------


def test_due_today_counts_down_and_never_goes_below_zero():
    assert due_today({}, TWICE_DAILY, MON) == 2
    assert due_today({MON: 1}, TWICE_DAILY, MON) == 1
    assert due_today({MON: 2}, TWICE_DAILY, MON) == 0
    assert due_today({MON: 5}, TWICE_DAILY, MON) == 0


def test_due_today_without_programme_is_zero():
    assert due_today({MON: 1}, [], MON) == 0


# --- streak -------------------------------------------------------------------------


def test_streak_counts_today_when_practised():
    assert streak(days((SAT, 1), (SUN, 2), (NEXT_MON, 1)), NEXT_MON) == 3


def test_streak_with_today_empty_counts_up_to_yesterday():
    assert streak(days((SAT, 1), (SUN, 1)), NEXT_MON) == 2


def test_streak_broken_by_a_day_without_session():
    counts = days((MON, 1), (TUE, 1), (THU, 1), (FRI, 3))  # Wednesday missed
    assert streak(counts, FRI) == 2
    assert streak(counts, SAT) == 2  # Saturday not over yet
    assert streak(counts, SUN) == 0  # Saturday missed


def test_streak_zero_without_sessions():
    assert streak({}, MON) == 0


def test_streak_ignores_days_with_zero_count():
    assert streak(days((SUN, 0), (NEXT_MON, 1)), NEXT_MON) == 1


# --- prescribed ---------------------------------------------------------------------


def test_prescribed_daily_programme_is_times_per_day_each_day():
    assert prescribed(TWICE_DAILY, MON, SUN) == 14.0
    assert prescribed(TWICE_DAILY, MON, WED) == 6.0


def test_prescribed_five_days_a_week_is_prorated():
    versions = [(date(2026, 1, 1), None, 1, 5)]
    assert prescribed(versions, MON, SUN) == 5.0  # 1 x 5 a week
    assert prescribed(versions, MON, WED) == 15 / 7  # 3 days of 5/7
    assert prescribed(versions, MON, date(2026, 3, 15)) == 10.0  # two weeks


def test_prescribed_days_before_first_programme_count_nothing():
    versions = [(THU, None, 2, 7)]
    assert prescribed(versions, MON, SUN) == 8.0  # Thursday to Sunday only


def test_prescribed_programme_changed_mid_week():
    # 1 a day Monday-Tuesday, then 3 a day from Wednesday (old ended Wednesday).
    versions = [(date(2026, 2, 1), WED, 1, 7), (WED, None, 3, 7)]
    assert prescribed(versions, MON, SUN) == 2 * 1 + 5 * 3


def test_prescribed_without_programme_is_zero():
    assert prescribed([], MON, SUN) == 0.0


def test_prescribed_empty_period():
    assert prescribed(TWICE_DAILY, TUE, MON) == 0.0


# --- adherence over whole days ------------------------------------------------------


def test_adherence_exact_fraction():
    counts = days((MON, 2), (TUE, 1), (WED, 0), (THU, 2))
    # credited 5 of 8 prescribed (Monday-Thursday, 2 a day)
    assert adherence(counts, TWICE_DAILY, MON, THU) == 62.5


def test_several_sessions_a_day_count_up_to_the_target():
    counts = days((MON, 5), (TUE, 0))
    assert credited(counts, TWICE_DAILY, MON, TUE) == 2
    assert (
        adherence(counts, TWICE_DAILY, MON, TUE) == 50.0
    )  # extra Monday sittings do not fill Tuesday


def test_adherence_never_above_100():
    counts = dict.fromkeys((MON, TUE, WED, THU, FRI, SAT, SUN), 1)
    versions = [(date(2026, 1, 1), None, 1, 5)]  # 5 prescribed, 7 credited
    assert credited(counts, versions, MON, SUN) == 7
    assert adherence(counts, versions, MON, SUN) == 100.0


def test_adherence_programme_changed_mid_week_uses_each_days_version():
    versions = [(date(2026, 2, 1), WED, 1, 7), (WED, None, 3, 7)]
    counts = days((MON, 3), (TUE, 1), (WED, 3), (THU, 2))
    # Monday credits 1 (old target 1), Tuesday 1, Wednesday 3, Thursday 2: 7 of 1+1+3+3 = 8.
    assert credited(counts, versions, MON, THU) == 7
    assert adherence(counts, versions, MON, THU) == 87.5


def test_adherence_sessions_before_first_programme_count_nothing():
    versions = [(WED, None, 1, 7)]
    counts = days((MON, 1), (TUE, 1), (WED, 1), (THU, 0))
    assert adherence(counts, versions, MON, THU) == 50.0  # 1 of 2 (Wed, Thu)


def test_adherence_without_programme_is_none():
    assert adherence(days((MON, 2)), [], MON, SUN) is None


def test_adherence_with_gaps():
    counts = days((MON, 2), (WED, 2), (FRI, 2), (SUN, 2))
    assert adherence(counts, TWICE_DAILY, MON, SUN) == 400 / 7  # 8 of 14, exactly


# --- periods to date ----------------------------------------------------------------


def test_week_start_sunday_to_monday_boundary():
    assert week_start(SUN) == MON
    assert week_start(NEXT_MON) == NEXT_MON
    assert week_start(WED) == MON


def test_week_to_date_today_not_missed_before_it_is_over():
    counts = days((MON, 2), (TUE, 1))
    window = week_to_date(counts, TWICE_DAILY, WED)  # nothing yet on Wednesday
    assert (window.start, window.end) == (MON, WED)
    assert window.prescribed == 4.0  # Monday and Tuesday only
    assert window.credited == 3
    assert window.adherence == 75.0


def test_week_to_date_today_counts_as_far_as_met():
    counts = days((MON, 2), (TUE, 1), (WED, 1))
    window = week_to_date(counts, TWICE_DAILY, WED)
    assert window.prescribed == 5.0  # 2 + 2 + the 1 done today
    assert window.credited == 4
    assert window.adherence == 80.0


def test_week_to_date_today_share_never_exceeds_the_day_share():
    versions = [(date(2026, 1, 1), None, 1, 5)]  # 5/7 a day
    window = week_to_date(days((MON, 1)), versions, MON)
    assert window.prescribed == 5 / 7
    assert window.adherence == 100.0


def test_week_resets_on_monday():
    counts = dict.fromkeys((MON, TUE, WED, THU, FRI, SAT, SUN), 2)
    sunday = week_to_date(counts, TWICE_DAILY, SUN)
    assert sunday.prescribed == 14.0 and sunday.adherence == 100.0
    monday = week_to_date(counts, TWICE_DAILY, NEXT_MON)  # new week, nothing done yet
    assert monday.start == NEXT_MON
    assert monday.sessions == 0 and monday.prescribed == 0.0
    assert monday.adherence is None


def test_week_to_date_sunday_session_not_in_next_week():
    counts = days((SUN, 1), (NEXT_MON, 1))
    window = week_to_date(counts, TWICE_DAILY, NEXT_MON)
    assert window.sessions == 1 and window.credited == 1
    assert window.adherence == 100.0  # 1 of the 1 met so far today


def test_to_date_counts_every_session_but_credits_up_to_target():
    counts = days((MON, 4), (TUE, 1))
    window = to_date(counts, TWICE_DAILY, MON, TUE)
    assert window.sessions == 5
    assert window.credited == 3
    assert window.prescribed == 3.0  # Monday 2 + Tuesday's 1 met so far
    assert window.adherence == 100.0


def test_last_days_window_includes_today():
    counts = days((date(2026, 2, 24), 2), (MON, 1))  # Tuesday 24 Feb is outside 7 days
    window = last_days(counts, TWICE_DAILY, SUN, 7)
    assert (window.start, window.end) == (MON, SUN)
    assert window.sessions == 1
    assert window.prescribed == 12.0  # Monday-Saturday; Sunday not done yet


def test_last_days_without_programme():
    window = last_days(days((SUN, 1)), [], SUN, 28)
    assert window.sessions == 1 and window.credited == 0
    assert window.prescribed == 0.0 and window.adherence is None


@pytest.mark.parametrize(
    ("done_today", "expected"),
    [(0, None), (1, 100.0), (3, 100.0)],
)
def test_first_day_of_programme(done_today, expected):
    versions = [(MON, None, 2, 7)]
    window = week_to_date(days((MON, done_today)), versions, MON)
    assert window.adherence == expected
