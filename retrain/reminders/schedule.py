"""When a patient's reminders fall due, and which of them to leave unsent.

A patient chooses clock times (one per practice slot of the day) and weekdays, in their
own time zone. Each (local day, time) is one planned instant, turned into UTC with the
zone's rules of that day:

- a time that does not exist (the spring change skips it, e.g. 01:30 in London on the
  last Sunday of March) falls one hour later, at 02:30 local time (zoneinfo's fold=0:
  the offset before the change);
- a time that happens twice (the autumn change) is planned once, at its first
  occurrence (fold=0 again).

Two local times that land on the same instant (01:30 and 02:30 on a spring change day)
are one reminder: the database keeps one row per (patient, instant).

A due reminder is left unsent (with the reason recorded) when:
- "paused": its local day is before the day reminders resume;
- "quiet": its local time is inside the quiet hours (from inclusive, until exclusive;
  a range like 22:00-07:00 wraps past midnight);
- "practised": the slot is done already: the k-th reminder of a day is not sent once k
  sessions are logged that local day (no nagging after the session);
- "late": it is more than MAX_LATENESS past its time (a scheduler that was down does
  not send this morning's reminder in the afternoon).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_LATENESS = timedelta(minutes=60)
MAX_ATTEMPTS = 5  # a delivery is tried this often, then recorded as failed
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Prefilled settings from the programme: times per day (1-6) and days per week (1-7).
DEFAULT_TIMES = {
    1: ("09:00",),
    2: ("09:00", "18:00"),
    3: ("09:00", "13:00", "18:00"),
    4: ("08:30", "12:00", "15:30", "19:00"),
    5: ("08:00", "11:00", "14:00", "17:00", "20:00"),
    6: ("08:00", "10:30", "13:00", "15:30", "18:00", "20:30"),
}
DEFAULT_WEEKDAYS = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}


@dataclass(frozen=True)
class Plan:
    """One patient's reminder settings, as the schedule reads them."""

    zone: ZoneInfo
    times: tuple[time, ...]  # local clock times, one per practice slot
    weekdays: frozenset[int]  # 0 = Monday ... 6 = Sunday
    quiet: tuple[time, time] | None = None  # (from, until), local
    resume_on: date | None = None  # paused on the local days before this one


@dataclass(frozen=True)
class Due:
    """One planned reminder: its instant (aware UTC), local day and slot (1 = first)."""

    at: datetime
    day: date
    slot: int


def default_times(times_per_day: int) -> tuple[time, ...]:
    count = min(max(times_per_day, 1), max(DEFAULT_TIMES))
    return tuple(time.fromisoformat(t) for t in DEFAULT_TIMES[count])


def default_weekdays(days_per_week: int) -> frozenset[int]:
    return frozenset(DEFAULT_WEEKDAYS[min(max(days_per_week, 1), 7)])


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Local ``day`` at ``at`` in ``zone`` as aware UTC (fold=0: see the module notes)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def planned(plan: Plan, after: datetime, until: datetime) -> list[Due]:
    """The reminders planned after ``after`` up to and including ``until`` (aware), in
    time order; one per instant."""
    first = after.astimezone(plan.zone).date() - timedelta(days=1)
    last = until.astimezone(plan.zone).date() + timedelta(days=1)
    found: dict[datetime, Due] = {}
    day = first
    while day <= last:
        if day.weekday() in plan.weekdays:
            for slot, at in enumerate(sorted(plan.times), start=1):
                moment = instant(day, at, plan.zone)
                if after < moment <= until:
                    found.setdefault(moment, Due(moment, day, slot))
        day += timedelta(days=1)
    return [found[moment] for moment in sorted(found)]


def in_quiet_hours(at: time, quiet: tuple[time, time] | None) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    if start < end:
        return start <= at < end
    return at >= start or at < end  # wraps past midnight (start == end is refused)


def skip_reason(plan: Plan, due: Due, sessions_that_day: int, now: datetime) -> str | None:
    """Why ``due`` is not to be sent at ``now``, or None to send it."""
    if plan.resume_on is not None and due.day < plan.resume_on:
        return "paused"
    if now - due.at > MAX_LATENESS:
        return "late"
    if in_quiet_hours(due.at.astimezone(plan.zone).time(), plan.quiet):
        return "quiet"
    if in_quiet_hours(now.astimezone(plan.zone).time(), plan.quiet):
        return "quiet"  # a retry that would land in the quiet hours
    if sessions_that_day >= due.slot:
        return "practised"
    return None


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failed try: 1, 2, 4, 8 minutes, then 16."""
    return timedelta(minutes=2 ** min(max(attempts - 1, 0), 4))
