"""Reminders for a future native app: the patient's settings, pausing, the therapist's
suggestion, this device's Web Push subscription, and the calendar feed's address.

The rules (times, days, quiet hours, what a push address may be) are the use cases';
these models only carry the values (docs/reminders.md).
"""

from datetime import date, datetime
from functools import wraps
from urllib.parse import urlsplit

from flask import url_for
from flask_login import current_user
from pydantic import BaseModel, Field

from .. import access
from ..infrastructure import links, webpush
from ..models import PATIENT, THERAPIST
from ..usecases import push_subscriptions, reminder_settings
from .core import Strict, endpoint, out_of, patient_endpoint, record_id
from .schemas import Int, text

Clock = text(8)


class ReminderSettingsIn(Strict):
    push_on: bool
    email_on: bool
    times: list[Clock] = Field(max_length=24, description='Local clock times "HH:MM", at most 6')
    weekdays: list[Int] = Field(max_length=14, description="0 = Monday ... 6 = Sunday")
    quiet_from: Clock | None = Field(None, description='"HH:MM"; both ends or neither')
    quiet_until: Clock | None = None


class ReminderSettingsOut(BaseModel):
    saved: bool = Field(description="false: nothing chosen yet, values from the programme")
    push_on: bool
    email_on: bool
    calendar_on: bool
    times: list[str]
    weekdays: list[int]
    quiet_from: str | None
    quiet_until: str | None
    paused_through: date | None = Field(description="The last local day without reminders")
    suggestion: list[str] | None = Field(description="Times a therapist suggested")
    last_reminder: str | None = Field(description='e.g. "Tuesday 08:00 by notification: shown"')
    push_lost: bool = Field(description="A device stopped taking notifications and was removed")
    reached_by: str | None = Field(description="The channel that last reached the patient")
    reached_at: datetime | None
    no_reach_3_days: bool


class PauseIn(Strict):
    days: Int = Field(description="1 to 30: today and the days after it")


class SuggestionIn(Strict):
    times: list[Clock] = Field(max_length=24)


class PushKeys(Strict):
    p256dh: text(200)
    auth: text(200)


class PushSubscriptionIn(Strict):
    """A browser's PushSubscription.toJSON(), as it comes."""

    endpoint: text(4096)
    keys: PushKeys
    expirationTime: float | None = None  # noqa: N815 - the browser's own name (ms)


class PushSubscriptionOut(BaseModel):
    id: int
    service: str = Field(description="The push service's host")
    created_at: datetime


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionOut]


class PushKeyOut(BaseModel):
    application_server_key: str = Field(description="VAPID public key, base64url")


class CalendarOut(BaseModel):
    url: str | None = Field(description="The private .ics address; null when there is none")


def settings_out(patient_id: int) -> ReminderSettingsOut:
    page = reminder_settings.view(current_user, patient_id)
    reach = page.reach
    return out_of(
        ReminderSettingsOut,
        page,
        weekdays=sorted(page.weekdays),
        quiet_from=page.quiet_from or None,
        quiet_until=page.quiet_until or None,
        reached_by=reach.channel if reach else None,
        reached_at=reach.at if reach else None,
        no_reach_3_days=bool(reach and reach.no_reach_3_days),
    )


def _patients_own(route: str, **declared):
    """What the patient alone does with their own reminders and devices."""
    return patient_endpoint(route, access.SET_REMINDERS, roles=(PATIENT,), **declared)


def _settings_change(route: str, action=access.SET_REMINDERS, *, roles=(PATIENT,), **declared):
    """A change to the settings, answered with the settings as they then are: the view
    only makes the change."""

    def decorator(change):
        @wraps(change)
        def view(patient_id: int, **parsed):
            change(patient_id, **parsed)
            return settings_out(patient_id)

        register = patient_endpoint(route, action, roles=roles, out=ReminderSettingsOut, **declared)
        return register(view)

    return decorator


@patient_endpoint("GET /reminders", access.VIEW, out=ReminderSettingsOut)
def reminders_get(patient_id: int):
    """Reminder settings (prefilled from the programme until saved), the last reminder and
    what last reached the patient"""
    return settings_out(patient_id)


