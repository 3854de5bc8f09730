"""Messages between a patient and their care team: the thread, writing, marking read.

The rules (who, how long, which session) are usecases/messages.py's; these models only
carry the values. Text only: no attachments.
"""

from datetime import datetime
from functools import partial

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from .. import access
from ..presenters.messages import author_label
from ..usecases import messages
from .core import Strict, out_of, patient_endpoint
from .pagination import Page, PageQuery, page
from .schemas import Id, Text

LIMIT = f"Up to {messages.MAX_MESSAGE:,} characters, text only (no attachments)"


class MessageIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Is twice a day enough?"}]})

    body: Text = Field(description=LIMIT)
    session_id: Id | None = Field(
        None, description="The care team only: one of the patient's practice sessions"
    )


class ReceiptOut(BaseModel):
    reader_id: int
    read_at: datetime


class MessageOut(BaseModel):
    id: int
    author_id: int | None = Field(description="null: a former member of the care team")
    author: str = Field(description='"You", or the author\'s name and role')
    body: str = Field(description="Plain text, as written (show it as text, never as HTML)")
    created_at: datetime
    session_id: int | None = Field(description="The practice session it is about, if any")
    unread: bool = Field(description="Not yet read by you")
    read_by: list[ReceiptOut] = Field(description="Who else has read it, and when")


class MarkedOut(BaseModel):
    marked: int = Field(description="How many messages were unread until now")


def message_out(message) -> MessageOut:
    viewer = current_user.id
    receipts = [r for r in message.reads if r.reader_id != message.author_id]
    return out_of(
        MessageOut,
        message,
        author=author_label(message.author, viewer),
        unread=message.author_id != viewer and all(r.reader_id != viewer for r in message.reads),
        read_by=[ReceiptOut(reader_id=r.reader_id, read_at=r.read_at) for r in receipts],
    )


@patient_endpoint("GET /messages", access.READ_MESSAGES, query=PageQuery, out=Page[MessageOut])
def message_list(patient_id: int, query: PageQuery):
    """The messages between the patient and their care team, newest first (reading them here
    does not mark them read: POST .../messages/read)"""
    rows, cursor = page(partial(messages.thread_messages, current_user, patient_id), query)
    return Page[MessageOut](items=[message_out(m) for m in rows], next_cursor=cursor)


@patient_endpoint("POST /messages", access.MESSAGE, body=MessageIn, out=MessageOut, status=201)
def message_create(patient_id: int, body: MessageIn):
    """Write to the thread (the patient or a member of their care team); the other side gets
    a notice with no clinical text"""
    message = messages.send(current_user, patient_id, body.body, body.session_id)
    return message_out(message)


@patient_endpoint("POST /messages/read", access.MESSAGE, out=MarkedOut)
def message_mark_read(patient_id: int):
    """Mark every message of the thread read by you (read receipts)"""
    return MarkedOut(marked=messages.mark_read(current_user, patient_id))
