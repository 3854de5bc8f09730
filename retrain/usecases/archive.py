"""The patient's whole record in one zip (GDPR articles 15 and 20).

Inside: record.fhir.json (FHIR R4 Bundle: the machine-readable record), record.csv
(the same data as the CSV download, for a spreadsheet), photos/ (every snapshot as the
stored JPEG, named by date and expression) and README.txt saying what is where.
The caller has asked access.py for access.EXPORT.
"""

import io
import json
import re
import zipfile

from ..infrastructure.storage import NotStored, snapshot_storage
from ..presenters import fhir
from ..usecases import exports, record

README = """Your Retrain record, exported {exported_at} (UTC).

record.fhir.json  Everything in the standard FHIR R4 format (for other health software).
record.csv        Your practice sessions, questionnaires and injections, for a spreadsheet.
photos/           Your photos, named by date and expression.

Care-team notes and reinjection decisions are not included; ask your clinic for them.
"""


def _photo_name(snapshot) -> str:
    expression = re.sub(r"[^a-z0-9]+", "-", snapshot.expression.lower()).strip("-")
    return f"photos/{snapshot.taken_at:%Y-%m-%d_%H%M%S}_{expression}_{snapshot.id}.jpg"


def patient_zip(user, patient_id: int) -> bytes:
    r = record.load(patient_id)
    storage = snapshot_storage()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(exported_at=f"{r.exported_at:%Y-%m-%d %H:%M}"))
        archive.writestr("record.fhir.json", json.dumps(fhir.bundle(r), indent=2))
        archive.writestr("record.csv", "\ufeff" + exports.patient_csv(user, patient_id))
        for snapshot in r.snapshots:
            try:
                data = storage.get(snapshot.storage_key)
            except NotStored:
                continue  # listed in the FHIR record; the file itself is gone
            # JPEGs are compressed already: store them as they are.
            archive.writestr(_photo_name(snapshot), data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
