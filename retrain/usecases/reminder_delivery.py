"""Sending one reminder on one channel, and what comes back (docs/reminders.md).

The sending job (companion/sending.py) asks begin() for what to send; begin() checks
the rules again at the moment of sending (a session logged since, a pause, quiet hours,
the channel switched off, too late) and records a skip instead. finish() records the
outcome: sent; gone (the push service no longer knows the device: the subscription is
removed and the patient is told on their settings page); refused (no retry can help);
failed (tried again after 1, 2, 4, 8 minutes, at most MAX_ATTEMPTS times, never late).

Receipts: the service worker reports a notification shown and tapped, the e-mail's
link reports an open; each keeps the first time and marks the patient as reached.
"""

from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from ..infrastructure import metrics
from ..models import DueReminder, PushSubscription, ReminderDelivery, ReminderSettings, User
from ..reminders import schedule
from .reminder_tick import plan_of, sessions_on

OUTCOMES = ("sent", "gone", "refused", "failed")


@dataclass(frozen=True)
class Task:
    """What the sending job needs (no clinical detail: the message is the same for all)."""

    delivery_id: int
    channel: str
    email: str | None  # e-mail
    endpoint: str | None  # push
    p256dh: str | None
    auth: str | None
    ttl_seconds: int  # push: the push service drops it after this (it would be late)
    patient_id: int


def begin(delivery_id: int, now: datetime) -> Task | None:
    """The task for a claimed delivery, or None (not claimed, or skipped now: recorded)."""
    delivery = db.session.get(ReminderDelivery, delivery_id)
    if delivery is None or delivery.status != "sending":
        return None
    reminder = delivery.reminder
    settings = db.session.get(ReminderSettings, delivery.patient_id)
    person = db.session.get(User, delivery.patient_id)
    reason = _skip_reason(delivery, reminder, settings, person, now)
    if reason is not None:
        delivery.status, delivery.error = "skipped", reason
        _settle(reminder)
        metrics.reminder_delivered(delivery.channel, "skipped")
        db.session.commit()
        return None
    device = db.session.get(PushSubscription, delivery.subscription_id or 0)
    late_at = reminder.planned_at + schedule.MAX_LATENESS
    task = Task(
        delivery_id=delivery.id,
        channel=delivery.channel,
        email=person.email if delivery.channel == "email" else None,
        endpoint=device.endpoint if device else None,
        p256dh=device.p256dh if device else None,
        auth=device.auth if device else None,
        ttl_seconds=max(60, int((late_at - now).total_seconds())),
        patient_id=delivery.patient_id,
    )
    # No transaction stays open while the channel is called (a push service or an SMTP
    # server may take seconds): on SQLite an open one holds the write lock.
    db.session.commit()
    return task


def _skip_reason(delivery, reminder, settings, person, now: datetime) -> str | None:
    if settings is None or person is None or not person.active:
        return "off"
    if not (settings.push_on if delivery.channel == "push" else settings.email_on):
        return "off"
    if delivery.channel == "push" and delivery.subscription_id is None:
        return "gone"  # the device was removed since
    plan = plan_of(settings, person)
    day = reminder.planned_at.astimezone(plan.zone).date()
    counts = sessions_on({delivery.patient_id: day}, {delivery.patient_id: plan})
    due = schedule.Due(reminder.planned_at, day, reminder.slot)
    return schedule.skip_reason(plan, due, counts.get((delivery.patient_id, day), 0), now)


def finish(delivery_id: int, outcome: str, code: str | None, now: datetime) -> None:
    """Record what the channel answered."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    delivery = db.session.get(ReminderDelivery, delivery_id)
    if delivery is None or delivery.status != "sending":
        return
    delivery.attempts += 1
    delivery.error = code
    if outcome == "sent":
        delivery.status, delivery.sent_at = "sent", now
        if delivery.channel == "email":  # all an e-mail can tell: the server took it
            _reached(delivery.patient_id, "email", now)
    elif outcome == "gone":
        delivery.status = "gone"
        _drop_device(delivery, now)
    elif outcome == "failed" and delivery.attempts < schedule.MAX_ATTEMPTS:
        delivery.status = "pending"
        delivery.next_attempt_at = now + schedule.retry_delay(delivery.attempts)
    else:
        delivery.status = "failed"
    _settle(delivery.reminder)
    retry = delivery.status == "pending"
    metrics.reminder_delivered(delivery.channel, "retry" if retry else delivery.status)
    db.session.commit()


def _drop_device(delivery: ReminderDelivery, now: datetime) -> None:
    device = db.session.get(PushSubscription, delivery.subscription_id or 0)
    if device is not None:
        db.session.delete(device)
    settings = db.session.get(ReminderSettings, delivery.patient_id)
    if settings is not None:
        settings.push_lost_at = now


def _settle(reminder: DueReminder) -> None:
    """A reminder is sent once any channel sent it; failed once none can any more."""
    statuses = {d.status for d in reminder.deliveries}
    if "sent" in statuses:
        reminder.status = "sent"
    elif statuses and statuses <= {"failed", "gone", "skipped"}:
        reminder.status = "failed" if statuses & {"failed", "gone"} else "skipped"
        if reminder.status == "skipped":
            reminder.reason = next(d.error for d in reminder.deliveries)


def _reached(patient_id: int, channel: str, now: datetime) -> None:
    settings = db.session.get(ReminderSettings, patient_id)
    if settings is not None and (settings.reached_at is None or settings.reached_at <= now):
        settings.reached_at, settings.reached_by = now, channel


def record_receipt(delivery_id: int, event: str, now: datetime) -> bool:
    """A notification "shown" or a reminder "opened" (tapped, or its e-mail link)."""
    if event not in ("shown", "opened"):
        return False
    delivery = db.session.get(ReminderDelivery, delivery_id)
    if delivery is None or delivery.sent_at is None:
        return False
    delivery.shown_at = delivery.shown_at or now  # opened implies shown
    if event == "opened":
        delivery.opened_at = delivery.opened_at or now
    _reached(delivery.patient_id, delivery.channel, now)
    db.session.commit()
    return True
