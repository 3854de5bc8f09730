"""Programmes: the version in force, prescribing a new version, and the history."""

from datetime import date, datetime
from typing import Self

from flask_login import current_user
from pydantic import AliasPath, ConfigDict, Field

from .. import access
from ..models import THERAPIST
from ..usecases import programmes
from .core import ExerciseName, Out, Strict, patient_endpoint
from .pagination import Page, PageQuery, page_of
from .schemas import Id, Int, Text, example, yesterday


class ProgrammeItemIn(Strict):
    """One exercise and its dose. A missing dose takes the exercise's default (reps, hold,
    rest) or 1 set, once a day, 7 days a week."""

    exercise_id: Id
    reps: Int | None = None
    sets: Int | None = None
    hold_seconds: Int | None = None
    rest_seconds: Int | None = None
    times_per_day: Int | None = None
    days_per_week: Int | None = None
    note: Text | None = None
    live_limit: float | None = Field(
        None,
        allow_inf_nan=False,
        description="The patient's live-feedback limit for the held-back movement "
        "(0.005-1; docs/live-feedback.md); missing: the exercise's default",
    )


class ProgrammeIn(Strict):
    model_config = ConfigDict(
        json_schema_extra=example(
            lambda: {
                "starts_on": yesterday(),
                "items": [
                    {"exercise_id": 1, "reps": 10, "hold_seconds": 5, "times_per_day": 2},
                    {"exercise_id": 2},
                ],
                "note": "Slow and gentle, in front of a mirror.",
            }
        )
    )

    starts_on: date = Field(description="Today or earlier in the patient's timezone")
    items: list[ProgrammeItemIn] = Field(max_length=1000)
    note: Text | None = None


class ProgrammeItemOut(Out):
    exercise_id: int
    exercise_name: ExerciseName
    reps: int
    sets: int
    hold_seconds: int
    rest_seconds: int
    times_per_day: int
    days_per_week: int
    note: str | None
    live_limit: float | None


class ProgrammeOut(Out):
    """A programme version. With no programme yet: id and version null, items empty."""

    id: int | None
    version: int | None
    starts_on: date | None
    ended_on: date | None = Field(description="Last day in force; null while in force")
    note: str | None
    created_at: datetime | None
    created_by: str | None = Field(validation_alias=AliasPath("created_by", "name"))
    items: list[ProgrammeItemOut]

    @classmethod
    def nothing(cls) -> Self:
        """The answer before any programme: every field null, no items."""
        return cls.model_validate({**dict.fromkeys(cls.model_fields), "items": []})


def programme_out(programme) -> ProgrammeOut:
    if programme is None:
        return ProgrammeOut.nothing()
    return ProgrammeOut.model_validate(programme)


@patient_endpoint("GET /programme", access.VIEW, out=ProgrammeOut)
def programme_get(patient_id: int):
    """The programme in force"""
    return programme_out(programmes.programme_in_force(current_user, patient_id))


@patient_endpoint(
    "PUT /programme",
    access.PRESCRIBE,
    roles=(THERAPIST,),
    body=ProgrammeIn,
    out=ProgrammeOut,
    status=201,
)
def programme_put(patient_id: int, body: ProgrammeIn):
    """Prescribe a new version (the one in force ends the day before it starts)"""
    programme = programmes.save_programme(
        current_user,
        patient_id,
        body.starts_on,
        [item.model_dump() for item in body.items],
        body.note,
    )
    return programme_out(programme)


@patient_endpoint("GET /programmes", access.VIEW, query=PageQuery, out=Page[ProgrammeOut])
def programme_history(patient_id: int, query: PageQuery):
    """Every programme version, newest first"""
    versions = programmes.programme_versions(current_user, patient_id)
    rows, cursor = page_of(versions, query)
    return Page[ProgrammeOut](items=[programme_out(p) for p in rows], next_cursor=cursor)
