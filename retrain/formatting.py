"""Dates, times, numbers and units in plain words: the one place that formats them.

Pure functions (no Flask): presenters call them, and ``create_app`` registers them as
Jinja filters (``|day``, ``|short_day``, ``|when``, ...), so a page and the code that
builds its values always agree.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any


def _blank_for_none(format_value: Callable[[Any], str]) -> Callable[[Any], str]:
    """A missing value shows as nothing: the rule of every formatter but ``percent``."""

    @wraps(format_value)
    def formatted(value):
        return "" if value is None else format_value(value)

    return formatted


@_blank_for_none
def day(value: date) -> str:
    """3 March 2026."""
    return f"{value.day} {value:%B %Y}"


@_blank_for_none
def short_day(value: date) -> str:
    """3 Mar 2026."""
    return f"{value.day} {value:%b %Y}"


@_blank_for_none
def weekday(value: date) -> str:
    """Tue 3 Mar 2026."""
    return f"{value:%a} {short_day(value)}"


@_blank_for_none
def when(value: datetime) -> str:
    """Tue 3 Mar 2026, 14:05, in the zone the value carries."""
    return f"{weekday(value.date())}, {value:%H:%M}"


@_blank_for_none
def long_when(value: datetime) -> str:
    """Tuesday 3 March 2026 at 14:05, in the zone the value carries."""
    return f"{value:%A} {day(value.date())} at {value:%H:%M}"


@_blank_for_none
def units(value: float) -> str:
    """Toxin units without a needless '.0': 5 -> "5", 2.5 -> "2.5"."""
    return f"{value:g}"


@_blank_for_none
def count(value: float) -> str:
    """14 or 10.5: a whole number without decimals, else one decimal."""
    rounded = round(float(value), 1)
    return f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}"


def percent(value: float | None) -> str:
    """64 % (a fraction of 1 is given as 0-100 already)."""
    return "no figure" if value is None else f"{round(value):d} %"


@_blank_for_none
def one_decimal(value: float) -> str:
    return f"{value:.1f}"


# Registered as Jinja filters under these names by create_app (plus ``when_here``, which
# first moves an aware time into the viewer's own zone).
FILTERS = {
    "day": day,
    "short_day": short_day,
    "weekday": weekday,
    "when": when,
    "long_when": long_when,
    "units": units,
    "count": count,
    "percent": percent,
}
