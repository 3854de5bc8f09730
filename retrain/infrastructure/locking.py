"""Serialise read-then-write use cases per patient.

Some writes depend on what was read first (the programme version in force, whether
today's SAQ exists). SQLite already runs one writer at a time (BEGIN IMMEDIATE); on
PostgreSQL two requests can read the same state and both write. Locking the patient's row
first makes them take turns. FOR NO KEY UPDATE does not block inserts that merely refer
to the patient (sessions, audit rows). Measured by tests/load: without it, concurrent
programme saves left two versions in force and concurrent first SAQs stored two rows.
"""

from sqlalchemy import select

from ..extensions import db
from ..models import Patient


def lock_patient(patient_id: int) -> None:
    """Hold the patient's row until the current transaction ends (no-op on SQLite)."""
    db.session.execute(
        select(Patient.id).where(Patient.id == patient_id).with_for_update(key_share=True)
    )
