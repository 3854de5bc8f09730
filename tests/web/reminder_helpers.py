"""Helpers for the reminder tests: a patient whose reminder fell due a minute ago.

The scheduler's sending step reads the real clock (a reminder more than an hour late is
not sent), so each patient lives in the Etc/GMT zone where it is about noon now: a
reminder "a minute ago" is then never on the other side of a local midnight.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from retrain.extensions import db
from retrain.models import PushSubscription, ReminderSettings
from retrain.models.base import utcnow


def noon_zone(now: datetime | None = None) -> str:
    """An Etc/GMT zone where ``now`` is between 12:00 and 12:59 (POSIX signs: GMT-2 is
    two hours ahead of UTC)."""
    offset = 12 - (now or utcnow()).hour  # local = UTC + offset
    if offset > 12:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def set_reminders(patient, *, minutes_ago=1, push=False, email=True, now=None, **changes):
    """Reminders on, one time (``minutes_ago`` before ``now``), every day; the patient
    in a zone where it is about noon. Returns the settings row."""
    now = now or utcnow()
    zone = noon_zone(now)
    patient.user.timezone = zone
    local = (now - timedelta(minutes=minutes_ago)).astimezone(ZoneInfo(zone))
    settings = ReminderSettings(
        patient_id=patient.id,
        push_on=push,
        email_on=email,
        times=[f"{local:%H:%M}"],
        weekdays=list(range(7)),
        on_since=now - timedelta(days=10),
        **changes,
    )
    db.session.add(settings)
    db.session.commit()
    return settings


def add_device(patient, endpoint="https://fcm.googleapis.com/fcm/send/device-1", **keys):
    device = PushSubscription(
        patient_id=patient.id,
        endpoint=endpoint,
        p256dh=keys.get("p256dh", "B" + "A" * 86),
        auth=keys.get("auth", "A" * 22),
    )
    db.session.add(device)
    db.session.commit()
    return device
