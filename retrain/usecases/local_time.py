"""A patient's own clock: their time zone, their today, and local days as UTC instants.

Times are stored as aware UTC datetimes; a patient's day is a calendar day in their own
time zone (user.timezone), else the clinic's (config TIMEZONE), else UTC.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from ..errors import Invalid
from ..extensions import db
from ..models import User
from ..models.base import utcnow


def zone_for(user: User | None) -> ZoneInfo:
    """The user's own time zone, else the clinic's (an unknown name falls back too)."""
    for name in (getattr(user, "timezone", None), current_app.config["TIMEZONE"]):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_now(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(zone)


def local_dates(instants: Iterable[datetime], zone: ZoneInfo) -> list[date]:
    return [instant.astimezone(zone).date() for instant in instants]


def patient_today(patient_id: int) -> date:
    """Today's date where the patient lives (no query once access.require loaded them)."""
    return local_now(zone_for(db.session.get(User, patient_id))).date()


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant local day ``day`` begins in ``zone``, as aware UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def before_local_day(day: date) -> datetime:
    """An instant before local day ``day`` begins in every time zone (UTC midnight the
    day before): a lower bound that reads a day's sessions whoever's zone it is."""
    return datetime.combine(day - timedelta(days=1), time(), tzinfo=UTC)


def performed_at_from_local(
    day: date | None, at: time | None, zone: ZoneInfo, now: datetime | None = None
) -> datetime:
    """A session time typed in the patient's zone, as aware UTC.

    Both empty: now. A time without a date: today at that time. A date without a time
    is refused (we cannot guess it). Ambiguous clock times at the autumn change take
    the first occurrence (fold=0).
    """
    now = now or utcnow()
    if day is None and at is None:
        return now
    if at is None:
        raise Invalid("Please add the time too, or leave both empty.", "performed_time")
    if day is None:
        day = local_now(zone, now).date()
    return datetime.combine(day, at, tzinfo=zone).astimezone(now.tzinfo)
