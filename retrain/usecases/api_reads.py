"""Reads the JSON API needs and the pages do not (issue 5). Read-only: every rule about
what is stored stays in the service that stores it."""

from sqlalchemy import select

from ..extensions import db
from ..models import QuestionnaireResponse


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
