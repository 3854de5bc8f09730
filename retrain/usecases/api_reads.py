"""Reads the JSON API needs and the pages do not (issue 5). Read-only: every rule about
what is stored stays in the service that stores it."""

from sqlalchemy import select

from ..extensions import db
from ..models import PracticeSession, Snapshot


def session_id_for_key(patient_id: int, key: str | None) -> int | None:
    """The id of the session already stored with this Idempotency-Key, if any.

    Only tells the API whether a retry found an earlier session (200) or stored a new
    one (201); services.practice.log_session alone decides what is stored.
    """
    if not key:
        return None
    return db.session.scalar(
        select(PracticeSession.id).where(
            PracticeSession.patient_id == patient_id, PracticeSession.idempotency_key == key
        )
    )


def snapshots_page(patient_id: int, offset: int, count: int) -> list[Snapshot]:
    """The patient's snapshots, newest first, ``count`` of them from ``offset``."""
    return list(
        db.session.scalars(
            select(Snapshot)
            .where(Snapshot.patient_id == patient_id)
            .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
            .offset(offset)
            .limit(count)
        )
    )
