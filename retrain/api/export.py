"""The patient's whole record: as JSON (GDPR access and portability) and as FHIR R4.

Both are read by usecases/exports.py, which asks access.EXPORT (the patient themself
and their care team; the audit trail notes every export). Photos are listed with the
URLs of their image files (GET them with the same token). The messages between the
patient and their care team are part of it; care-team notes and reinjection decisions
are not, as in the CSV export.
"""

from datetime import date, datetime

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from .. import access
from ..presenters.messages import author_label
from ..usecases import exports
from .core import Out, out_of, patient_endpoint
from .injections import InjectionOut
from .programmes import ProgrammeOut, programme_out
from .saq import SaqOut, saq_out
from .sessions import SessionOut
from .snapshots import SnapshotOut, snapshot_out
from .sunnybrook import GradingOut, grading_out

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


class SaqRequestOut(Out):
    requested_on: date


class ExportMessage(BaseModel):
    id: int
    author: str = Field(description="The author's name and role")
    from_patient: bool
    body: str = Field(description="Plain text, as written")
    created_at: datetime
    session_id: int | None = Field(description="The practice session it is about, if any")


class ExportOut(BaseModel):
    exported_at: datetime
    patient: ExportPatient
    programmes: list[ProgrammeOut] = Field(description="Every version, oldest first")
    sessions: list[SessionOut] = Field(description="Oldest first")
    saq: list[SaqOut] = Field(description="Oldest first")
    saq_requests: list[SaqRequestOut]
    sunnybrook: list[GradingOut] = Field(description="Clinician gradings, oldest first")
    injections: list[InjectionOut] = Field(description="Oldest first")
    snapshots: list[SnapshotOut] = Field(description="Oldest first, with their image URLs")
    messages: list[ExportMessage] = Field(description="With the care team, oldest first")


class FhirBundle(BaseModel):
    """A FHIR R4 Bundle (type collection); see presenters/fhir.py for its content."""

    resourceType: str
    type: str
    timestamp: str
    entry: list[dict]


def _patient_out(record) -> ExportPatient:
    user, patient = record.user, record.patient
    own = ("affected_side", "saq_interval_days", "photo_consent_at")
    return out_of(
        ExportPatient, user, timezone=str(record.zone), **{n: getattr(patient, n) for n in own}
    )


def _message_out(message, patient_id: int) -> ExportMessage:
    return out_of(
        ExportMessage,
        message,
        author=author_label(message.author, viewer_id=0),
        from_patient=message.author_id == patient_id,
    )


@patient_endpoint("GET /export", access.EXPORT, out=ExportOut)
def export(patient_id: int):
    """The patient's whole record as JSON"""
    record = exports.whole_record(current_user, patient_id)
    return ExportOut(
        exported_at=record.exported_at,
        patient=_patient_out(record),
        programmes=[programme_out(p) for p in record.programmes],
        sessions=[SessionOut.model_validate(s) for s in record.sessions],
        saq=[saq_out(q) for q in record.saqs],
        sunnybrook=[GradingOut(**grading_out(g)) for g in record.gradings],
        saq_requests=[SaqRequestOut.model_validate(q) for q in record.saq_requests],
        injections=[InjectionOut.model_validate(v) for v in record.visits],
        snapshots=[snapshot_out(s) for s in record.snapshots],
        messages=[_message_out(m, record.user.id) for m in record.messages],
    )


@patient_endpoint("GET /fhir", access.EXPORT, out=FhirBundle, media_type=FHIR_JSON)
def export_fhir(patient_id: int):
    """The patient's record as a FHIR R4 Bundle (Patient, QuestionnaireResponse and
    Observation for each SAQ, Observation for each daily rating, Observation with components
    for each Sunnybrook grading, Procedure for each injection visit, Communication for each
    message)"""
    response = jsonify(exports.fhir_bundle(current_user, patient_id))
    response.mimetype = FHIR_JSON
    return response
