"""Reminders as pages show them: the patient's settings page, the last reminder that
reached them, and the caseload's "last reminder reached" with its 3-day flag."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models.reminders import CHANNEL_LABELS
from ..reminders import schedule

NO_REACH_DAYS = 3  # flag: reminders are on, yet none reached the patient in this many days


@dataclass(frozen=True)
class LastReminder:
    channel: str  # "push" or "email"
    sent_at: datetime  # aware
    shown_at: datetime | None
    opened_at: datetime | None


@dataclass(frozen=True)
class ReminderPage:
    """The settings form's values (saved, else prefilled from the programme) and state."""

    patient_name: str
    saved: bool  # False: nothing chosen yet; the values come from the programme
    push_on: bool
    email_on: bool
    calendar_on: bool
    times: list[str]  # "HH:MM"
    weekdays: frozenset[int]
    quiet_from: str
    quiet_until: str
    paused_through: date | None  # the last local day without reminders
    suggestion: list[str] | None
    suggested_by: str | None
    last_reminder: str | None  # "Tuesday 08:00 by notification: shown"
    push_lost: bool  # a device stopped taking notifications since the settings were saved
    reach: "ReminderReach | None" = None  # what last reached the patient (see reach())


@dataclass(frozen=True)
class ReminderReach:
    """The caseload's field: which channel last reached the patient, and the flag."""

    on: bool  # any channel is on
    channel: str | None  # "notification", "e-mail" or "calendar"
    at: datetime | None
    no_reach_3_days: bool


def clock(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


def last_reminder_text(last: LastReminder | None, zone: ZoneInfo) -> str | None:
    """ "Tuesday 08:00 by notification: shown" (opened, shown, or just sent)."""
    if last is None:
        return None
    local = last.sent_at.astimezone(zone)
    state = "opened" if last.opened_at else "shown" if last.shown_at else "sent"
    return f"{local:%A %H:%M} by {CHANNEL_LABELS[last.channel]}: {state}"


def reminder_page(
    settings,
    *,
    patient_name: str,
    times_per_day: int,
    days_per_week: int,
    today: date,
    now: datetime,
    last: LastReminder | None,
    zone: ZoneInfo,
    suggested_by: str | None = None,
) -> ReminderPage:
    """``settings`` is the ReminderSettings row or None (prefilled from the programme)."""
    if settings is None:
        return ReminderPage(
            patient_name=patient_name,
            saved=False,
            push_on=False,
            email_on=False,
            calendar_on=False,
            times=[clock(t) for t in schedule.default_times(times_per_day or 1)],
            weekdays=schedule.default_weekdays(days_per_week or 7),
            quiet_from="",
            quiet_until="",
            paused_through=None,
            suggestion=None,
            suggested_by=None,
            last_reminder=None,
            push_lost=False,
        )
    paused = settings.resume_on is not None and settings.resume_on > today
    return ReminderPage(
        patient_name=patient_name,
        saved=True,
        push_on=settings.push_on,
        email_on=settings.email_on,
        calendar_on=settings.calendar_key is not None,
        times=list(settings.times),
        weekdays=frozenset(settings.weekdays),
        quiet_from=clock(settings.quiet_from),
        quiet_until=clock(settings.quiet_until),
        paused_through=settings.resume_on - timedelta(days=1) if paused else None,
        suggestion=list(settings.suggested_times) if settings.suggested_times else None,
        suggested_by=suggested_by,
        last_reminder=last_reminder_text(last, zone),
        push_lost=settings.push_lost_at is not None,
        reach=reach(settings, now, today),
    )


def reach(settings, now: datetime, today: date) -> ReminderReach | None:
    """None when the patient never set reminders. What reached them last: a notification
    shown, an e-mail sent or opened, or their calendar reading the feed (its alarms then
    ring on the phone). The flag needs reminders on for at least NO_REACH_DAYS days, not
    paused, and nothing reaching the patient in that time."""
    if settings is None:
        return None
    on = settings.push_on or settings.email_on or settings.calendar_key is not None
    paused = settings.resume_on is not None and settings.resume_on > today
    seen = [(settings.reached_at, settings.reached_by)] if settings.reached_at else []
    if settings.calendar_key is not None and settings.calendar_read_at is not None:
        seen.append((settings.calendar_read_at, "calendar"))
    at, channel = max(seen, default=(None, None))
    since = now - timedelta(days=NO_REACH_DAYS)
    long_on = settings.on_since is not None and settings.on_since <= since
    return ReminderReach(
        on=on,
        channel=CHANNEL_LABELS.get(channel) if channel else None,
        at=at,
        no_reach_3_days=on and not paused and long_on and (at is None or at < since),
    )


def why_silent(settings) -> str | None:
    """Why saved settings send no reminder at all, in the patient's words; None when
    some will go (a patient may want none: they are told, not stopped)."""
    if not (settings.push_on or settings.email_on or settings.calendar_key is not None):
        return "neither notifications nor e-mail is on"
    if not settings.weekdays:
        return "no day is ticked"
    if not settings.times:
        return "no time is set"
    return None


def weekday_names(days: Sequence[int]) -> list[str]:
    return [schedule.WEEKDAY_NAMES[d] for d in sorted(days)]
