"""The patient's record as files to download: the CSV, and the zip's README and names.

The CSV has one row per thing, with a ``kind`` column ("saq", "sunnybrook", "session",
"injection"),
so a spreadsheet can filter by kind without a zip of several files. Columns that do
not apply to a kind are empty. Dates are the patient's local dates; ``performed_at``
is the exact UTC time of a session (ISO 8601).

Every cell is guarded against formula injection by presenters/spreadsheet.py, as in
every CSV file Retrain writes.
"""

import re
from dataclasses import dataclass

from .record import PatientRecord
from .spreadsheet import csv_text as spreadsheet_csv

COLUMNS = (
    "kind",
    "date",
    "performed_at_utc",
    "instrument",
    "score",
    "answers",
    "synkinesis_rating",
    "effort",
    "source",
    "product",
    "muscle",
    "side",
    "units",
    "visit_kind",
    "lot",
    "dilution",
    "note",
)
BOM = "\ufeff"  # so a spreadsheet reads the file as UTF-8

README = """Your Retrain record, exported {exported_at} (UTC).

record.fhir.json  Everything in the standard FHIR R4 format (for other health software),
                  including your messages with your care team.
record.csv        Your practice sessions, questionnaires and injections, for a spreadsheet.
photos/           Your photos, named by date and expression.

Care-team notes and reinjection decisions are not included; ask your clinic for them.
"""


@dataclass(frozen=True)
class Download:
    """A file for the browser to save."""

    name: str
    mimetype: str
    data: str | bytes


def _score(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _answers(answers: list[int], item_keys: tuple[str, ...]) -> str:
    """``key=answer`` pairs in the instrument's order; bare answers when they do not fit."""
    if len(answers) != len(item_keys):
        return " ".join(str(a) for a in answers)
    return " ".join(f"{k}={a}" for k, a in zip(item_keys, answers, strict=True))


def _response_rows(kind: str, responses, item_keys: tuple[str, ...]) -> list[dict]:
    """SAQs ("saq") or Sunnybrook gradings ("sunnybrook", the composite as the score):
    each answer by its item key."""
    return [
        {
            "kind": kind,
            "date": response.answered_on.isoformat(),
            "instrument": response.instrument,
            "score": _score(response.score),
            "answers": _answers(response.answers or [], item_keys),
            "source": response.source,
        }
        for response in responses
    ]


def _session_rows(record: PatientRecord) -> list[dict]:
    return [
        {
            "kind": "session",
            "date": session.performed_at.astimezone(record.zone).date().isoformat(),
            "performed_at_utc": session.performed_at.isoformat(),
            "synkinesis_rating": session.synkinesis_rating,
            "effort": session.effort,
            "source": session.source,
            "note": session.note,
        }
        for session in record.sessions
    ]


def _injection_rows(record: PatientRecord) -> list[dict]:
    return [
        {
            "kind": "injection",
            "date": visit.injected_on.isoformat(),
            "product": visit.product,
            "muscle": site.muscle,
            "side": site.side,
            "units": site.units,
            "visit_kind": visit.kind,
            "lot": visit.lot,
            "dilution": visit.dilution,
            "note": visit.note,
        }
        for visit in record.visits
        for site in visit.sites
    ]


def csv_rows(record: PatientRecord) -> list[dict]:
    """Every exported row, oldest first within each kind."""
    grading_keys = record.grading_instrument.item_keys if record.grading_instrument else ()
    return (
        _response_rows("saq", record.saqs, record.instrument.item_keys)
        + _response_rows("sunnybrook", record.gradings, grading_keys)
        + _session_rows(record)
        + _injection_rows(record)
    )


def csv_text(record: PatientRecord) -> str:
    """The record as CSV text (header row first, every cell guarded)."""
    rows = ([row.get(column) for column in COLUMNS] for row in csv_rows(record))
    return spreadsheet_csv(rows, COLUMNS)


def file_name(record: PatientRecord, extension: str) -> str:
    return f"retrain-patient-{record.user.id}-{record.exported_on.isoformat()}.{extension}"


def csv_download(record: PatientRecord) -> Download:
    return Download(file_name(record, "csv"), "text/csv", BOM + csv_text(record))


def readme(record: PatientRecord) -> str:
    return README.format(exported_at=f"{record.exported_at:%Y-%m-%d %H:%M}")


def photo_name(snapshot) -> str:
    """photos/<date>_<time>_<expression>_<id>.jpg: sorts by time, unique by id."""
    expression = re.sub(r"[^a-z0-9]+", "-", snapshot.expression.lower()).strip("-")
    return f"photos/{snapshot.taken_at:%Y-%m-%d_%H%M%S}_{expression}_{snapshot.id}.jpg"
