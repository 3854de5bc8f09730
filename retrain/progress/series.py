"""Day series: one value per day, the 7-day trailing mean, and chart series per cycle.

Definitions are in docs/progress.md ("One value per day", "Daily synkinesis rating:
the 7-day trailing mean", "Overlay chart"). Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for type hints; cycles imports this module
    from .cycles import ProgressReport

TRAILING_DAYS = 7  # the window is the day itself and the 6 days before it
TRAILING_MIN_RATINGS = 3  # fewer ratings than this in the window: no value that day
RATING_MIN, RATING_MAX = 0, 10
OVERLAY_DAYS_BEFORE = 30  # the chart starts where the baseline window starts

Point = tuple[date, float]


def daily_values(points: Iterable[tuple[date, float]]) -> list[Point]:
    """One value per date, in date order; several values on one date become their mean."""
    by_day: dict[date, list[float]] = defaultdict(list)
    for on, value in points:
        by_day[on].append(value)
    return [(on, sum(values) / len(values)) for on, values in sorted(by_day.items())]


def trailing_mean(
    ratings: Iterable[tuple[date, float]],
    days: int = TRAILING_DAYS,
    min_ratings: int = TRAILING_MIN_RATINGS,
) -> list[Point]:
    """The trailing mean of the daily synkinesis ratings (0-10).

    A value is given on each day that has at least one rating: the mean of every
    rating dated from 6 days before to that day (7 calendar days), each rating counted
    once (two sessions on one day are two ratings). A day whose window holds fewer
    than 3 ratings gets no value. Days without a rating get no value (no point is
    drawn where the patient did not rate).
    """
    rows = sorted(ratings)
    for on, value in rows:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"rating on {on.isoformat()} is not a number")
        if not RATING_MIN <= value <= RATING_MAX:
            raise ValueError(
                f"rating on {on.isoformat()} is {value}, outside {RATING_MIN}-{RATING_MAX}"
            )
    days_of = [on for on, _ in rows]
    values = [value for _, value in rows]
    result: list[Point] = []
    start = 0
    span = timedelta(days=days - 1)
    for end, day in enumerate(days_of, start=1):  # rows[start:end] is the window
        if end < len(rows) and days_of[end] == day:
            continue  # evaluate once per day, after its last rating
        first_day = day - span
        while days_of[start] < first_day:
            start += 1
        if end - start >= min_ratings:
            result.append((day, sum(values[start:end]) / (end - start)))
    return result


@dataclass(frozen=True)
class OverlaySeries:
    """One cycle's values with x = days since that cycle's injection (day 0)."""

    cycle_index: int
    injected_on: date
    points: list[tuple[int, float]]


def overlay_series(
    report: ProgressReport,
    saqs: Iterable[tuple[date, float]],
    days_before: int = OVERLAY_DAYS_BEFORE,
) -> list[OverlaySeries]:
    """Per cycle, the (day, value) points to overlay the cycles on one chart.

    Each cycle takes the values dated from ``days_before`` days before its injection
    (the baseline window, shown at negative days) up to and including the day of the
    next injection (an SAQ on that day is taken before the injection); the open cycle
    has no end. A value may therefore appear in two cycles: late in one and as the
    baseline of the next. Several values on one day are averaged, as in the analysis.

    Pass SAQ scores, or ``report.rating_trend`` for the rating chart; never both in one
    series.
    """
    days = daily_values(saqs)
    result = []
    for cycle in report.cycles:
        first = cycle.injected_on - timedelta(days=days_before)
        points = [
            ((on - cycle.injected_on).days, value)
            for on, value in days
            if on >= first and (cycle.ends_on is None or on <= cycle.ends_on)
        ]
        result.append(OverlaySeries(cycle.index, cycle.injected_on, points))
    return result
