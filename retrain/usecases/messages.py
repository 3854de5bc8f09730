"""Secure messages between a patient and their care team (docs/messages.md).

One thread per patient, read and written by the patient and the members of their care
team only (access.READ_MESSAGES, access.MESSAGE: never an admin). Each read is audited
by access.require like any other part of the record. Opening the thread marks what the
reader had not seen as read (a receipt per reader); a new message sends a notice with
no clinical text (usecases/message_notices.py). No attachments: text only.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..infrastructure import jobs, transactions
from ..models import (
    PATIENT,
    CareTeamMember,
    Message,
    MessageRead,
    Patient,
    PracticeSession,
    User,
)
from ..models.base import utcnow
from ..presenters import messages as presenters
from . import message_notices
from .local_time import zone_for
from .paging import newest_first

MAX_MESSAGE = 2000  # characters: a message, not a letter (said on the form and in the API)
PAGE_SIZE = 100  # messages on the page; the whole thread is in the patient's export
SESSION_CHOICES = 30  # the patient's latest sessions staff may link a message to


@dataclass(frozen=True)
class ThreadPage:
    patient: Patient
    thread: presenters.ThreadView
    session_choices: list[tuple[str, str]]  # staff only: (id, "Tue 3 Dec 2026, 09:12")
    max_length: int = MAX_MESSAGE


def checked_body(body) -> str:
    """The message text, or Invalid with what to change (nothing is saved)."""
    if not isinstance(body, str):
        raise Invalid("Write your message as text.", "body")
    if "\x00" in body:
        raise Invalid(
            "Your message has a hidden character (NUL) we cannot keep. Remove it and send again.",
            "body",
        )
    text = body.strip()
    if not text:
        raise Invalid("Write your message first.", "body")
    if len(text) > MAX_MESSAGE:
        raise Invalid(
            f"Keep your message to {MAX_MESSAGE:,} characters (this one has {len(text):,}).",
            "body",
        )
    return text


def _linked_session(user, patient_id: int, session_id) -> int | None:
    if session_id in (None, ""):
        return None
    if user.role == PATIENT:
        raise Invalid("Only the care team links a message to a session.", "session_id")
    found = isinstance(session_id, int) and db.session.scalar(
        select(PracticeSession.id).where(
            PracticeSession.id == session_id, PracticeSession.patient_id == patient_id
        )
    )
    if not found:
        raise Invalid("Choose one of this patient's practice sessions.", "session_id")
    return session_id


def send(user, patient_id: int, body, session_id: int | None = None) -> Message:
    """Add a message to the patient's thread and notify the other side."""
    access.require(user, access.MESSAGE, patient_id)
    text = checked_body(body)
    message = Message(
        patient_id=patient_id,
        author_id=user.id,
        body=text,
        session_id=_linked_session(user, patient_id, session_id),
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    # The writer has read their own message; the notice job runs once this commits.
    db.session.add(
        MessageRead(message_id=message.id, reader_id=user.id, read_at=message.created_at)
    )
    _count_up(patient_id, from_patient=user.role == PATIENT)
    jobs.enqueue(message_notices.notify, message.id)
    db.session.commit()
    return message


def _unread_by(reader_id: int):
    """Messages ``reader_id`` did not write and has no receipt for."""
    seen = (
        select(MessageRead.message_id)
        .where(MessageRead.message_id == Message.id, MessageRead.reader_id == reader_id)
        .exists()
    )
    return and_(or_(Message.author_id.is_(None), Message.author_id != reader_id), ~seen)


def thread_messages(user, patient_id: int, offset: int = 0, count: int = PAGE_SIZE) -> list:
    """The thread newest first (``offset``, ``count``), receipts and authors loaded."""
    access.require(user, access.READ_MESSAGES, patient_id)
    return _newest(patient_id, offset, count)


def _newest(patient_id: int, offset: int, count: int) -> list[Message]:
    loads = (
        joinedload(Message.author),  # many-to-one: in the same query
        selectinload(Message.reads).joinedload(MessageRead.reader),
    )
    return newest_first(Message, patient_id, Message.created_at, offset, count, options=loads)


def thread_page(user, patient_id: int) -> ThreadPage:
    """The thread's page: the latest PAGE_SIZE messages, marked read for ``user``."""
    patient = access.require(user, access.READ_MESSAGES, patient_id)
    rows = _newest(patient_id, 0, PAGE_SIZE + 1)
    shown = rows[:PAGE_SIZE]
    unread = {m.id for m in shown if _is_unread(m, user.id)}
    _mark(user.id, unread)
    zone = zone_for(user)
    linked = {m.session_id for m in shown if m.session_id}
    choices = [] if user.role == PATIENT else _session_choices(patient_id, zone)
    times = _session_times(linked)
    thread = presenters.thread_view(
        shown, user.id, zone, unread, times, more_before=len(rows) > PAGE_SIZE
    )
    return ThreadPage(patient=patient, thread=thread, session_choices=choices)


def _is_unread(message: Message, reader_id: int) -> bool:
    return message.author_id != reader_id and all(r.reader_id != reader_id for r in message.reads)


def _mark(reader_id: int, message_ids: set[int]) -> None:
    """Receipts for these messages; one a second tab made first is kept as it is."""
    if not message_ids:
        return
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(MessageRead).on_conflict_do_nothing()
    rows = [{"message_id": i, "reader_id": reader_id, "read_at": now} for i in message_ids]
    # Opening a thread (a GET) marks it read: a short write of its own, and the count is
    # read again under the write lock (docs/performance.md, "Read/write split").
    with transactions.write_unit():
        db.session.execute(statement, rows)
        recount([reader_id])
        db.session.commit()
    if has_request_context():
        g.pop("_unread_by_patient", None)  # the caseload counts again after this


def mark_read(user, patient_id: int) -> int:
    """Mark every message of the thread read for ``user``; how many were unread."""
    access.require(user, access.MESSAGE, patient_id)
    ids = set(
        db.session.scalars(
            select(Message.id).where(Message.patient_id == patient_id, _unread_by(user.id))
        )
    )
    _mark(user.id, ids)
    return len(ids)


def _session_choices(patient_id: int, zone) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(PracticeSession.id, PracticeSession.performed_at)
        .where(PracticeSession.patient_id == patient_id)
        .order_by(PracticeSession.performed_at.desc())
        .limit(SESSION_CHOICES)
    )
    return [presenters.session_choice(row.id, row.performed_at, zone) for row in rows]


