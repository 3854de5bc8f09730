"""One patient's whole record, read in a fixed number of queries (issue 5).

For the JSON export (GDPR articles 15 and 20: access and portability) and the FHIR
Bundle. Read-only; the caller has asked access.py (access.EXPORT). Care-team notes and
reinjection decisions stay out, as in the CSV export (services.exports).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from ..models import (
    InjectionVisit,
    Patient,
    PracticeItem,
    PracticeSession,
    Programme,
    ProgrammeItem,
    QuestionnaireRequest,
    QuestionnaireResponse,
    Snapshot,
    User,
)
from ..models.base import utcnow
from ..usecases.local_time import zone_for


@dataclass(frozen=True)
class PatientRecord:
    exported_at: datetime
    user: User
    patient: Patient
    zone: ZoneInfo
    programmes: list[Programme]  # oldest version first, items and exercises loaded
    sessions: list[PracticeSession]  # oldest first, items and exercises loaded
    saqs: list[QuestionnaireResponse]  # oldest first
    saq_requests: list[QuestionnaireRequest]  # by day
    visits: list[InjectionVisit]  # oldest first, sites loaded
    snapshots: list[Snapshot]  # oldest first


def _all(statement) -> list:
    return list(db.session.scalars(statement))


def load(patient_id: int) -> PatientRecord:
    user = db.session.get(User, patient_id)
    patient = db.session.get(Patient, patient_id)
    if user is None or patient is None:
        raise NotFound()
    return PatientRecord(
        exported_at=utcnow(),
        user=user,
        patient=patient,
        zone=zone_for(user),
        programmes=_all(
            select(Programme)
            .where(Programme.patient_id == patient_id)
            .order_by(Programme.version)
            .options(
                selectinload(Programme.items).selectinload(ProgrammeItem.exercise),
                selectinload(Programme.created_by),
            )
        ),
        sessions=_all(
            select(PracticeSession)
            .where(PracticeSession.patient_id == patient_id)
            .order_by(PracticeSession.performed_at, PracticeSession.id)
            .options(selectinload(PracticeSession.items).selectinload(PracticeItem.exercise))
        ),
        saqs=_all(
            select(QuestionnaireResponse)
            .where(QuestionnaireResponse.patient_id == patient_id)
            .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)
        ),
        saq_requests=_all(
            select(QuestionnaireRequest)
            .where(QuestionnaireRequest.patient_id == patient_id)
            .order_by(QuestionnaireRequest.requested_on, QuestionnaireRequest.id)
        ),
        visits=_all(
            select(InjectionVisit)
            .where(InjectionVisit.patient_id == patient_id)
            .order_by(InjectionVisit.injected_on)
            .options(selectinload(InjectionVisit.sites))
        ),
        snapshots=_all(
            select(Snapshot)
            .where(Snapshot.patient_id == patient_id)
            .order_by(Snapshot.taken_at, Snapshot.id)
        ),
    )
