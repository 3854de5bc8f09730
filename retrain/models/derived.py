"""Derived figures: one row per patient, kept up to date in the transaction of every write
that changes them (retrain/usecases/derived.py; docs/performance.md, "Derived figures")."""

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import OfPatient, UTCDateTime, utcnow


class PatientFigures(db.Model):
    """What the caseload reads instead of the patient's history. Date-independent facts
    only (retrain/progress/derived.py): pages finish them for their day."""

    __tablename__ = "patient_figures"

    patient_id: Mapped[OfPatient] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))  # the zone the local days were taken in
    session_count: Mapped[int] = mapped_column(Integer, default=0)
    last_session_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"YYYY-MM-DD": sessions} over the 28 local days ending on the latest session's day
    recent_days: Mapped[dict] = mapped_column(JSON, default=dict)
    clinical: Mapped[dict] = mapped_column(JSON, default=dict)  # progress.derived.ClinicalFacts
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
