"""A patient's reminder settings: read by the patient and their care team, chosen by
the patient alone (a therapist may suggest times, never set them), paused for a few
days, stopped from a reminder's own link; the calendar feed's key."""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from sqlalchemy import select

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import transactions
from ..models import ReminderDelivery, ReminderSettings, User
from ..models.base import utcnow
from ..presenters import reminders as presenters
from ..presenters.caseload import CaseloadRow
from ..reminders import schedule
from .local_time import local_now, zone_for
from .programme_reads import current_programme

MAX_TIMES = 6
PAUSE_DAYS = (1, 30)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:00)?")


@dataclass(frozen=True)
class Choices:
    """What the patient chose. Times "HH:MM" (or time), weekdays 0 = Monday."""

    push_on: bool
    email_on: bool
    times: Sequence
    weekdays: Sequence
    quiet_from: time | str | None = None
    quiet_until: time | str | None = None


def settings_of(patient_id: int) -> ReminderSettings | None:
    return db.session.get(ReminderSettings, patient_id)


def view(user, patient_id: int, now: datetime | None = None) -> presenters.ReminderPage:
    """The settings page (the patient) or the care team's view of it."""
    access.require(user, access.VIEW, patient_id)
    now = now or utcnow()
    patient_user = db.session.get(User, patient_id)
    zone = zone_for(patient_user)
    settings = settings_of(patient_id)
    programme = current_programme(patient_id)
    by = settings.suggested_by.name if settings and settings.suggested_by else None
    return presenters.reminder_page(
        settings,
        patient_name=patient_user.name,
        times_per_day=programme.times_per_day if programme else 1,
        days_per_week=programme.days_per_week if programme else 7,
        today=local_now(zone, now).date(),
        now=now,
        last=last_reminder(patient_id),
        zone=zone,
        suggested_by=by,
    )


