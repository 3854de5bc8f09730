"""The Sunnybrook Facial Grading System (Ross et al., Otolaryngol Head Neck Surg 1996):
graded by the care team, read by the patient and their care team.

``answers`` are the thirteen grades in the instrument's order: resting symmetry (eye
0-1, cheek 0-2, mouth 0-1), voluntary movement (brow lift, gentle eye closure,
open-mouth smile, snarl, lip pucker; each 1-5), synkinesis (the same five; each 0-3).
Composite = voluntary x 4 sum - resting x 5 sum - synkinesis sum (usecases.gradings,
docs/progress.md). One grading per day: another on a graded day answers 409 unless
``replace`` is true (then 200).
"""

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from .. import access
from ..errors import Invalid
from ..models import CLINICIAN, THERAPIST
from ..progress.graded import grade
from ..usecases import gradings
from ..usecases.clinic_settings import grading_instrument
from ..usecases.local_time import patient_today
from .core import ApiError, Strict, patient_endpoint, problem_fields, reply
from .schemas import Int


class GradingIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"answers": [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0]}]}
    )

    graded_on: date | None = Field(None, description="Up to the patient's today (the default)")
    answers: list[Int] = Field(max_length=100, description="Thirteen grades, in order")
    replace: bool = Field(False, description="Replace that day's grading (409 without it)")


class GradingOut(BaseModel):
    id: int
    graded_on: date
    composite: int = Field(description="Voluntary - resting - synkinesis; higher is better")
    subscores: dict[str, int] | None = Field(description="resting, voluntary, synkinesis")
    answers: list[int]


class GradingCreated(GradingOut):
    replaced: bool


class GradingList(BaseModel):
    items: list[GradingOut] = Field(description="Oldest first")


def grading_out(response) -> dict:
    inst = grading_instrument()
    try:
        result = grade(inst, list(response.answers or []))
        subscores = result.subscores
    except ValueError:  # graded with another version of the file: the stored score
        subscores = None
    return {
        "id": response.id,
        "graded_on": response.answered_on,
        "composite": round(response.score),
        "subscores": subscores,
        "answers": list(response.answers or []),
    }


@patient_endpoint(
    "POST /sunnybrook",
    access.GRADE_FACE,
    roles=(THERAPIST, CLINICIAN),
    body=GradingIn,
    out=GradingCreated,
    status=(201, 200),
)
def sunnybrook_create(patient_id: int, body: GradingIn):
    """Record a Sunnybrook grading (staff on the care team)"""
    keys = grading_instrument().item_keys
    if len(body.answers) != len(keys):
        raise Invalid(f"Send {len(keys)} grades, one for each item, in order.", "answers")
    position = {key: f"answers.{n}" for n, key in enumerate(keys)}
    try:
        response, replaced = gradings.record_grading(
            current_user,
            patient_id,
            dict(zip(keys, body.answers, strict=True)),
            body.graded_on or patient_today(patient_id),
            replace=body.replace,
        )
    except Invalid as error:
        fields = problem_fields(error, lambda key: position.get(key, key))
        raise ApiError(422, error.message, fields) from None
    created = GradingCreated(**grading_out(response), replaced=replaced)
    return reply(created, 200 if replaced else 201)


@patient_endpoint("GET /sunnybrook", access.VIEW, out=GradingList)
def sunnybrook_list(patient_id: int):
    """The patient's Sunnybrook gradings, oldest first"""
    rows = gradings.gradings_of(current_user, patient_id)
    return GradingList(items=[GradingOut(**grading_out(r)) for r in rows])
