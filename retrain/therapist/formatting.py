"""Template filters for the staff pages: dates, times and counts, in plain words."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def day(value: date | None) -> str:
    """3 March 2025."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def short_day(value: date | None) -> str:
    """Mon 3 Mar 2025."""
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def when(value: datetime | None, zone: str | None = None) -> str:
    """Mon 3 Mar 2025, 14:05 in ``zone`` (default: the clinic's); as given when zone is ''."""
    if value is None:
        return ""
    if zone != "":
        value = value.astimezone(ZoneInfo(zone or current_app.config["TIMEZONE"]))
    return f"{short_day(value.date())}, {value:%H:%M}"


def count(value: float | int | None) -> str:
    """14 or 10.5: a whole number without decimals, else one decimal."""
    if value is None:
        return ""
    rounded = round(float(value), 1)
    return f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}"


def percent(value: float | None) -> str:
    return "no figure" if value is None else f"{round(value):d} %"


FILTERS = {
    "staff_day": day,
    "staff_short_day": short_day,
    "staff_when": when,
    "staff_count": count,
    "staff_percent": percent,
}


def register(blueprint) -> None:
    for name, function in FILTERS.items():
        blueprint.add_app_template_filter(function, name)
