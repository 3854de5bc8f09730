"""Erasure of a patient's record at their request (GDPR art. 17), by an admin.

Everything about the patient goes: their account, logins and tokens, programmes, practice
sessions, questionnaires, injection visits, notes, decisions, the message thread with
its read receipts, and photo files (the database cascades from the user row). The audit
trail stays: it holds ids and actions, never clinical text, and changing it would break
its hash chain.
"""

from sqlalchemy import delete, select

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import audit, logins
from ..models import ADMIN, PATIENT, CareTeamMember, User
from ..usecases import messages, snapshots


def patient_to_erase(admin, user_id: int) -> User:
    """The patient's account, for the page that asks to confirm; NotFound for any other."""
    access.require_role(admin, ADMIN)
    user = db.session.get(User, user_id)
    if user is None or user.role != PATIENT:
        raise NotFound()
    return user


def erase_patient(admin, user_id: int, *, confirm_email: str) -> None:
    """Erase the record once the admin has typed the patient's e-mail address."""
    user = patient_to_erase(admin, user_id)
    if (confirm_email or "").strip().lower() != user.email:
        raise Invalid(
            "Type the patient's e-mail address exactly to confirm.", field="confirm_email"
        )
    snapshots.erase_all_photos(user_id)  # files first: rows without files are harmless
    logins.end_all(user_id)
    team = list(
        db.session.scalars(
            select(CareTeamMember.staff_id).where(CareTeamMember.patient_id == user_id)
        )
    )
    # A core DELETE: the database's ON DELETE CASCADE rules remove every dependent row.
    db.session.execute(delete(User).where(User.id == user_id))
    messages.recount(team)  # the thread is gone: its messages wait for nobody
    db.session.commit()
    audit.record("erase_patient", patient_id=user_id, actor=admin)
