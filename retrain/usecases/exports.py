"""Taking a patient's whole record out (GDPR articles 15 and 20: access and portability):
as JSON and FHIR R4 for the API, as a CSV and as a zip for the pages.

Each asks access.require(EXPORT) once (the patient themself and their care team; the
audit trail notes every export), then reads the record in a fixed number of queries.
"""

import io
import json
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access
from ..extensions import db
from ..infrastructure.storage import NotStored, snapshot_storage
from ..models import (
    InjectionVisit,
    Message,
    PracticeItem,
    PracticeSession,
    Programme,
    ProgrammeItem,
    QuestionnaireRequest,
    Snapshot,
)
from ..models.base import utcnow
from ..presenters import fhir, record_files
from ..presenters.record import PatientRecord
from ..presenters.record_files import Download
from ..usecases import questionnaires
from ..usecases.local_time import zone_for
from .clinic_settings import SUNNYBROOK, grading_instrument


def whole_record(user, patient_id: int) -> PatientRecord:
    """The record for the API's JSON export."""
    return _load(access.require(user, access.EXPORT, patient_id))


def fhir_bundle(user, patient_id: int) -> dict:
    """The record as a FHIR R4 Bundle (presenters/fhir.py)."""
    return fhir.bundle(whole_record(user, patient_id))


def csv_file(user, patient_id: int) -> Download:
    """Sessions, questionnaires and injections as one CSV (presenters/record_files.py)."""
    return record_files.csv_download(whole_record(user, patient_id))


def zip_file(user, patient_id: int) -> Download:
    """Everything in one zip: record.fhir.json, record.csv, photos/ and a README."""
    record = whole_record(user, patient_id)
    storage = snapshot_storage()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", record_files.readme(record))
        archive.writestr("record.fhir.json", json.dumps(fhir.bundle(record), indent=2))
        archive.writestr("record.csv", record_files.BOM + record_files.csv_text(record))
        for snapshot in record.snapshots:
            try:
                data = storage.get(snapshot.storage_key)
            except NotStored:
                continue  # listed in the FHIR record; the file itself is gone
            # JPEGs are compressed already: store them as they are.
            name = record_files.photo_name(snapshot)
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    name = record_files.file_name(record, "zip")
    return Download(name, "application/zip", buffer.getvalue())


def _all(statement) -> list:
    return list(db.session.scalars(statement))


def _load(patient) -> PatientRecord:
    """A fixed number of queries, however long the record (children by selectinload)."""
    patient_id = patient.id
    return PatientRecord(
        exported_at=utcnow(),
        user=patient.user,
        patient=patient,
        zone=zone_for(patient.user),
        instrument=questionnaires.instrument(),
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
        saqs=_all(questionnaires.responses_of(patient_id, questionnaires.SAQ)),
        grading_instrument=grading_instrument(),
        gradings=_all(questionnaires.responses_of(patient_id, SUNNYBROOK)),
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
        messages=_all(
            select(Message)
            .where(Message.patient_id == patient_id)
            .order_by(Message.created_at, Message.id)
            .options(selectinload(Message.author))
        ),
    )
