"""Reads the JSON API needs and the pages do not (issue 5). Read-only: every rule about
what is stored stays in the service that stores it."""

from sqlalchemy import select

from ..extensions import db
from ..models import PracticeSession, QuestionnaireResponse


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


def saq_page(patient_id: int, instrument: str, offset: int, count: int) -> list:
    """The patient's answers to ``instrument``, newest first."""
    return list(
        db.session.scalars(
            select(QuestionnaireResponse)
            .where(
                QuestionnaireResponse.patient_id == patient_id,
                QuestionnaireResponse.instrument == instrument,
            )
            .order_by(QuestionnaireResponse.answered_on.desc(), QuestionnaireResponse.id.desc())
            .offset(offset)
            .limit(count)
        )
    )