def last_reminder(patient_id: int) -> presenters.LastReminder | None:
    row = db.session.scalars(
        select(ReminderDelivery)
        .where(ReminderDelivery.patient_id == patient_id, ReminderDelivery.sent_at.is_not(None))
        .order_by(ReminderDelivery.sent_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return presenters.LastReminder(row.channel, row.sent_at, row.shown_at, row.opened_at)


def _clock(value, field: str) -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        return time(int(match.group(1)), int(match.group(2)))
    raise Invalid("Please give a time like 08:30 (hours 00 to 23).", field)


def _times(values: Sequence, problems: list) -> list[time]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        problems.append(Invalid("Please give the reminder times as a list.", "times"))
        return []
    if len(values) > MAX_TIMES:
        problems.append(Invalid(f"Please choose at most {MAX_TIMES} times a day.", "times"))
        return []
    found: list[time] = []
    for index, value in enumerate(values):
        try:
            at = _clock(value, f"times-{index}")
        except Invalid as error:
            problems.append(error)
            continue
        if at is None:
            continue
        if at in found:
            problems.append(Invalid("That time is in the list already.", f"times-{index}"))
            continue
        found.append(at)
    return sorted(found)


def _weekdays(values: Sequence, problems: list) -> list[int]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        problems.append(Invalid("Please give the days as a list.", "weekdays"))
        return []
    days = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            problems.append(Invalid("That is not a day of the week.", "weekdays"))
            return []
        days.add(value)
    return sorted(days)


def _quiet(choices: Choices, times: list[time], problems: list):
    try:
        start = _clock(choices.quiet_from, "quiet_from")
        end = _clock(choices.quiet_until, "quiet_until")
    except Invalid as error:
        problems.append(error)
        return None
    if start is None and end is None:
        return None
    if start is None or end is None or start == end:
        problems.append(
            Invalid("Please give both ends of the quiet hours, or neither.", "quiet_from")
        )
        return None
    for at in times:
        if schedule.in_quiet_hours(at, (start, end)):
            problems.append(
                Invalid(
                    f"{at:%H:%M} is inside your quiet hours. Please move the time or the"
                    " quiet hours.",
                    "times",
                )
            )
            return None
    return start, end


def _checked(choices: Choices):
    problems: list[Invalid] = []
    times = _times(choices.times, problems)
    weekdays = _weekdays(choices.weekdays, problems)
    quiet = _quiet(choices, times, problems)
    on = bool(choices.push_on) or bool(choices.email_on)
    if on and not problems and not times:
        problems.append(Invalid("Please choose at least one time for your reminders.", "times"))
    if on and not problems and not weekdays:
        problems.append(Invalid("Please choose at least one day.", "weekdays"))
    if problems:
        raise Invalid.all_of(problems)
    return times, weekdays, quiet


def save(user, patient_id: int, choices: Choices, now: datetime | None = None):
    """Store the patient's choices; Invalid (every problem, by field) changes nothing."""
    access.require(user, access.SET_REMINDERS, patient_id)
    now = now or utcnow()
    times, weekdays, quiet = _checked(choices)
    settings = settings_of(patient_id) or new_settings(patient_id)
    was_on = bool(settings.push_on or settings.email_on or settings.calendar_key)
    settings.push_on, settings.email_on = bool(choices.push_on), bool(choices.email_on)
    settings.times = [f"{at:%H:%M}" for at in times]
    settings.weekdays = weekdays
    settings.quiet_from, settings.quiet_until = quiet or (None, None)
    if settings.push_on or settings.email_on:
        settings.push_lost_at = None  # the patient has seen the settings again
    mark_on(settings, was_on, now)
    db.session.commit()
    return settings


def mark_on(settings: ReminderSettings, was_on: bool, now: datetime) -> None:
    on = bool(settings.push_on or settings.email_on or settings.calendar_key)
    if on and not was_on:
        settings.on_since = now
    settings.updated_at = now


def pause(user, patient_id: int, days: int, now: datetime | None = None):
    """No reminders today and the next ``days`` - 1 local days."""
    access.require(user, access.SET_REMINDERS, patient_id)
    low, high = PAUSE_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise Invalid(f"Please pause for {low} to {high} days.", "days")
    settings = settings_of(patient_id) or new_settings(patient_id)
    today = local_now(zone_for(db.session.get(User, patient_id)), now).date()
    settings.resume_on = today + timedelta(days=days)
    settings.updated_at = now or utcnow()
    db.session.commit()
    return settings


def resume(user, patient_id: int):
    access.require(user, access.SET_REMINDERS, patient_id)
    settings = settings_of(patient_id)
    if settings is not None and settings.resume_on is not None:
        settings.resume_on = None
        db.session.commit()
    return settings


def suggest(user, patient_id: int, times: Sequence, now: datetime | None = None):
    """A therapist's suggested times: the patient sees them and decides."""
    access.require(user, access.SUGGEST_REMINDERS, patient_id)
    problems: list[Invalid] = []
    found = _times(times, problems)
    if not problems and not found:
        problems.append(Invalid("Please suggest at least one time.", "times"))
    if problems:
        raise Invalid.all_of(problems)
    settings = settings_of(patient_id) or new_settings(patient_id)
    settings.suggested_times = [f"{at:%H:%M}" for at in found]
    settings.suggested_by_id, settings.suggested_at = user.id, now or utcnow()
    db.session.commit()
    return settings


def answer_suggestion(user, patient_id: int, accept: bool):
    """The patient takes the suggested times (days and channels stay theirs) or not."""
    access.require(user, access.SET_REMINDERS, patient_id)
    settings = settings_of(patient_id)
    if settings is None or not settings.suggested_times:
        raise NotFound("There is no suggestion to answer.")
    if accept:
        settings.times = list(settings.suggested_times)
    settings.suggested_times = settings.suggested_by_id = settings.suggested_at = None
    db.session.commit()
    return settings


def calendar_key(user, patient_id: int, *, make: bool = False, now=None) -> str | None:
    """The key of the patient's calendar feed; ``make`` creates one when there is none."""
    access.require(user, access.SET_REMINDERS if make else access.VIEW, patient_id)
    settings = settings_of(patient_id)
    existing = settings.calendar_key if settings is not None else None
    if existing is not None or not make:
        return existing
    settings = settings or new_settings(patient_id)
    was_on = bool(settings.push_on or settings.email_on)
    settings.calendar_key = secrets.token_hex(16)
    mark_on(settings, was_on, now or utcnow())
    db.session.commit()
    return settings.calendar_key


def new_settings(patient_id: int) -> ReminderSettings:
    """Settings with every channel off, times and days prefilled from the programme
    (added to the session)."""
    programme = current_programme(patient_id)
    times = schedule.default_times(programme.times_per_day if programme else 1)
    days = schedule.default_weekdays(programme.days_per_week if programme else 7)
    settings = ReminderSettings(
        patient_id=patient_id,
        push_on=False,
        email_on=False,
        times=[f"{at:%H:%M}" for at in times],
        weekdays=sorted(days),
    )
    db.session.add(settings)
    return settings


def stop_calendar(user, patient_id: int) -> None:
    """Revoke the feed: its address answers 404 from now on."""
    access.require(user, access.SET_REMINDERS, patient_id)
    settings = settings_of(patient_id)
    if settings is not None:
        settings.calendar_key = None
        db.session.commit()


def calendar_feed(key, now: datetime):
    """The settings and zone behind a calendar key (no login: the signed URL is the
    permission), the read recorded; None when the key is unknown or revoked."""
    if not isinstance(key, str):
        return None
    settings = db.session.scalar(
        select(ReminderSettings).where(ReminderSettings.calendar_key == key)
    )
    person = db.session.get(User, settings.patient_id) if settings is not None else None
    if person is None or not person.active:
        return None
    with transactions.write_unit():  # a blind write: the feed itself only reads
        settings.calendar_read_at = now
        db.session.commit()
    return settings, zone_for(person)


def stop_channel(patient_id: int, channel: str) -> None:
    """From a reminder's own stop link (signed; no login needed): that channel off."""
    settings = settings_of(patient_id)
    if settings is None:
        return
    if channel == "push":
        settings.push_on = False
    elif channel == "email":
        settings.email_on = False
    settings.updated_at = utcnow()
    db.session.commit()


def with_reminder_reach(rows: list[CaseloadRow], now: datetime | None = None) -> list:
    """The caseload's rows with their "last reminder reached" field (one query)."""
    if not rows:
        return rows
    now = now or utcnow()
    found = {
        settings.patient_id: presenters.reach(
            settings, now, local_now(zone_for(person), now).date()
        )
        for settings, person in db.session.execute(
            select(ReminderSettings, User)
            .join(User, User.id == ReminderSettings.patient_id)
            .where(ReminderSettings.patient_id.in_([row.patient_id for row in rows]))
        )
    }
    return [replace(row, reminder=found.get(row.patient_id)) for row in rows]
