"""Validated questionnaires (SAQ) and what staff write about progress."""

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Index,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import ByAccount, NowByDefault, OfPatient, RowId

# How a response came in: answered in the app (by the patient), entered by staff from a
# paper form, or imported from an earlier record (a CSV of past answers).
RESPONSE_SOURCES = ("app", "paper", "import")


class QuestionnaireResponse(db.Model):
    """One completed instrument (the SAQ, a Sunnybrook grading): every item answer kept,
    and the score. An imported SAQ may hold the total score only (``score_only``, no
    answers)."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        Index("ix_questionnaire_responses_patient_answered", "patient_id", "answered_on"),
        CheckConstraint(f"source IN {RESPONSE_SOURCES!r}", name="source_known"),
    )

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    instrument: Mapped[str] = mapped_column(String(32))  # e.g. "saq"
    answered_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[list] = mapped_column(JSON)  # item answers in instrument order
    score: Mapped[float] = mapped_column(Float)
    entered_by_id: Mapped[ByAccount]
    source: Mapped[str] = mapped_column(String(16), default="app", server_default="app")
    score_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[NowByDefault]


class QuestionnaireRequest(db.Model):
    """A clinician asks for an SAQ on a chosen day (e.g. day 14 after injection)."""

    __tablename__ = "questionnaire_requests"

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient] = mapped_column(index=True)
    instrument: Mapped[str] = mapped_column(String(32))
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[ByAccount]
    created_at: Mapped[NowByDefault]


class PatientNote(db.Model):
    """A note by a member of the care team (e.g. the therapist's observations)."""

    __tablename__ = "patient_notes"

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient] = mapped_column(index=True)
    author_id: Mapped[ByAccount]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[NowByDefault]
