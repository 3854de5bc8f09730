"""Dates, times, numbers and units in plain words: the one place that formats them.

Pure functions (no Flask): presenters call them, and ``create_app`` registers them as
Jinja filters (``|day``, ``|short_day``, ``|when``, ...), so a page and the code that
builds its values always agree.
"""

from datetime import date, datetime


def day(value: date | None) -> str:
    """3 March 2026."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def short_day(value: date | None) -> str:
    """3 Mar 2026."""
    return "" if value is None else f"{value.day} {value:%b %Y}"


def weekday(value: date | None) -> str:
    """Tue 3 Mar 2026."""
    return "" if value is None else f"{value:%a} {short_day(value)}"


def when(value: datetime | None) -> str:
    """Tue 3 Mar 2026, 14:05, in the zone the value carries."""
    return "" if value is None else f"{weekday(value.date())}, {value:%H:%M}"


def long_when(value: datetime | None) -> str:
    """Tuesday 3 March 2026 at 14:05, in the zone the value carries."""
    return "" if value is None else f"{value:%A} {day(value.date())} at {value:%H:%M}"


def units(value: float | None) -> str:
    """Toxin units without a needless '.0': 5 -> "5", 2.5 -> "2.5"."""
    return "" if value is None else f"{value:g}"


def count(value: float | None) -> str:
    """14 or 10.5: a whole number without decimals, else one decimal."""
    if value is None:
        return ""
    rounded = round(float(value), 1)
    return f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}"


def percent(value: float | None) -> str:
    """64 % (a fraction of 1 is given as 0-100 already)."""
    return "no figure" if value is None else f"{round(value):d} %"


def one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


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
