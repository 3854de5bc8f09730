"""The Sunnybrook Facial Grading System, graded by the care team (access.GRADE_FACE).

Kept like the SAQ (a QuestionnaireResponse of instrument "sunnybrook"): every item's
grade in item order, and the composite as its score (retrain.progress.graded; docs/
progress.md, "Sunnybrook"). A grading is dated on or before the patient's today; one
per day per patient, replaced only when the clinician confirms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import QuestionnaireResponse
from ..progress.graded import GradedInstrument, grade
from .clinic_settings import SUNNYBROOK, grading_instrument
from .local_time import patient_today
from .questionnaires import check_past_day, responses_of, store_response


@dataclass(frozen=True)
class GradingForm:
    instrument: GradedInstrument
    patient_id: int
    patient_name: str
    today: date


def grading_form(user, patient_id: int) -> GradingForm:
    patient = access.require(user, access.GRADE_FACE, patient_id)
    return GradingForm(grading_instrument(), patient_id, patient.name, patient_today(patient_id))


def check_grades(inst: GradedInstrument, raw: Mapping[str, object]) -> list[int]:
    """One whole number per item on its own scale, in item order; Invalid naming every
    item that is missing or off its scale."""
    values, errors = [], []
    for number, item in enumerate(inst.items, start=1):
        text = str(raw.get(item.key) if raw.get(item.key) is not None else "").strip()
        low, high = item.scale.min, item.scale.max
        value = int(text) if text.isdigit() else None
        if value is None or not low <= value <= high:
            message = (
                f"Grade item {number} ({item.text})."
                if not text
                else f"Item {number}: choose a grade from {low} to {high}."
            )
            errors.append(Invalid(message, item.key))
            continue
        values.append(value)
    if errors:
        raise Invalid.all_of(errors)
    return values


def record_grading(
    user,
    patient_id: int,
    answers: Mapping[str, object],
    graded_on: date | None,
    *,
    replace: bool = False,
    today: date | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """Save a grading; returns (response, replaced)."""
    access.require(user, access.GRADE_FACE, patient_id)
    day = check_past_day(graded_on, today or patient_today(patient_id), "graded_on")
    lock_patient(patient_id)
    inst = grading_instrument()
    values = check_grades(inst, answers)
    composite = grade(inst, values).composite
    return store_response(patient_id, SUNNYBROOK, day, values, composite, user, replace=replace)


def gradings_of(user, patient_id: int) -> list[QuestionnaireResponse]:
    """The patient's gradings, oldest first (the API's list)."""
    access.require(user, access.VIEW, patient_id)
    return list(db.session.scalars(responses_of(patient_id, SUNNYBROOK)))
