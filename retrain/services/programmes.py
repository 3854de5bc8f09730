"""Programmes: versions prescribed to a patient, and copyable templates."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Programme, ProgrammeItem


def current_programme(patient_id: int) -> Programme | None:
    """The patient's programme in force (latest version not ended), items and exercises loaded."""
    return db.session.scalar(
        select(Programme)
        .where(Programme.patient_id == patient_id, Programme.ended_on.is_(None))
        .order_by(Programme.version.desc())
        .options(selectinload(Programme.items).selectinload(ProgrammeItem.exercise))
        .limit(1)
    )
