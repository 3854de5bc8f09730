"""Erasure of a patient's record at their request (GDPR art. 17).

Everything about the patient goes: their account, logins and tokens, programmes, practice
sessions, questionnaires, injection visits, notes, decisions and photo files (the
database cascades from the user row). The audit trail stays: it holds ids and actions,
never clinical text, and changing it would break its hash chain.
"""

from sqlalchemy import delete

from ..errors import Invalid
from ..extensions import db
from ..infrastructure import audit, logins
from ..models import PATIENT, User
from ..usecases import snapshots


def erase_patient(user_id: int, *, confirm_email: str, admin: User) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.role != PATIENT:
        raise Invalid("Only patient records can be erased here.")
    if (confirm_email or "").strip().lower() != user.email:
        raise Invalid(
            "Type the patient's e-mail address exactly to confirm.", field="confirm_email"
        )
    snapshots.erase_all_photos(user_id)  # files first: rows without files are harmless
    logins.end_all(user_id)
    # A core DELETE: the database's ON DELETE CASCADE rules remove every dependent row.
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.commit()
    audit.record("erase_patient", patient_id=user_id, actor=admin)
