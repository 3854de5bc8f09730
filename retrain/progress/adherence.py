"""Adherence: how much of the prescribed practice a patient has done.

Pure Python: plain dates and ints in, plain values and frozen dataclasses out. The
caller turns each session's UTC time into the patient's *local* date first (their own
timezone, else the clinic's), so every "day" below is a local calendar day.

Definitions (each one has a unit test in tests/unit/test_adherence.py):

Sessions per day
    ``daily_counts(dates)``: how many sessions were logged on each local day.

Programme version in force on a day
    A version is ``(starts_on, ended_on, times_per_day, days_per_week)``; it covers
    the days ``starts_on <= day <= ended_on`` (``ended_on`` None: still open). When
    two versions cover the same day (a programme replaced in the middle of a day,
    where the old version's ``ended_on`` is the new one's ``starts_on``) the one that
    starts later wins, and on equal starts the later one in the list (pass versions
    in version order). Days covered by no version (before the first programme, or
    after a programme was stopped) prescribe nothing and credit nothing.

Day target and due today
    A day's target is ``times_per_day`` of the version in force that day.
    "Due today" = today's target minus the sessions done today, never below 0.

Prescribed
    A version prescribes ``times_per_day x days_per_week`` sessions a week, spread
    evenly over the week: ``times_per_day x days_per_week / 7`` per day. The sessions
    prescribed for a period are the sum of that share over its days, each day using
    its own version. So 2 a day, 7 days a week is 14 a week and 2 a day; once a day on
    5 days a week is 5 a week and 5/7 a day, i.e. the weekly total prorated by days
    elapsed. Computed exactly, in whole sevenths of a session, returned as float.

Credited sessions and adherence
    On each day the sessions done count up to that day's target only
    (``min(sessions, times_per_day)``), so extra sittings on one day never make up for
    a missed day, and days with no programme credit nothing. Adherence for a period is
    ``credited / prescribed x 100`` in percent, capped at 100 (a patient on 5 days a
    week who practises on all 7 is at 100 %, not 140 %). None when nothing was
    prescribed in the period (no programme yet): "no figure", not 0 %.

Periods "to date" (this week, the last 7 or 28 days)
    A period that ends today counts today's prescribed share only as far as it has
    already been met: ``min(today's share, credited today)``. So a day is never
    counted as missed before it is over, and a session done today shows at once.
    This week = the ISO week, Monday to Sunday; "so far" = Monday to today.

Streak
    The number of consecutive local days with at least one session, ending today
    when today has a session, else ending yesterday (today is not over yet). A day
    without any session breaks it. Rest days of a programme on fewer than 7 days a
    week also break it: the streak counts days practised, not days prescribed.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Version:
    """One programme version as adherence sees it."""

    starts_on: date
    ended_on: date | None
    times_per_day: int
    days_per_week: int

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ended_on is None or day <= self.ended_on)

    @property
    def sevenths_a_day(self) -> int:
        """Sessions prescribed per calendar day, times_per_day x days_per_week / 7, in
        sevenths of a session (so sums stay exact in ints)."""
        return self.times_per_day * self.days_per_week


VersionLike = Version | tuple[date, date | None, int, int]


@dataclass(frozen=True)
class Window:
    """Practice over the days ``start`` to ``end`` inclusive."""

    start: date
    end: date
    sessions: int  # every session logged in the period, extra ones included
    credited: int  # sessions that count: at most the day's target each day
    prescribed: float  # sessions prescribed (see module docstring)
    adherence: float | None  # percent 0-100; None when nothing was prescribed


def _versions(versions: Iterable[VersionLike]) -> list[Version]:
    return [v if isinstance(v, Version) else Version(*v) for v in versions]


def _days(start: date, end: date) -> list[date]:
    first = start.toordinal()
    return [date.fromordinal(n) for n in range(first, end.toordinal() + 1)]


def daily_counts(session_dates: Iterable[date]) -> dict[date, int]:
    """Sessions per local day, from each session's local date."""
    return dict(Counter(session_dates))


def version_on(versions: Sequence[VersionLike], day: date) -> Version | None:
    """The version in force on ``day``: the latest-starting one covering it."""
    return _version_on(_versions(versions), day)


def _version_on(versions: list[Version], day: date) -> Version | None:
    best = None
    for version in versions:
        if version.covers(day) and (best is None or version.starts_on >= best.starts_on):
            best = version
    return best


def _plan(versions: list[Version], start: date, end: date) -> list[tuple[date, Version | None]]:
    """Each day of ``start``..``end`` with the version in force that day, looked up once.

    Only versions overlapping the period can be in force in it, so the others are left
    out first (a long record has many versions; a period spans one or two).
    """
    overlapping = [
        v for v in versions if v.starts_on <= end and (v.ended_on is None or v.ended_on >= start)
    ]
    if len(overlapping) == 1:  # the usual case: one version, in force on some of the days
        (only,) = overlapping
        return [(day, only if only.covers(day) else None) for day in _days(start, end)]
    return [(day, _version_on(overlapping, day)) for day in _days(start, end)]


