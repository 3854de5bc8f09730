"""The patient's whole record: as JSON (GDPR access and portability) and as FHIR R4.

Both are read through services.record, after access.EXPORT (the patient themself and
their care team; the audit trail notes every export). Photos are listed with the URLs
of their image files (GET them with the same token). Care-team notes and reinjection
decisions are not part of the export, as in the CSV export.
"""

from datetime import date, datetime

from flask import jsonify
from pydantic import BaseModel, Field

from .. import access
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..presenters import fhir
from ..usecases import record
from .core import endpoint, reply
from .injections import InjectionOut, injection_out
from .programmes import ProgrammeOut, programme_out
from .saq import SaqOut
from .sessions import SessionOut, session_out
from .snapshots import SnapshotOut, snapshot_out

CLINICAL = (PATIENT, THERAPIST, CLINICIAN)
FHIR_JSON = "application/fhir+json"


class ExportPatient(BaseModel):
    id: int
    name: str
    email: str
    affected_side: str
    timezone: str
    created_at: datetime
    saq_interval_days: int
    photo_consent_at: datetime | None


class SaqRequestOut(BaseModel):
    requested_on: date


class ExportOut(BaseModel):
    exported_at: datetime
    patient: ExportPatient
    programmes: list[ProgrammeOut] = Field(description="Every version, oldest first")
    sessions: list[SessionOut] = Field(description="Oldest first")
    saq: list[SaqOut] = Field(description="Oldest first")
    saq_requests: list[SaqRequestOut]
    injections: list[InjectionOut] = Field(description="Oldest first")
    snapshots: list[SnapshotOut] = Field(description="Oldest first, with their image URLs")


class FhirBundle(BaseModel):
    """A FHIR R4 Bundle (type collection); see services/fhir.py for its content."""

    resourceType: str
    type: str
    timestamp: str
    entry: list[dict]


@endpoint(
    "/patients/<patient_id>/export",
    "GET",
    summary="The patient's whole record as JSON",
    roles=CLINICAL,
    patient=access.EXPORT,
    responses={200: ExportOut},
)
def export(patient):
    r = record.load(patient.id)
    user = r.user
    return reply(
        ExportOut(
            exported_at=r.exported_at,
            patient=ExportPatient(
                id=user.id,
                name=user.name,
                email=user.email,
                affected_side=r.patient.affected_side,
                timezone=str(r.zone),
                created_at=user.created_at,
                saq_interval_days=r.patient.saq_interval_days,
                photo_consent_at=r.patient.photo_consent_at,
            ),
            programmes=[programme_out(p) for p in r.programmes],
            sessions=[session_out(s) for s in r.sessions],
            saq=[
                SaqOut(id=q.id, answered_on=q.answered_on, score=q.score, answers=q.answers or [])
                for q in r.saqs
            ],
            saq_requests=[SaqRequestOut(requested_on=q.requested_on) for q in r.saq_requests],
            injections=[injection_out(v) for v in r.visits],
            snapshots=[snapshot_out(s) for s in r.snapshots],
        )
    )


@endpoint(
    "/patients/<patient_id>/fhir",
    "GET",
    summary="The patient's record as a FHIR R4 Bundle (Patient, QuestionnaireResponse and "
    "Observation for each SAQ, Observation for each daily rating, Procedure for each "
    "injection visit)",
    roles=CLINICAL,
    patient=access.EXPORT,
    responses={200: FhirBundle},
    media_type=FHIR_JSON,
)
def export_fhir(patient):
    response = jsonify(fhir.bundle(record.load(patient.id)))
    response.mimetype = FHIR_JSON
    return response
