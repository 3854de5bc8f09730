"""Telling the other side of a thread that a message came, with no clinical text.

A job (usecases/messages.send enqueues it with the message id only): a message from the
patient notifies each active member of their care team by e-mail; a message from the
care team notifies the patient by e-mail and on every device that took Web Push (the
reminders' mechanism, docs/reminders.md). The notice says only "You have a new message
in Retrain" and where to log in: never the message, a name or a diagnosis, since a
lock screen or a shared mailbox may show it.

A reader who already has an unread message in that thread was told once and has not
looked since: no second notice until they read.
"""

import logging

from flask import current_app
from sqlalchemy import func, or_, select

from ..extensions import db
from ..infrastructure import mail, webpush
from ..models import (
    PATIENT,
    CareTeamMember,
    Message,
    MessageRead,
    PushSubscription,
    ReminderSettings,
    User,
)
from ..models.base import utcnow

SUBJECT = "You have a new message in Retrain"
PUSH_BODY = "Tap to open Retrain and read it."
# The patient's thread (messages.my_thread; tests/web/test_messages.py checks they agree):
# the service worker opens this path of its own origin.
PATIENT_THREAD_PATH = "/messages"
PUSH_TTL_SECONDS = 24 * 3600

log = logging.getLogger("retrain.messages")


def email_text() -> str:
    address = current_app.config["PUBLIC_URL"].rstrip("/") + "/"
    return (
        "Hello,\n\n"
        "You have a new message in Retrain.\n\n"
        f"Log in to read it: {address}\n\n"
        "For your privacy this e-mail does not include the message.\n"
    )


def notify(message_id: int) -> None:
    """The job: notify everyone on the other side of the thread who was not told yet."""
    message = db.session.get(Message, message_id)
    if message is None:
        return  # erased since
    for person in _recipients(message):
        if _already_told(person.id, message):
            continue
        mail.send(person.email, SUBJECT, email_text())
        if person.role == PATIENT:
            _push(person.id)


def _recipients(message: Message) -> list[User]:
    author = db.session.get(User, message.author_id or 0)
    if author is not None and author.role != PATIENT:
        patient = db.session.get(User, message.patient_id)
        return [patient] if patient is not None and patient.active else []
    return list(
        db.session.scalars(
            select(User)
            .join(CareTeamMember, CareTeamMember.staff_id == User.id)
            .where(CareTeamMember.patient_id == message.patient_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _already_told(reader_id: int, message: Message) -> bool:
    """An earlier message of the thread is still unread by this reader."""
    seen = (
        select(MessageRead.message_id)
        .where(MessageRead.message_id == Message.id, MessageRead.reader_id == reader_id)
        .exists()
    )
    earlier_unread = db.session.scalar(
        select(func.count()).where(
            Message.patient_id == message.patient_id,
            Message.id != message.id,
            Message.created_at <= message.created_at,
            or_(Message.author_id.is_(None), Message.author_id != reader_id),
            ~seen,
        )
    )
    return bool(earlier_unread)


def _push(patient_id: int) -> None:
    payload = {
        "title": "Retrain",
        "body": SUBJECT + ". " + PUSH_BODY,
        "tag": "retrain-message",
        "open": PATIENT_THREAD_PATH,
    }
    devices = db.session.scalars(
        select(PushSubscription).where(PushSubscription.patient_id == patient_id)
    ).all()
    for device in devices:
        try:
            webpush.send(device.endpoint, device.p256dh, device.auth, payload, PUSH_TTL_SECONDS)
        except webpush.PushGone:
            _drop(device)
        except webpush.PushError as error:
            # The e-mail went already; a notice is not worth a retry queue.
            log.info("message notice push not sent: %s", error.code)


def _drop(device: PushSubscription) -> None:
    """The push service no longer knows the device: remove it and let the patient see
    it on their reminders page, as the reminders do."""
    settings = db.session.get(ReminderSettings, device.patient_id)
    if settings is not None:
        settings.push_lost_at = utcnow()
    db.session.delete(device)
    db.session.flush()