def _sevenths(plan: list[tuple[date, Version | None]]) -> int:
    """Sessions prescribed over the plan's days, in sevenths of a session (exact).

    Each day's share is times_per_day x days_per_week / 7, so summing the numerators
    and dividing once by 7 gives the same exact total as adding the fractions.
    """
    return sum(v.sevenths_a_day for _, v in plan if v is not None)


def _credited(counts: Mapping[date, int], plan: list[tuple[date, Version | None]]) -> int:
    return sum(min(counts.get(day, 0), v.times_per_day if v else 0) for day, v in plan)


def target_on(versions: Sequence[VersionLike], day: date) -> int:
    """Sessions asked for on ``day``: times_per_day of that day's version, else 0."""
    version = version_on(versions, day)
    return version.times_per_day if version else 0


def due_today(counts: Mapping[date, int], versions: Sequence[VersionLike], today: date) -> int:
    """Today's target minus sessions done today, never below 0."""
    return max(0, target_on(versions, today) - counts.get(today, 0))


def streak(counts: Mapping[date, int], today: date) -> int:
    """Consecutive days with a session, ending today (or yesterday when today has none)."""
    day = today if counts.get(today, 0) > 0 else today - timedelta(days=1)
    days = 0
    while counts.get(day, 0) > 0:
        days += 1
        day -= timedelta(days=1)
    return days


def prescribed(versions: Sequence[VersionLike], start: date, end: date) -> float:
    """Sessions prescribed over ``start``..``end`` inclusive (0 when start > end)."""
    return _sevenths(_plan(_versions(versions), start, end)) / DAYS_PER_WEEK


def credited(
    counts: Mapping[date, int], versions: Sequence[VersionLike], start: date, end: date
) -> int:
    """Sessions that count over ``start``..``end``: each day at most its target."""
    return _credited(counts, _plan(_versions(versions), start, end))


def credited_and_prescribed(
    counts: Mapping[date, int], versions: Sequence[VersionLike], start: date, end: date
) -> tuple[int, float]:
    """``credited`` and ``prescribed`` over one period, its days looked up once."""
    plan = _plan(_versions(versions), start, end)
    return _credited(counts, plan), _sevenths(plan) / DAYS_PER_WEEK


def _percent(done: int, due_sevenths: int) -> float | None:
    """done / due x 100, capped at 100, with ``due`` in sevenths of a session (an int
    division of ints is rounded once, exactly as a fraction would be)."""
    if due_sevenths <= 0:
        return None
    return min(100.0, done * 100 * DAYS_PER_WEEK / due_sevenths)


def adherence(
    counts: Mapping[date, int], versions: Sequence[VersionLike], start: date, end: date
) -> float | None:
    """Credited / prescribed x 100 over whole days ``start``..``end``, capped at 100."""
    plan = _plan(_versions(versions), start, end)
    return _percent(_credited(counts, plan), _sevenths(plan))


def to_date(
    counts: Mapping[date, int], versions: Sequence[VersionLike], first: date, today: date
) -> Window:
    """The period ``first``..``today``, today counted only as far as it has been met."""
    versions = _versions(versions)
    plan = _plan(versions, first, today)  # empty when first > today
    version_today = _version_on(versions, today)
    done_today = min(counts.get(today, 0), version_today.times_per_day if version_today else 0)
    # In sevenths of a session: today's share, and today's credited sessions.
    share_today = version_today.sevenths_a_day if version_today else 0
    before_today = [(day, v) for day, v in plan if day < today]  # first..yesterday
    due = _sevenths(before_today) + min(share_today, done_today * DAYS_PER_WEEK)
    done = _credited(counts, plan)
    return Window(
        start=first,
        end=today,
        sessions=sum(counts.get(day, 0) for day, _ in plan),
        credited=done,
        prescribed=due / DAYS_PER_WEEK,
        adherence=_percent(done, due),
    )


def week_start(day: date) -> date:
    """Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_to_date(
    counts: Mapping[date, int], versions: Sequence[VersionLike], today: date
) -> Window:
    """This ISO week so far: Monday to today (see "Periods to date")."""
    return to_date(counts, versions, week_start(today), today)


def last_days(
    counts: Mapping[date, int], versions: Sequence[VersionLike], today: date, days: int
) -> Window:
    """The last ``days`` local days, today included (see "Periods to date")."""
    return to_date(counts, versions, today - timedelta(days=days - 1), today)
