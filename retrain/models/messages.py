"""Secure messages between a patient and their care team: one thread per patient.

A message belongs to the patient's thread (erased with the patient); its author is the
patient or a member of the care team (kept as "a former member" if that account goes).
A read is one row per (message, reader): the patient and each member of the care team
have their own receipts and their own unread count.
"""

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import ByAccount, NowByDefault, OfAccount, OfPatient, RowId


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_patient_created", "patient_id", "created_at"),)

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    author_id: Mapped[ByAccount]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[NowByDefault]
    # Staff may point at one of the patient's practice sessions ("about Tuesday's session").
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="SET NULL")
    )

    author = relationship("User")
    reads: Mapped[list["MessageRead"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageRead.read_at"
    )


class MessageRead(db.Model):
    """A read receipt: ``reader`` first saw ``message`` at ``read_at``."""

    __tablename__ = "message_reads"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[OfAccount] = mapped_column(primary_key=True, index=True)
    read_at: Mapped[NowByDefault]

    message: Mapped[Message] = relationship(back_populates="reads")
    reader = relationship("User")
