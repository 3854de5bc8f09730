"""CSV export of one patient's record: SAQs, practice sessions and injection sites.

One CSV, one row per thing, with a ``kind`` column ("saq", "session", "injection"),
so a spreadsheet can filter by kind without a zip of several files. Columns that do
not apply to a kind are empty. Dates are the patient's local dates; ``performed_at``
is the exact UTC time of a session (ISO 8601).

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
= + - @ (or a tab or carriage return) as a formula. Every text cell that starts with
one of these gets a leading single quote, so it shows as text. Numbers are written as
numbers (none of ours is negative).
"""

import csv
import io
import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access
from ..errors import NotFound
from ..extensions import db
from ..models import InjectionVisit, PracticeSession, QuestionnaireResponse, User
from ..usecases.local_time import zone_for
from ..usecases.questionnaires import instrument

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
    "note",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value) -> str | int | float:
    """A cell value safe to open in a spreadsheet (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        if isinstance(value, float) and (not math.isfinite(value) or value < 0):
            return guard(repr(value))
        if value < 0:
            return guard(str(value))
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _score(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def rows_for(patient_id: int) -> list[dict]:
    """Every exported row, oldest first within each kind (4 queries)."""
    user = db.session.get(User, patient_id)
    if user is None:
        raise NotFound()
    zone = zone_for(user)
    item_keys = instrument().item_keys
    rows: list[dict] = []
    for response in db.session.scalars(
        select(QuestionnaireResponse)
        .where(QuestionnaireResponse.patient_id == patient_id)
        .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)
    ):
        answers = response.answers or []
        pairs = (
            " ".join(f"{k}={a}" for k, a in zip(item_keys, answers, strict=False))
            if len(answers) == len(item_keys)
            else " ".join(str(a) for a in answers)
        )
        rows.append(
            {
                "kind": "saq",
                "date": response.answered_on.isoformat(),
                "instrument": response.instrument,
                "score": _score(response.score),
                "answers": pairs,
            }
        )
    for session in db.session.scalars(
        select(PracticeSession)
        .where(PracticeSession.patient_id == patient_id)
        .order_by(PracticeSession.performed_at, PracticeSession.id)
    ):
        rows.append(
            {
                "kind": "session",
                "date": session.performed_at.astimezone(zone).date().isoformat(),
                "performed_at_utc": session.performed_at.isoformat(),
                "synkinesis_rating": session.synkinesis_rating,
                "effort": session.effort,
                "source": session.source,
                "note": session.note,
            }
        )
    for visit in db.session.scalars(
        select(InjectionVisit)
        .where(InjectionVisit.patient_id == patient_id)
        .order_by(InjectionVisit.injected_on)
        .options(selectinload(InjectionVisit.sites))
    ):
        for site in visit.sites:
            rows.append(
                {
                    "kind": "injection",
                    "date": visit.injected_on.isoformat(),
                    "product": visit.product,
                    "muscle": site.muscle,
                    "side": site.side,
                    "units": site.units,
                    "note": visit.note,
                }
            )
    return rows


def patient_csv(user, patient_id: int) -> str:
    """The patient's record as CSV text (header row first)."""
    if not access.may(user, access.EXPORT, patient_id):
        raise NotFound()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows_for(patient_id):
        writer.writerow({column: guard(row.get(column)) for column in COLUMNS})
    return buffer.getvalue()


def filename(patient_id: int, today: date) -> str:
    return f"retrain-patient-{patient_id}-{today.isoformat()}.csv"
