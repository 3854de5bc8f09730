"""Practice sessions: logging one (idempotent with an Idempotency-Key), and the list.

Idempotency: send a header ``Idempotency-Key`` (up to 64 printable characters, e.g. a
UUID the phone makes once per session). The first request stores the session and
answers 201; any later request with the same key answers 200 with the session already
stored, whatever its body, and stores nothing (also when two retries race).
"""

from datetime import date, datetime

from flask import request
from flask_login import current_user
from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from .. import access
from ..models import PATIENT
from ..usecases import practice, practice_history
from .core import ExerciseName, Out, Strict, patient_endpoint, reply
from .pagination import Page, PageQuery, page
from .schemas import Id, Int, Text, an_hour_ago, example

IDEMPOTENCY_HEADER = "Idempotency-Key"
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


class SessionItemIn(Strict):
    exercise_id: Id = Field(description="An exercise of the programme in force")
    reps_done: Int | None = Field(None, description="Required unless skipped")
    sets_done: Int | None = Field(None, description="Missing: worked out from the reps")
    difficulty: Int | None = Field(None, description="1 (easy) to 5 (very hard)")
    skipped: bool = False


class SessionIn(Strict):
    model_config = ConfigDict(
        json_schema_extra=example(
            lambda: {
                "performed_at": an_hour_ago(),
                "synkinesis_rating": 3,
                "effort": 2,
                "note": "The eye felt calmer today.",
                "items": [{"exercise_id": 1, "reps_done": 10, "difficulty": 2}],
            }
        )
    )

    performed_at: AwareDatetime = Field(description="When it was done, with a UTC offset")
    synkinesis_rating: Int = Field(description="Synkinesis felt, 0 (none) to 10 (worst)")
    effort: Int = Field(description="How hard it felt, 1 (easy) to 5 (very hard)")
    note: Text | None = None
    items: list[SessionItemIn] = Field(default_factory=list, max_length=1000)


class SessionItemOut(Out):
    exercise_id: int
    exercise_name: ExerciseName
    reps_done: int
    sets_done: int
    difficulty: int | None
    skipped: bool


class SessionOut(Out):
    id: int
    performed_at: datetime
    logged_at: datetime
    effort: int
    synkinesis_rating: int
    note: str | None
    source: str
    programme_id: int | None
    items: list[SessionItemOut]


class SessionQuery(PageQuery):
    """``from`` and ``to``: local days in the patient's timezone, both included."""

    from_: date | None = Field(None, alias="from", ge=EARLIEST, le=LATEST)
    to: date | None = Field(None, ge=EARLIEST, le=LATEST)

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, to: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if to is not None and start is not None and to < start:
            raise ValueError("`to` must be on or after `from`")
        return to


@patient_endpoint(
    "/sessions",
    "POST",
    access.LOG_PRACTICE,
    summary="Log a practice session (a patient, for themself). Send an Idempotency-Key "
    "header: a retry with the same key answers 200 with the session already stored",
    roles=(PATIENT,),
    body=SessionIn,
    responses={201: SessionOut, 200: SessionOut},
    headers={IDEMPOTENCY_HEADER: "Makes retries safe: the same key never logs twice"},
)
def session_create(patient_id: int, body: SessionIn):
    logged = log_session_in(patient_id, body, "api")
    return reply(SessionOut.model_validate(logged.session), 201 if logged.created else 200)


def log_session_in(patient_id: int, body: SessionIn, source: str) -> practice.LoggedSession:
    """Log ``body`` for the current user with the request's Idempotency-Key (here, and
    for the offline outbox's cookie endpoint, companion/app_shell.py)."""
    return practice.log_session(
        current_user,
        patient_id,
        performed_at=body.performed_at,
        effort=body.effort,
        synkinesis_rating=body.synkinesis_rating,
        note=body.note,
        items=[practice.ItemInput(**item.model_dump()) for item in body.items],
        source=source,
        idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
    )


@patient_endpoint(
    "/sessions",
    "GET",
    access.VIEW,
    summary="Practice sessions, newest first; `from` and `to` are local days, both included",
    query=SessionQuery,
    responses={200: Page[SessionOut]},
)
def session_list(patient_id: int, query: SessionQuery):
    rows, cursor = page(
        lambda offset, count: practice_history.list_sessions(
            current_user,
            patient_id,
            first_day=query.from_,
            last_day=query.to,
            offset=offset,
            limit=count,
        ),
        query,
    )
    return reply(
        Page[SessionOut](items=[SessionOut.model_validate(s) for s in rows], next_cursor=cursor)
    )
