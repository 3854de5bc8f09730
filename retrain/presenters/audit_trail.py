"""The audit trail as people read it: the admin's page and CSV download (names beside
ids), and a patient's "who opened my record": who, what, when and why, per day."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from . import spreadsheet

FORMER_STAFF = "A former staff member"
ERASED_PATIENT = "an erased record"

# What a member of staff did to a patient's record, in the patient's words.
WHAT_FOR_PATIENTS = {
    "view": "looked at your record",
    "export": "downloaded your record",
    "prescribe": "changed your exercise programme",
    "record_injection": "recorded or changed an injection visit",
    "decide": "recorded a treatment decision",
    "write_note": "wrote a care-team note",
    "set_saq_schedule": "changed when you are asked questionnaires",
    "enter_saq": "entered a questionnaire answered on paper",
    "grade_face": "graded your face movements (Sunnybrook scale)",
    "set_expressions": "chose the expressions for your photos",
    "suggest_reminders": "suggested reminder times",
    "message": "wrote you a message",
    "read_messages": "read your messages",
    "invite": "made you a new sign-in link",
    "new_invitation": "made you a new sign-in link",
    "reset_password": "made a link to set a new password",
    "password_reset_email": "sent you an e-mail to set a new password",
    "email_invitation": "e-mailed you your sign-in link",
    "care_team_add": "added someone to your care team",
    "care_team_remove": "removed someone from your care team",
}
# Why they could: the reason category of each action.
CARE, ADMINISTRATION = "Your care", "Running your account"
ADMIN_ACTIONS = {
    "care_team_add",
    "care_team_remove",
    "new_invitation",
    "reset_password",
    "password_reset_email",
    "email_invitation",
}


@dataclass(frozen=True)
class RecordAccess:
    actor_name: str
    actor_role: str
    day: date  # UTC
    what: str
    why: str
    times: int


def accesses_by_day(
    rows: Iterable[tuple[int, str, str, datetime]], names: dict[int, str]
) -> list[RecordAccess]:
    """(actor id, role, action, when) rows, newest first, counted per person, day and
    action in the order met (so newest first too). A person no longer in ``names`` is
    former staff."""
    counts: dict[tuple[int, str, date, str], int] = {}
    for actor_id, role, action, at in rows:
        key = (actor_id, role, at.date(), action)
        counts[key] = counts.get(key, 0) + 1
    return [
        RecordAccess(
            names.get(actor_id, FORMER_STAFF),
            role,
            day,
            WHAT_FOR_PATIENTS.get(action, action.replace("_", " ")),
            ADMINISTRATION if action in ADMIN_ACTIONS else CARE,
            times,
        )
        for (actor_id, role, day, action), times in counts.items()
    ]


@dataclass(frozen=True)
class AuditLine:
    """One event with the names of the people in it, for the admin's page and CSV."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    action: str
    patient_record_no: int | None  # Retrain's record number is the patient's id
    patient_name: str | None
    target: str | None
    outcome: str
    reason: str | None
    request_id: str | None
    address: str | None
    seq: int | None  # None until sealed
    hash: str | None


CSV_COLUMNS = tuple(AuditLine.__dataclass_fields__)


def audit_lines(events: Iterable, names: dict[int, str]) -> list[AuditLine]:
    """Events with names: ``names`` maps account ids to names; an id no longer there is
    former staff, or an erased patient's record."""
    return [
        AuditLine(
            id=e.id,
            at=e.at,
            actor_id=e.actor_id,
            actor_name=names.get(e.actor_id, FORMER_STAFF) if e.actor_id else None,
            actor_role=e.actor_role,
            action=e.action,
            patient_record_no=e.patient_id,
            patient_name=names.get(e.patient_id, ERASED_PATIENT) if e.patient_id else None,
            target=e.target,
            outcome=e.outcome,
            reason=e.reason,
            request_id=e.request_id,
            address=e.address,
            seq=e.seq,
            hash=e.hash,
        )
        for e in events
    ]


def csv_lines(events: Iterable, columns: tuple[str, ...]) -> Iterator[str]:
    """The header, then one CSV line per event (each value read as the column's attribute),
    one at a time so a long trail streams; every cell guarded (presenters/spreadsheet.py)."""
    rows = ([getattr(event, column) for column in columns] for event in events)
    return spreadsheet.csv_lines(rows, columns)
