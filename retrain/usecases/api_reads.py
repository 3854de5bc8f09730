"""Reads the JSON API needs and the pages do not. Read-only: every rule about what is
stored stays in the use case that stores it."""

from sqlalchemy import select

from ..extensions import db
from ..models import PracticeSession


def session_id_for_key(patient_id: int, key: str | None) -> int | None:
    """The id of the session already stored with this Idempotency-Key, if any.

    Only tells the API whether a retry found an earlier session (200) or stored a new
    one (201); practice.log_session alone decides what is stored.
    """
    if not key:
        return None
    return db.session.scalar(
        select(PracticeSession.id).where(
            PracticeSession.patient_id == patient_id, PracticeSession.idempotency_key == key
        )
    )
