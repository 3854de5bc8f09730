"""A patient's message thread as one reader sees it: who wrote each message, when, who
has seen it, and which practice session it is about.

Pure: takes loaded messages (any objects with the attributes below) and plain values.
The body stays plain text; the template escapes it (markup is shown as typed).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import formatting

ROLE_NAMES = {"patient": "patient", "therapist": "physical therapist", "clinician": "clinician"}
FORMER = "A former member of the care team"


@dataclass(frozen=True)
class Receipt:
    reader_name: str
    read_at: datetime


@dataclass(frozen=True)
class MessageView:
    id: int
    author: str  # "You", or the author's name and role
    mine: bool
    body: str
    sent_at: datetime
    sent: str  # "Tue 3 Dec 2026, 09:12" in the reader's zone
    new: bool  # unread by this reader until this visit
    seen: str  # "Seen by Alex Doe, 09:15" / "Not seen yet"; only on the reader's own
    session_id: int | None
    session: str | None  # "About the session of Tue 3 Dec 2026, 08:00"


@dataclass(frozen=True)
class ThreadView:
    messages: list[MessageView]  # oldest first
    unread: int  # how many were new to this reader
    more_before: bool  # older messages exist than these


def author_label(author, viewer_id: int) -> str:
    if author is None:
        return FORMER
    if author.id == viewer_id:
        return "You"
    role = ROLE_NAMES.get(author.role, author.role)
    return f"{author.name} ({role})"


def receipts_text(receipts: Sequence[Receipt], zone: ZoneInfo) -> str:
    if not receipts:
        return "Not seen yet"
    first = min(receipts, key=lambda r: r.read_at)
    names = ", ".join(sorted({r.reader_name for r in receipts}))
    return f"Seen by {names} (first {formatting.when(first.read_at.astimezone(zone))})"


def message_view(
    message,
    viewer_id: int,
    zone: ZoneInfo,
    new: bool,
    session_at: datetime | None = None,
) -> MessageView:
    """One message; ``message.reads`` are its receipts (reader and read_at)."""
    mine = message.author_id == viewer_id
    others = [
        Receipt(read.reader.name, read.read_at)
        for read in message.reads
        if read.reader_id != message.author_id and read.reader is not None
    ]
    return MessageView(
        id=message.id,
        author=author_label(message.author, viewer_id),
        mine=mine,
        body=message.body,
        sent_at=message.created_at,
        sent=formatting.when(message.created_at.astimezone(zone)),
        new=new,
        seen=receipts_text(others, zone) if mine else "",
        session_id=message.session_id,
        session=(
            f"About the practice session of {formatting.when(session_at.astimezone(zone))}"
            if session_at is not None
            else None
        ),
    )


def thread_view(
    messages: Iterable,
    viewer_id: int,
    zone: ZoneInfo,
    unread_ids: set[int],
    session_times: dict[int, datetime],
    more_before: bool = False,
) -> ThreadView:
    """The thread oldest first; ``unread_ids`` were new to the viewer before this visit."""
    views = [
        message_view(m, viewer_id, zone, m.id in unread_ids, session_times.get(m.session_id or 0))
        for m in sorted(messages, key=lambda m: (m.created_at, m.id))
    ]
    return ThreadView(views, sum(1 for v in views if v.new), more_before)


def session_choice(session_id: int, performed_at: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """A practice session as the staff's "about this session" choice."""
    return str(session_id), formatting.when(performed_at.astimezone(zone))