@_settings_change("PUT /reminders", body=ReminderSettingsIn)
def reminders_put(patient_id: int, body: ReminderSettingsIn):
    """Choose reminder channels, times, days and quiet hours (the patient only)"""
    reminder_settings.save(current_user, patient_id, reminder_settings.Choices(**body.model_dump()))


@_settings_change("POST /reminders/pause", body=PauseIn)
def reminders_pause(patient_id: int, body: PauseIn):
    """Pause every reminder for 1 to 30 days (today included)"""
    reminder_settings.pause(current_user, patient_id, body.days)


@_settings_change("DELETE /reminders/pause")
def reminders_resume(patient_id: int):
    """End a pause now"""
    reminder_settings.resume(current_user, patient_id)


@_settings_change(
    "PUT /reminders/suggestion", access.SUGGEST_REMINDERS, roles=(THERAPIST,), body=SuggestionIn
)
def suggestion_put(patient_id: int, body: SuggestionIn):
    """Suggest reminder times (a therapist); the patient decides"""
    reminder_settings.suggest(current_user, patient_id, body.times)


@_settings_change("POST /reminders/suggestion/accept")
def suggestion_accept(patient_id: int):
    """Use the suggested times (the patient)"""
    reminder_settings.answer_suggestion(current_user, patient_id, accept=True)


@_settings_change("DELETE /reminders/suggestion")
def suggestion_decline(patient_id: int):
    """Decline the suggested times (the patient)"""
    reminder_settings.answer_suggestion(current_user, patient_id, accept=False)


def _device_out(device) -> PushSubscriptionOut:
    service = urlsplit(device.endpoint).hostname or ""
    return PushSubscriptionOut(id=device.id, service=service, created_at=device.created_at)


@endpoint("GET /push/key", roles=(PATIENT,), out=PushKeyOut)
def push_key():
    """The VAPID public key to subscribe with (applicationServerKey)"""
    return PushKeyOut(application_server_key=webpush.public_key())


@_patients_own("GET /push-subscriptions", out=PushSubscriptionList)
def push_list(patient_id: int):
    """The devices that get the patient's notifications"""
    devices = push_subscriptions.devices(current_user, patient_id)
    return PushSubscriptionList(items=[_device_out(d) for d in devices])


@_patients_own(
    "POST /push-subscriptions", body=PushSubscriptionIn, out=PushSubscriptionOut, status=201
)
def push_add(patient_id: int, body: PushSubscriptionIn):
    """Add this device's Web Push subscription (turns notifications on)"""
    device = push_subscriptions.subscribe(
        current_user, patient_id, body.endpoint, body.keys.p256dh, body.keys.auth
    )
    return _device_out(device)


@_patients_own("DELETE /push-subscriptions/<int:subscription_id>", status=204)
def push_remove(patient_id: int, subscription_id: int):
    """Remove a device from the patient's notifications"""
    push_subscriptions.unsubscribe(current_user, patient_id, device_id=record_id(subscription_id))


def _calendar_url(key: str | None) -> str | None:
    if key is None:
        return None
    token = links.sign("calendar", key)
    return url_for("reminder_links.calendar", token=token, _external=True)


@_patients_own("GET /reminders/calendar", out=CalendarOut)
def calendar_get(patient_id: int):
    """The private calendar (.ics) address, if there is one"""
    return CalendarOut(url=_calendar_url(reminder_settings.calendar_key(current_user, patient_id)))


@_patients_own("POST /reminders/calendar", out=CalendarOut)
def calendar_make(patient_id: int):
    """Make the private calendar address (or answer the one there is)"""
    key = reminder_settings.calendar_key(current_user, patient_id, make=True)
    return CalendarOut(url=_calendar_url(key))


@_patients_own("DELETE /reminders/calendar", status=204)
def calendar_stop(patient_id: int):
    """Stop the calendar address: it answers 404 from now on"""
    reminder_settings.stop_calendar(current_user, patient_id)
