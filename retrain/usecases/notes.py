"""What the care team writes about a patient: notes, and the clinician's reinjection
decision (the review page lists both)."""

from __future__ import annotations

from datetime import date, timedelta

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..models import DECISIONS, PatientNote, ReinjectionDecision
from .local_time import patient_today

MAX_NOTE = 5000
MAX_DECISION_NOTE = 2000
MAX_WAIT = timedelta(days=365)


def add_note(user, patient_id: int, body: str | None) -> PatientNote:
    access.require(user, access.WRITE_NOTE, patient_id)
    text = (body or "").strip()
    if not text:
        raise Invalid("Write the note first.", "body")
    if len(text) > MAX_NOTE:
        raise Invalid(f"Keep the note under {MAX_NOTE:,} characters.", "body")
    note = PatientNote(patient_id=patient_id, author_id=user.id, body=text)
    db.session.add(note)
    db.session.commit()
    return note


def record_decision(
    user,
    patient_id: int,
    *,
    decision: str | None,
    wait_until: date | None,
    note: str | None,
    today: date | None = None,
) -> ReinjectionDecision:
    """Keep the clinician's decision, dated ``today`` (default: today in the patient's zone)."""
    access.require(user, access.DECIDE, patient_id)
    today = today or patient_today(patient_id)
    wait_until = _wait_until(decision, wait_until, today)
    text = (note or "").strip()
    if len(text) > MAX_DECISION_NOTE:
        raise Invalid(f"Keep the note under {MAX_DECISION_NOTE:,} characters.", "note")
    if decision == "adjust_doses" and not text:
        raise Invalid("Say which doses to change and how.", "note")
    row = ReinjectionDecision(
        patient_id=patient_id,
        decided_on=today,
        decision=decision,
        wait_until=wait_until,
        note=text or None,
        clinician_id=user.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _wait_until(decision: str | None, wait_until: date | None, today: date) -> date | None:
    """The day to wait until: needed for "wait_until" (after today, within a year), dropped
    for the other decisions."""
    if decision not in DECISIONS:
        raise Invalid("Choose a decision.", "decision")
    if decision != "wait_until":
        return None
    if wait_until is None:
        raise Invalid("Enter the date to wait until.", "wait_until")
    if wait_until <= today:
        raise Invalid("The date to wait until must be after today.", "wait_until")
    if wait_until > today + MAX_WAIT:
        raise Invalid("Choose a date within the next year.", "wait_until")
    return wait_until