def _session_times(session_ids: set[int]) -> dict[int, datetime]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(PracticeSession.id, PracticeSession.performed_at).where(
            PracticeSession.id.in_(session_ids)
        )
    )
    return {row.id: row.performed_at for row in rows}


def unread_by_patient(user) -> dict[int, int]:
    """Unread messages per thread for ``user`` (a patient: their own thread, from the care
    team; staff: their caseload's threads, from the patients). One query, kept for the
    rest of the request so the navigation and the caseload share it."""
    cache = g.setdefault("_unread_by_patient", None) if has_request_context() else None
    if cache is not None:
        return cache
    counts = _unread_counts(user)
    if has_request_context():
        g._unread_by_patient = counts
    return counts


def _unread_counts(user) -> dict[int, int]:
    query = select(Message.patient_id, func.count()).where(_unread_by(user.id))
    if user.role == PATIENT:
        query = query.where(Message.patient_id == user.id)
    else:
        # Staff count what patients wrote (who is waiting for an answer); a colleague's
        # message to the patient is marked new in the thread but not counted.
        query = query.where(Message.author_id == Message.patient_id)
        query = query.join(
            CareTeamMember,
            and_(
                CareTeamMember.patient_id == Message.patient_id, CareTeamMember.staff_id == user.id
            ),
        )
    return dict(db.session.execute(query.group_by(Message.patient_id)).all())


def unread_total(user) -> int:
    """What the navigation shows: the count kept on the user's row (loaded with the login,
    so no query); 0 for anyone without a thread."""
    if user is None or not user.is_authenticated or user.role not in access.MESSAGING_ROLES:
        return 0
    return user.unread_messages or 0


def _count_up(patient_id: int, *, from_patient: bool) -> None:
    """One more unread message for the other side: the care team when the patient
    wrote, the patient when a member of the care team did (what unread_by_patient counts)."""
    if from_patient:
        readers = select(CareTeamMember.staff_id).where(CareTeamMember.patient_id == patient_id)
        who = User.id.in_(readers)
    else:
        who = User.id == patient_id
    statement = update(User).where(who).values(unread_messages=User.unread_messages + 1)
    db.session.execute(statement.execution_options(synchronize_session=False))


def recount(user_ids) -> None:
    """Count again from the receipts (after a read, a care team change, an erasure): the
    kept count then never drifts from what the threads say. The caller commits."""
    for user in db.session.scalars(select(User).where(User.id.in_(list(user_ids)))):
        if user.role in access.MESSAGING_ROLES:
            user.unread_messages = sum(_unread_counts(user).values())
