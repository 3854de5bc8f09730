"""Practice reminders: a patient's settings, their push subscriptions, the reminders
that fell due and each delivery of one (docs/reminders.md)."""

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import ByAccount, NowByDefault, OfPatient, RowId, UTCDateTime

CHANNELS = ("push", "email")  # sent by the scheduler; the calendar rings on the phone
CHANNEL_LABELS = {"push": "notification", "email": "e-mail", "calendar": "calendar"}


class ReminderSettings(db.Model):
    """One patient's reminder choices. No row: reminders are off."""

    __tablename__ = "reminder_settings"

    patient_id: Mapped[OfPatient] = mapped_column(primary_key=True)
    push_on: Mapped[bool] = mapped_column(Boolean, default=False)
    email_on: Mapped[bool] = mapped_column(Boolean, default=False)
    times: Mapped[list] = mapped_column(JSON, default=list)  # "HH:MM", one per slot
    weekdays: Mapped[list] = mapped_column(JSON, default=list)  # 0 = Monday
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    resume_on: Mapped[date | None] = mapped_column(Date)  # paused before this local day
    on_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a channel turned on
    # A therapist's suggestion; the patient decides whether to use it.
    suggested_times: Mapped[list | None] = mapped_column(JSON)
    suggested_by_id: Mapped[ByAccount]
    suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The calendar feed: its URL carries this key, signed (infrastructure/links.py).
    calendar_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    calendar_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What last reached the patient (a shown notification, a sent e-mail, a calendar
    # read), kept here so the caseload reads it with the settings.
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reached_by: Mapped[str | None] = mapped_column(String(8))
    push_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a device dropped
    updated_at: Mapped[NowByDefault]

    suggested_by = relationship("User", foreign_keys="ReminderSettings.suggested_by_id")


class PushSubscription(db.Model):
    """One browser's Web Push subscription (the PushSubscription's JSON)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient] = mapped_column(index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[NowByDefault]


class DueReminder(db.Model):
    """One reminder that fell due: unique per (patient, instant), so two schedulers
    never make two."""

    __tablename__ = "due_reminders"
    __table_args__ = (UniqueConstraint("patient_id", "planned_at", name="uq_due_reminder_instant"),)

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slot: Mapped[int] = mapped_column(Integer)  # 1 = the day's first time
    status: Mapped[str] = mapped_column(String(10), default="sending")  # sending, sent,
    # skipped (see reason) or failed
    reason: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[NowByDefault]

    deliveries: Mapped[list["ReminderDelivery"]] = relationship(
        back_populates="reminder", cascade="all, delete-orphan", order_by="ReminderDelivery.id"
    )


class ReminderDelivery(db.Model):
    """One reminder on one channel (push: one per subscription), with its tries."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        Index("ix_reminder_deliveries_due", "status", "next_attempt_at"),
        Index("ix_reminder_deliveries_patient_sent", "patient_id", "sent_at"),
    )

    id: Mapped[RowId]
    reminder_id: Mapped[int] = mapped_column(
        ForeignKey("due_reminders.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[OfPatient]
    channel: Mapped[str] = mapped_column(String(8))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    # pending (waits for next_attempt_at), sending (claimed by a tick), sent, failed,
    # gone (the subscription is dead) or skipped (see error)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(40))  # a short code, never content
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reminder: Mapped[DueReminder] = relationship(back_populates="deliveries")
