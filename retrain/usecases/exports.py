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


def _of(model, patient_id: int, order: tuple, *options) -> list:
    """Every row of ``model`` in the patient's record, in ``order``."""
    rows = select(model).where(model.patient_id == patient_id).order_by(*order).options(*options)
    return _all(rows)


def _load(patient) -> PatientRecord:
    """A fixed number of queries, however long the record (children by selectinload)."""
    patient_id = patient.id
    return PatientRecord(
        exported_at=utcnow(),
        user=patient.user,
        patient=patient,
        zone=zone_for(patient.user),
        instrument=questionnaires.instrument(),
        programmes=_of(
            Programme,
            patient_id,
            (Programme.version,),
            selectinload(Programme.items).selectinload(ProgrammeItem.exercise),
            selectinload(Programme.created_by),
        ),
        sessions=_of(
            PracticeSession,
            patient_id,
            (PracticeSession.performed_at, PracticeSession.id),
            selectinload(PracticeSession.items).selectinload(PracticeItem.exercise),
        ),
        saqs=_all(questionnaires.responses_of(patient_id, questionnaires.SAQ)),
        grading_instrument=grading_instrument(),
        gradings=_all(questionnaires.responses_of(patient_id, SUNNYBROOK)),
        saq_requests=_of(
            QuestionnaireRequest,
            patient_id,
            (QuestionnaireRequest.requested_on, QuestionnaireRequest.id),
        ),
        visits=_of(
            InjectionVisit,
            patient_id,
            (InjectionVisit.injected_on,),
            selectinload(InjectionVisit.sites),
        ),
        snapshots=_of(Snapshot, patient_id, (Snapshot.taken_at, Snapshot.id)),
        messages=_of(
            Message,
            patient_id,
            (Message.created_at, Message.id),
            selectinload(Message.author),
        ),
    )
