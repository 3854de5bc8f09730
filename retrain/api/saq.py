"""The SAQ (Synkinesis Assessment Questionnaire): answering it and the list.

``answers`` are the nine item answers in the instrument's order (1 = seldom or not at
all ... 5 = all the time); the score is sum / 45 x 100 (20 to 100, lower is better;
Mehta et al., Laryngoscope 2007;117:923-6), worked out by usecases.questionnaires.
One questionnaire per day in the patient's timezone: answering again the same day
replaces that day's answers (200, same id); a new day's answers are 201.
"""

from datetime import date
from functools import partial

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from ..errors import Invalid
from ..models import PATIENT
from ..usecases import questionnaires
from ..usecases.local_time import patient_today
from .core import ApiError, Strict, out_of, patient_endpoint, problem_fields, reply
from .pagination import Page, PageQuery, page
from .schemas import Int


class SaqIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"answers": [2, 3, 1, 1, 2, 4, 1, 1, 2]}]}
    )

    answered_on: date | None = Field(
        None,
        description="Today in the patient's timezone (the default). A patient: no other "
        "day; staff (a paper SAQ): any day up to today",
    )
    answers: list[Int] = Field(max_length=100, description="Nine answers, each 1 to 5, in order")
    replace: bool = Field(
        False, description="Staff: replace that day's SAQ (409 without it); ignored for patients"
    )


class SaqOut(BaseModel):
    id: int
    answered_on: date
    score: float = Field(description="Exact score, 20 (no synkinesis) to 100")
    answers: list[int] = Field(description="Empty for an imported score only")
    source: str = Field(description="app (the patient), paper (staff) or import (a CSV)")
    score_only: bool


def saq_out(row) -> SaqOut:
    return out_of(SaqOut, row, answers=list(row.answers or []))


class SaqCreated(BaseModel):
    id: int
    score: float
    answered_on: date
    replaced: bool = Field(description="True when it replaced answers given earlier today")


@patient_endpoint("POST /saq", body=SaqIn, out=SaqCreated, status=(201, 200))
def saq_create(patient_id: int, body: SaqIn):
    """Answer the SAQ for today (a patient; again today: replaces), or enter a paper SAQ of
    an earlier day (staff; an existing day: 409 unless replace)"""
    items = questionnaires.instrument().items
    position = {item.key: f"answers.{n}" for n, item in enumerate(items)}
    try:
        if current_user.role == PATIENT:
            response, replaced = questionnaires.submit_saq(
                current_user, patient_id, body.answers, answered_on=body.answered_on
            )
        else:
            response, replaced = questionnaires.enter_saq(
                current_user,
                patient_id,
                body.answers,
                body.answered_on or patient_today(patient_id),
                replace=body.replace,
            )
    except Invalid as error:
        # Item problems are named by the item's key: here by the answer's place in the list.
        fields = problem_fields(error, lambda key: position.get(key, key))
        raise ApiError(422, error.message, fields) from None
    created = out_of(SaqCreated, response, replaced=replaced)
    return reply(created, 200 if replaced else 201)


@patient_endpoint("GET /saq", query=PageQuery, out=Page[SaqOut])
def saq_list(patient_id: int, query: PageQuery):
    """The patient's SAQ answers and scores, newest first"""
    rows, cursor = page(partial(questionnaires.answers_page, current_user, patient_id), query)
    return Page[SaqOut](items=[saq_out(r) for r in rows], next_cursor=cursor)
