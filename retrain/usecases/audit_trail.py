"""Reading the audit trail: the admin's audit page and its CSV, and a patient's "who
opened my record". Writing and verifying the trail is infrastructure/audit.py's."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..infrastructure import audit
from ..models import ADMIN, STAFF_ROLES, User
from ..models.audit import AuditEvent
from ..models.base import utcnow
from ..presenters.audit_trail import (
    CSV_COLUMNS,
    AuditLine,
    RecordAccess,
    accesses_by_day,
    audit_lines,
    csv_lines,
)

PAGE_SIZE = 100
# What a patient is shown: staff (and admins) who looked at or did something to the
# record; refusals and the patient's own doings are the admin's page's.
SHOWN_TO_PATIENTS = ("ok", "saved")


@dataclass(frozen=True)
class EventFilter:
    actor_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    outcome: str | None = None
    start: date | None = None  # UTC days, inclusive
    end: date | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditLine]  # newest first
    next_before: int | None  # ``before_id`` of the next (older) page; None: the last page
    actions: list[str]  # every action name in the trail, for the filter


def _filtered(f: EventFilter):
    query = select(AuditEvent)
    if f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.patient_id is not None:
        query = query.where(AuditEvent.patient_id == f.patient_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.outcome:
        query = query.where(AuditEvent.outcome == f.outcome)
    if f.start:
        query = query.where(AuditEvent.at >= datetime.combine(f.start, time(0), UTC))
    if f.end:
        # Up to the last instant of that day (not "< the next midnight": 9999-12-31 has none).
        query = query.where(AuditEvent.at <= datetime.combine(f.end, time.max, UTC))
    return query


def audit_page(admin, f: EventFilter | None, *, before_id: int | None = None) -> AuditPage:
    """One page of matching events, newest first, older than ``before_id``; none for a
    filter that is not valid (None): every event would look like an answer to it."""
    access.require_role(admin, ADMIN)
    events = []
    if f is not None:
        query = _filtered(f)
        if before_id:
            query = query.where(AuditEvent.id < before_id)
        events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)))
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    lines = audit_lines(events, _names(events))
    return AuditPage(lines, events[-1].id if len(events) == PAGE_SIZE else None, list(actions))


def _names(events) -> dict[int, str]:
    """The names of the people in ``events`` (actors and patients), in one query."""
    ids = {e.actor_id for e in events} | {e.patient_id for e in events}
    ids.discard(None)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def audit_csv(admin, f: EventFilter) -> Iterator[str]:
    """Every matching event, oldest first, as CSV lines to stream (the export is audited
    now, before the first line)."""
    access.require_role(admin, ADMIN)
    audit.record("export_audit", actor=admin)
    return csv_lines(_every_event(f), CSV_COLUMNS)


def _every_event(f: EventFilter, batch: int = 2000):
    last = 0
    while True:
        rows = db.session.scalars(
            _filtered(f).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from audit_lines(rows, _names(rows))
        last = rows[-1].id
        db.session.expunge_all()


def who_opened(user, patient_id: int, days: int = 365) -> list[RecordAccess]:
    """Who opened or changed this patient's record, what they did and why they could,
    per person, day and action (newest first).

    Only since the account was made: events about the same id from before then are
    about someone else (an id given again before ids were made never to repeat).
    """
    patient = access.require(user, access.VIEW, patient_id)
    since = max(utcnow() - timedelta(days=days), patient.user.created_at)
    rows = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.action, AuditEvent.at)
        .where(
            AuditEvent.patient_id == patient_id,
            AuditEvent.outcome.in_(SHOWN_TO_PATIENTS),
            AuditEvent.actor_role.in_((*STAFF_ROLES, ADMIN)),
            AuditEvent.at >= since,
        )
        .order_by(AuditEvent.at.desc())
    ).all()
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({r.actor_id for r in rows}))
        ).all()
    )
    return accesses_by_day(rows, names)
