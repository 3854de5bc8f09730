"""Practice sessions: logging one (idempotent with an Idempotency-Key), and the list.

Idempotency: send a header ``Idempotency-Key`` (up to 64 printable characters, e.g. a
UUID the phone makes once per session). The first request stores the session and
answers 201; any later request with the same key answers 200 with the session already
stored, whatever its body, and stores nothing (also when two retries race).
"""

import re
from datetime import date, datetime
from typing import Annotated

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
from ..errors import Invalid
from ..models import PATIENT
from ..usecases import practice, practice_history
from .core import ExerciseName, Out, Strict, patient_endpoint, reply
from .pagination import Page, PageQuery, page
from .schemas import Id, Int, Text, an_hour_ago, example

IDEMPOTENCY_HEADER = "Idempotency-Key"
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


# Bounded here only for the wire; the use case (usecases/practice_live.py) checks the
# ranges and that clean reps are not more than the reps measured, with its own messages.
Number = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]


class LiveIn(Strict):
    """Live feedback's numbers for one exercise (docs/live-feedback.md); all measured on
    the phone, nothing else leaves it."""

    reps_scored: Int = Field(description="Repetitions measured (0-1000)")
    clean_reps: Int | None = Field(
        None,
        description="Of those, repetitions whose held-back movement stayed under the limit; "
        "at most reps_scored; null when the exercise has nothing to hold back",
    )
    median_hold_back: Number | None = Field(
        None,
        description="Median over the measured repetitions of the held-back movement (0-5: "
        "a fraction of the eye opening or mouth width, or eye-corner distances)",
    )
    fps: Number | None = Field(None, description="Frames measured per second (0-240)")


class SessionItemIn(Strict):
    exercise_id: Id = Field(description="An exercise of the programme in force")
    reps_done: Int | None = Field(None, description="Required unless skipped")
    sets_done: Int | None = Field(None, description="Missing: worked out from the reps")
    difficulty: Int | None = Field(None, description="1 (easy) to 5 (very hard)")
    skipped: bool = False
    live: LiveIn | None = Field(None, description="Live feedback's numbers, when measured")


class SessionIn(Strict):
    model_config = ConfigDict(
        json_schema_extra=example(
            lambda: {
                "performed_at": an_hour_ago(),
                "synkinesis_rating": 3,
                "effort": 2,
                "note": "The eye felt calmer today.",
                "items": [
                    {
                        "exercise_id": 1,
                        "reps_done": 10,
                        "difficulty": 2,
                        "live": {
                            "reps_scored": 9,
                            "clean_reps": 7,
                            "median_hold_back": 0.18,
                            "fps": 14.5,
                        },
                    }
                ],
            }
        )
    )

    performed_at: AwareDatetime = Field(description="When it was done, with a UTC offset")
    synkinesis_rating: Int = Field(description="Synkinesis felt, 0 (none) to 10 (worst)")
    effort: Int = Field(description="How hard it felt, 1 (easy) to 5 (very hard)")
    note: Text | None = None
    items: list[SessionItemIn] = Field(default_factory=list, max_length=1000)


class LiveOut(Out):
    reps_scored: int
    clean_reps: int | None
    median_hold_back: float | None
    fps: float | None


class SessionItemOut(Out):
    exercise_id: int
    exercise_name: ExerciseName
    reps_done: int
    sets_done: int
    difficulty: int | None
    skipped: bool
    live: LiveOut | None = Field(description="Live feedback's numbers; null: not measured")


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


def item_in(item: SessionItemIn) -> practice.ItemInput:
    values = item.model_dump(exclude={"live"})
    if item.live is not None:
        values.update({f"live_{key}": value for key, value in item.live.model_dump().items()})
    return practice.ItemInput(**values)


@patient_endpoint(
    "POST /sessions",
    access.LOG_PRACTICE,
    roles=(PATIENT,),
    body=SessionIn,
    out=SessionOut,
    status=(201, 200),
    headers={IDEMPOTENCY_HEADER: "Makes retries safe: the same key never logs twice"},
)
def session_create(patient_id: int, body: SessionIn):
    """Log a practice session (a patient, for themself). Send an Idempotency-Key header: a
    retry with the same key answers 200 with the session already stored"""
    logged = log_session_in(patient_id, body, "api")
    return reply(SessionOut.model_validate(logged.stored()), 201 if logged.created else 200)


def log_session_in(patient_id: int, body: SessionIn, source: str) -> practice.LoggedSession:
    """Log ``body`` for the current user with the request's Idempotency-Key (here, and
    for the offline outbox's cookie endpoint, companion/app_shell.py)."""
    try:
        return practice.log_session(
            current_user,
            patient_id,
            performed_at=body.performed_at,
            effort=body.effort,
            synkinesis_rating=body.synkinesis_rating,
            note=body.note,
            items=[item_in(item) for item in body.items],
            source=source,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
        )
    except Invalid as error:
        # The use case names the form's fields (items-0-live_fps); here they sit in
        # the item's "live" object (items.0.live.fps).
        raise Invalid.all_of(
            [Invalid(p.message, _live_path(p.field)) for p in error.problems]
        ) from None


def _live_path(field: str | None) -> str | None:
    return re.sub(r"-live_(\w+)$", r"-live.\1", field) if field else field


@patient_endpoint("GET /sessions", access.VIEW, query=SessionQuery, out=Page[SessionOut])
def session_list(patient_id: int, query: SessionQuery):
    """Practice sessions, newest first; `from` and `to` are local days, both included"""
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
    return Page[SessionOut](items=[SessionOut.model_validate(s) for s in rows], next_cursor=cursor)
