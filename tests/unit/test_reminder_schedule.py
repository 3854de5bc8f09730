"""When reminders fall due (retrain/reminders/schedule.py), by hand-made settings with
known answers: time zones, both daylight-saving changes of Europe/London and
America/New_York in 2026, quiet hours, pauses, "already practised", lateness, backoff.

The 2026 changes: London 29 March 01:00 UTC (GMT -> BST) and 25 October 01:00 UTC
(BST -> GMT); New York 8 March 07:00 UTC (EST -> EDT) and 1 November 06:00 UTC
(EDT -> EST).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from retrain.reminders import schedule
from retrain.reminders.schedule import Due, Plan, planned, skip_reason

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(7))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def plan(zone, *times, weekdays=EVERY_DAY, **changes) -> Plan:
    return Plan(
        zone=zone, times=tuple(time.fromisoformat(t) for t in times), weekdays=weekdays, **changes
    )


def instants(p: Plan, after: datetime, until: datetime) -> list[datetime]:
    return [due.at for due in planned(p, after, until)]


def test_nine_in_london_is_nine_utc_in_winter_and_eight_in_summer():
    found = instants(plan(LONDON, "09:00"), utc(2026, 3, 28), utc(2026, 3, 31))
    assert found == [utc(2026, 3, 28, 9), utc(2026, 3, 29, 8), utc(2026, 3, 30, 8)]


def test_london_autumn_change_moves_the_reminder_back_an_hour():
    found = instants(plan(LONDON, "09:00"), utc(2026, 10, 24), utc(2026, 10, 27))
    assert found == [utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9)]


def test_a_time_the_spring_change_skips_falls_an_hour_later():
    # 01:30 does not exist in London on 29 March: it is sent at 02:30 BST (01:30 UTC).
    (due,) = planned(plan(LONDON, "01:30"), utc(2026, 3, 29), utc(2026, 3, 29, 23))
    assert due.at == utc(2026, 3, 29, 1, 30)
    assert due.at.astimezone(LONDON).time() == time(2, 30)
    assert due.day == date(2026, 3, 29)


def test_two_times_landing_on_one_instant_are_one_reminder():
    # 01:30 (skipped, so 02:30) and 02:30 are the same instant on the spring change day.
    found = planned(plan(LONDON, "01:30", "02:30"), utc(2026, 3, 29), utc(2026, 3, 29, 23))
    assert [(d.at, d.slot) for d in found] == [(utc(2026, 3, 29, 1, 30), 1)]


def test_a_time_the_autumn_change_repeats_is_sent_once_at_its_first_occurrence():
    found = instants(plan(LONDON, "01:30"), utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert found == [utc(2026, 10, 25, 0, 30)]  # 01:30 BST, not 01:30 GMT an hour later


def test_new_york_across_the_spring_change():
    found = instants(plan(NEW_YORK, "09:00"), utc(2026, 3, 7), utc(2026, 3, 10))
    assert found == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)]


def test_new_york_gap_and_repeat():
    (gap,) = planned(plan(NEW_YORK, "02:30"), utc(2026, 3, 8, 5), utc(2026, 3, 8, 20))
    assert gap.at == utc(2026, 3, 8, 7, 30)  # 03:30 EDT: the hour after the gap
    (repeat,) = planned(plan(NEW_YORK, "01:30"), utc(2026, 11, 1, 4), utc(2026, 11, 1, 20))
    assert repeat.at == utc(2026, 11, 1, 5, 30)  # the first 01:30 (EDT)


def test_new_york_autumn_change_keeps_the_local_time():
    found = instants(plan(NEW_YORK, "18:00"), utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
    assert found == [utc(2026, 10, 31, 22), utc(2026, 11, 1, 23)]


def test_the_window_is_open_at_its_start_and_closed_at_its_end():
    p = plan(LONDON, "09:00")
    assert instants(p, utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)) == []
    assert instants(p, utc(2026, 1, 5, 8), utc(2026, 1, 5, 9)) == [utc(2026, 1, 5, 9)]


def test_only_the_chosen_weekdays_and_slots_in_clock_order():
    p = plan(LONDON, "18:00", "09:00", weekdays=frozenset({0, 2}))  # Monday, Wednesday
    found = planned(p, utc(2026, 1, 5), utc(2026, 1, 12))  # Monday 5 to Monday 12 January
    assert [(d.day, d.slot, d.at.hour) for d in found] == [
        (date(2026, 1, 5), 1, 9),
        (date(2026, 1, 5), 2, 18),
        (date(2026, 1, 7), 1, 9),
        (date(2026, 1, 7), 2, 18),
    ]


def test_the_local_day_is_the_patients_not_utcs():
    # 23:30 in New York on Monday 5 January is 04:30 UTC on Tuesday.
    (due,) = planned(
        plan(NEW_YORK, "23:30", weekdays=frozenset({0})), utc(2026, 1, 5), utc(2026, 1, 7)
    )
    assert due.day == date(2026, 1, 5) and due.at == utc(2026, 1, 6, 4, 30)


@pytest.mark.parametrize(
    ("at", "quiet", "inside"),
    [
        ("22:00", ("22:00", "07:00"), True),  # from is inside
        ("07:00", ("22:00", "07:00"), False),  # until is not
        ("03:00", ("22:00", "07:00"), True),  # past midnight
        ("12:00", ("22:00", "07:00"), False),
        ("13:30", ("13:00", "14:00"), True),  # a range within a day
        ("14:00", ("13:00", "14:00"), False),
        ("12:59", ("13:00", "14:00"), False),
    ],
)
def test_quiet_hours(at, quiet, inside):
    quiet_times = tuple(time.fromisoformat(t) for t in quiet)
    assert schedule.in_quiet_hours(time.fromisoformat(at), quiet_times) is inside
    assert schedule.in_quiet_hours(time.fromisoformat(at), None) is False


DUE = Due(utc(2026, 1, 6, 9), date(2026, 1, 6), slot=2)  # Tuesday 09:00 in London (GMT)


def test_sent_when_nothing_stands_in_the_way():
    assert skip_reason(plan(LONDON, "08:00", "09:00"), DUE, 1, DUE.at) is None


def test_a_pause_covers_the_days_before_it_ends():
    assert (
        skip_reason(plan(LONDON, "09:00", resume_on=date(2026, 1, 7)), DUE, 0, DUE.at) == "paused"
    )
    assert skip_reason(plan(LONDON, "09:00", resume_on=date(2026, 1, 6)), DUE, 0, DUE.at) is None


def test_the_kth_reminder_of_a_day_waits_for_fewer_than_k_sessions():
    p = plan(LONDON, "08:00", "09:00")
    assert skip_reason(p, DUE, 2, DUE.at) == "practised"
    assert skip_reason(p, DUE, 3, DUE.at) == "practised"
    assert skip_reason(p, DUE, 1, DUE.at) is None  # the first session of the day is done


def test_quiet_hours_at_the_planned_time_or_at_a_retry():
    quiet = (time(8, 30), time(9, 30))
    assert skip_reason(plan(LONDON, "09:00", quiet=quiet), DUE, 0, DUE.at) == "quiet"
    evening = (time(9, 20), time(22, 0))
    p = plan(LONDON, "09:00", quiet=evening)
    assert skip_reason(p, DUE, 0, DUE.at) is None
    assert skip_reason(p, DUE, 0, DUE.at + timedelta(minutes=25)) == "quiet"


def test_too_late_after_an_hour():
    p = plan(LONDON, "09:00")
    assert skip_reason(p, DUE, 0, DUE.at + schedule.MAX_LATENESS) is None
    assert skip_reason(p, DUE, 0, DUE.at + schedule.MAX_LATENESS + timedelta(seconds=1)) == "late"


def test_backoff_doubles_up_to_sixteen_minutes():
    assert [schedule.retry_delay(n).seconds // 60 for n in range(1, 8)] == [1, 2, 4, 8, 16, 16, 16]


def test_defaults_from_the_programme():
    assert schedule.default_times(2) == (time(9), time(18))
    assert schedule.default_times(9) == schedule.default_times(6)  # more than 6: 6
    assert schedule.default_weekdays(5) == frozenset({0, 1, 2, 3, 4})
    assert schedule.default_weekdays(7) == EVERY_DAY
    assert all(len(schedule.default_times(n)) == n for n in range(1, 7))
    assert all(len(schedule.default_weekdays(n)) == n for n in range(1, 8))
