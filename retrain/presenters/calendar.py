"""The calendar feed (.ics, RFC 5545) of a patient's reminder times, with icalendar.

One weekly repeating event per practice time, in the patient's own time zone (with its
VTIMEZONE), on their chosen days, each with an alarm at its start, so the phone's own
calendar rings without any push. Paused days are left out (EXDATE). No clinical text:
the title says "Your facial exercises" and links to Today.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..reminders.schedule import ICAL_DAYS

if TYPE_CHECKING:
    from icalendar import Event

# icalendar is imported where a feed is made (0.1-0.2 s): only calendar apps ask for one,
# and every worker would pay for it at start (docs/performance.md, "Start-up").

TITLE = "Your facial exercises"
ALARM_TEXT = "Time for your facial exercises"
EVENT_MINUTES = 10
REFRESH = timedelta(hours=6)


def first_day(today: date, weekdays: set[int]) -> date:
    """The first day on or after ``today`` that is one of ``weekdays``."""
    return next(
        today + timedelta(days=n) for n in range(7) if (today.weekday() + n) % 7 in weekdays
    )


def feed(settings, zone: ZoneInfo, now: datetime, open_url: str) -> bytes:
    """The feed of ``settings`` (times, weekdays, resume_on, calendar_key)."""
    from icalendar import Calendar

    calendar = Calendar.new(
        prodid="-//Retrain//Practice reminders//EN",
        name="Retrain reminders",
        refresh_interval=REFRESH,
    )
    calendar.add("x-published-ttl", REFRESH)
    days = set(settings.weekdays)
    today = now.astimezone(zone).date()
    if days and settings.times:
        uid = hashlib.sha256(settings.calendar_key.encode()).hexdigest()[:16]
        start_day = first_day(today, days)
        for text in settings.times:
            at = time.fromisoformat(text)
            calendar.add_component(
                _event(uid, start_day, at, zone, days, now, open_url, _paused(settings, today))
            )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _paused(settings, today: date) -> list[date]:
    if settings.resume_on is None or settings.resume_on <= today:
        return []
    return [today + timedelta(days=n) for n in range((settings.resume_on - today).days)]


def _event(uid, start_day, at, zone, days, now, open_url, paused_days) -> Event:
    from icalendar import Alarm, Event

    start = datetime.combine(start_day, at, tzinfo=zone)
    event = Event.new(
        uid=f"{uid}-{at:%H%M}@retrain",
        summary=TITLE,
        description=f"Open Retrain: {open_url}",
        url=open_url,
        start=start,
        end=start + timedelta(minutes=EVENT_MINUTES),
        stamp=now.astimezone(UTC),
    )
    event.add("rrule", {"freq": "weekly", "byday": [ICAL_DAYS[d] for d in sorted(days)]})
    event.add("transp", "TRANSPARENT")
    skipped = [
        datetime.combine(day, at, tzinfo=zone) for day in paused_days if day.weekday() in days
    ]
    if skipped:
        event.add("exdate", skipped)
    alarm = Alarm.new(description=ALARM_TEXT)
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event
