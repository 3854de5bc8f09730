"""A patient's devices for Web Push: adding one (the browser's PushSubscription),
removing one, listing them. Adding a device turns the push channel on."""

import base64
import binascii
from datetime import datetime

from sqlalchemy import delete, select

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import webpush
from ..models import PushSubscription
from ..models.base import utcnow
from . import reminder_settings

ENDPOINT_MAX = 1024


def _key(value, size: int, field: str) -> str:
    """A base64url key of ``size`` bytes (p256dh: 65, an uncompressed P-256 point)."""
    message = "That device key is not valid. Please turn notifications on again."
    if not isinstance(value, str) or len(value) > 200:
        raise Invalid(message, field)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise Invalid(message, field) from None
    if len(raw) != size or (size == 65 and raw[0] != 4):
        raise Invalid(message, field)
    return value.rstrip("=")


def _address(value) -> str:
    """A push address's shape; NUL never (PostgreSQL refuses it in text)."""
    if not isinstance(value, str) or not 0 < len(value) <= ENDPOINT_MAX or "\x00" in value:
        raise Invalid("That push address is not valid.", "endpoint")
    return value


def _endpoint(value) -> str:
    _address(value)
    if not webpush.endpoint_allowed(value):
        raise Invalid("Notifications from that push service are not supported.", "endpoint")
    return value


def subscribe(user, patient_id: int, endpoint, p256dh, auth, now: datetime | None = None):
    """Add (or refresh) this device; a device another patient used moves to this one."""
    access.require(user, access.SET_REMINDERS, patient_id)
    problems = []
    for check, args in ((_endpoint, (endpoint,)), (_key, (p256dh, 65, "keys.p256dh"))):
        try:
            check(*args)
        except Invalid as error:
            problems.append(error)
    try:
        _key(auth, 16, "keys.auth")
    except Invalid as error:
        problems.append(error)
    if problems:
        raise Invalid.all_of(problems)
    now = now or utcnow()
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.patient_id != patient_id
        )
    )
    device = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if device is None:
        device = PushSubscription(patient_id=patient_id, endpoint=endpoint, created_at=now)
        db.session.add(device)
    device.p256dh, device.auth = p256dh.rstrip("="), auth.rstrip("=")
    _push_on(patient_id, now)
    db.session.commit()
    return device


def _push_on(patient_id: int, now: datetime) -> None:
    settings = reminder_settings.settings_of(patient_id) or reminder_settings.new_settings(
        patient_id
    )
    was_on = bool(settings.push_on or settings.email_on or settings.calendar_key)
    settings.push_on, settings.push_lost_at = True, None
    reminder_settings.mark_on(settings, was_on, now)


def unsubscribe(user, patient_id: int, *, endpoint=None, device_id=None) -> None:
    """Remove one device, named by its push address or its id (NotFound if unknown)."""
    access.require(user, access.SET_REMINDERS, patient_id)
    found = select(PushSubscription).where(PushSubscription.patient_id == patient_id)
    if device_id is not None:
        found = found.where(PushSubscription.id == device_id)
    elif endpoint is not None:
        found = found.where(PushSubscription.endpoint == _address(endpoint))
    else:
        raise Invalid("Please say which device to remove.", "endpoint")
    device = db.session.scalar(found)
    if device is None:
        raise NotFound("That device does not get your notifications.")
    db.session.delete(device)
    db.session.commit()


def devices(user, patient_id: int) -> list[PushSubscription]:
    access.require(user, access.VIEW, patient_id)
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.patient_id == patient_id)
            .order_by(PushSubscription.id)
        )
    )
