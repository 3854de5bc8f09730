"""The SAQ: answering it, when it is due, the list of answers, and the schedule staff set.

Rules (tested in tests/web/test_saq.py; the schedule's definition is
retrain.progress.instruments.saq_due, documented in docs/progress.md "SAQ schedule"):

- The patient answers for themself (access.ANSWER_SAQ), for today in their own zone.
  Every item needs an answer on the instrument's scale; otherwise each missing or wrong
  item gets its own message and nothing is saved. Item answers are kept in item order,
  with the exact score.
- One questionnaire per local day: answering again on the same day replaces that day's
  answers (the patient corrected themself), so a double submit never counts twice.
- Due: on the programme's first day (the first programme version's start; a patient
  with no programme yet: the day their account was made), then every
  ``Patient.saq_interval_days`` (default 14) after the latest answer, and on any day a
  clinician asked for that is not yet answered (on or after that day).
- Staff on the care team set the interval (1-365 days) and ask for a day
  (access.SET_SAQ_SCHEDULE); a requested day is today or later, within a year.
- Staff on the care team enter an SAQ answered on paper (access.ENTER_SAQ) for any day
  from EARLIEST_ANSWER to the patient's today, never in the future. It is kept as
  "entered by <them> from paper". One per day per patient: a day that has one already
  is replaced only when they confirm (Conflict otherwise).

The instrument is loaded from the file named by config ``SAQ_INSTRUMENT`` (a name in
retrain/data/instruments/ or a path to a clinic's licensed wording), default "saq".
Responses are stored as instrument "saq" whichever wording file was used, so answers
given with a clinic's licensed wording and with ours stay one series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import func, literal_column, select, union_all

from .. import access
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import Patient, Programme, QuestionnaireRequest, QuestionnaireResponse, User
from ..progress import instruments
from ..progress.instruments import AnswerError, Instrument
from ..progress.saq_schedule import SaqStatus, start_on_from, status_from
from .local_time import local_now, patient_today, zone_for
from .paging import newest_first

SAQ = "saq"
MIN_INTERVAL, MAX_INTERVAL = 1, 365
MAX_REQUEST_AHEAD = timedelta(days=365)
EARLIEST_ANSWER = date(2000, 1, 1)  # a guard against a mistyped year (the SAQ is from 2007)


@cache
def _load(name: str) -> Instrument:
    return instruments.load_instrument(name)


def instrument() -> Instrument:
    """The SAQ as configured (loaded once per process)."""
    return _load(current_app.config.get("SAQ_INSTRUMENT") or SAQ)


# --- answering --------------------------------------------------------------------------


@dataclass(frozen=True)
class SaqForm:
    """What the questionnaire page shows besides the questions: when one is due."""

    instrument: Instrument
    status: SaqStatus


def saq_form(user) -> SaqForm:
    """The patient's own questionnaire page."""
    access.require(user, access.ANSWER_SAQ, user.id)
    return SaqForm(instrument(), saq_due_for(user.id))


def check_answers(inst: Instrument, raw: Mapping[str, object]) -> list[int]:
    """One whole number per item, in item order; Invalid naming every bad item."""
    low, high = inst.scale.min, inst.scale.max
    values: list[int] = []
    errors: list[Invalid] = []
    for number, item in enumerate(inst.items, start=1):
        value = raw.get(item.key)
        text = "" if value is None else str(value).strip()
        if not text:
            errors.append(Invalid(f"Please answer question {number}.", item.key))
            continue
        try:
            answer = int(text)
        except ValueError:
            answer = None
        if answer is None or not low <= answer <= high:
            errors.append(
                Invalid(f"Question {number}: choose one of the answers {low} to {high}.", item.key)
            )
            continue
        values.append(answer)
    if errors:
        raise Invalid.all_of(errors)
    try:
        instruments.score(inst, values)  # the scoring module's own check, as a second guard
    except AnswerError as error:
        raise Invalid(error.message, error.item_key) from None
    return values


def _by_key(inst: Instrument, answers: Mapping[str, object] | Sequence) -> Mapping[str, object]:
    """Answers by item key; a sequence (the API's) holds one answer per item, in order."""
    if isinstance(answers, Mapping):
        return answers
    if len(answers) != len(inst.items):
        message = f"Send {len(inst.items)} answers, one for each question, in order."
        raise Invalid(message, "answers")
    return {item.key: answer for item, answer in zip(inst.items, answers, strict=True)}


def submit_saq(
    user,
    patient_id: int,
    answers: Mapping[str, object] | Sequence,
    today: date | None = None,
    *,
    answered_on: date | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """Save today's SAQ (``today``: the patient's own, by default; ``answered_on``, when
    given, must be that day). Returns (response, replaced): replaced means an earlier
    answer from the same day was overwritten. ``answers``: by item key, or one per item
    in order."""
    access.require(user, access.ANSWER_SAQ, patient_id)
    today = today or patient_today(patient_id)
    if answered_on not in (None, today):
        raise Invalid(
            f"Answers are for today, {today.isoformat()} in your timezone.", "answered_on"
        )
    lock_patient(patient_id)  # two devices at once must not both add today's answer
    inst = instrument()
    values = check_answers(inst, _by_key(inst, answers))
    return store_response(
        patient_id, SAQ, today, values, instruments.score(inst, values), user,
        replace=True, source="app",
    )  # fmt: skip


@dataclass(frozen=True)
class PaperSaqPage:
    """The staff page for an SAQ answered on paper (and for importing history)."""

    instrument: Instrument
    patient_id: int
    patient_name: str
    today: date  # the patient's
    can_import_visits: bool


def paper_saq_page(user, patient_id: int) -> PaperSaqPage:
    patient = access.require(user, access.ENTER_SAQ, patient_id)
    return PaperSaqPage(
        instrument(),
        patient_id,
        patient.name,
        patient_today(patient_id),
        access.may(user, access.RECORD_INJECTION, patient_id),
    )


def enter_saq(
    user,
    patient_id: int,
    answers: Mapping[str, object] | Sequence,
    answered_on: date | None,
    *,
    replace: bool = False,
    today: date | None = None,
) -> tuple[QuestionnaireResponse, bool]:
    """Save an SAQ a member of staff copies from a paper form answered on ``answered_on``.
    Returns (response, replaced)."""
    access.require(user, access.ENTER_SAQ, patient_id)
    day = check_past_day(answered_on, today or patient_today(patient_id), "answered_on")
    lock_patient(patient_id)
    inst = instrument()
    values = check_answers(inst, _by_key(inst, answers))
    return store_response(
        patient_id, SAQ, day, values, instruments.score(inst, values), user, replace=replace
    )


def check_past_day(day: date | None, today: date, field: str) -> date:
    """A day on or before the patient's today and not before EARLIEST_ANSWER."""
    if day is None:
        raise Invalid("Enter the date it was answered.", field)
    if day > today:
        raise Invalid(
            f"The date cannot be in the future (today is {today.isoformat()} for the patient).",
            field,
        )
    if day < EARLIEST_ANSWER:
        raise Invalid("Please check the year of this date.", field)
    return day


def store_response(
    patient_id: int,
    instrument_id: str,
    day: date,
    values: list[int],
    score: float,
    user,
    *,
    replace: bool,
    source: str = "paper",
) -> tuple[QuestionnaireResponse, bool]:
    """Save one response for ``day``; an existing one that day is replaced only when
    ``replace`` says so (Conflict otherwise). The caller locked the patient."""
    response = db.session.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument == instrument_id,
            QuestionnaireResponse.answered_on == day,
        )
    )
    if response is not None and not replace:
        raise Conflict(
            f"There is already one on {day.isoformat()} for this patient (score "
            f'{instruments.display_score(response.score)}). Tick "Replace the one of that '
            'day" to replace it, or check the date.',
            "replace",
        )
    replaced = response is not None
    if response is None:
        response = QuestionnaireResponse(
            patient_id=patient_id, instrument=instrument_id, answered_on=day
        )
        db.session.add(response)
    response.answers = values
    response.score = score
    response.entered_by_id = user.id
    response.source = source
    response.score_only = False
    db.session.commit()
    return response, replaced


# --- reading ----------------------------------------------------------------------------


def answers_page(user, patient_id: int, offset: int, count: int) -> list[QuestionnaireResponse]:
    """The patient's SAQ answers, newest first, ``count`` of them from ``offset``."""
    access.require(user, access.VIEW, patient_id)
    responses = QuestionnaireResponse
    saq = responses.instrument == SAQ
    return newest_first(responses, patient_id, responses.answered_on, offset, count, saq)


def responses_of(patient_id: int, instrument_id: str):
    """The patient's responses to one instrument, oldest first (a SELECT to run)."""
    return (
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument == instrument_id,
        )
        .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id)
    )


def saq_due_for(patient_id: int, today: date | None = None) -> SaqStatus:
    """Whether the patient owes an SAQ: 2 queries. A loader for use cases that have checked
    access (the Today page, staff lists, the questionnaire page).

    The patient with their account and their first programme's start (a subquery), then
    the days they answered and the days they were asked for (one UNION ALL).
    """
    first_start = (
        select(func.min(Programme.starts_on))
        .where(Programme.patient_id == Patient.id)
        .correlate(Patient)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Patient.saq_interval_days, User, first_start)
        .join(User, User.id == Patient.id)
        .where(Patient.id == patient_id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    interval, user, first_start_on = row
    zone = zone_for(user)
    dates = union_all(
        select(
            literal_column("'answered'").label("kind"),
            QuestionnaireResponse.answered_on.label("on"),
        ).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument == SAQ,
        ),
        select(literal_column("'requested'"), QuestionnaireRequest.requested_on).where(
            QuestionnaireRequest.patient_id == patient_id,
            QuestionnaireRequest.instrument == SAQ,
        ),
    )
    answered, requests = [], []
    for kind, on in db.session.execute(dates):
        (answered if kind == "answered" else requests).append(on)
    return status_from(
        start_on=start_on_from([first_start_on], user.created_at.astimezone(zone).date()),
        answered_on=answered,
        interval_days=interval,
        requested=requests,
        today=today or local_now(zone).date(),
    )


# --- the schedule staff set -------------------------------------------------------------


def _whole_number(raw) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def set_interval(user, patient_id: int, raw_days) -> int:
    patient = access.require(user, access.SET_SAQ_SCHEDULE, patient_id)
    days = _whole_number(raw_days)
    if days is None or not MIN_INTERVAL <= days <= MAX_INTERVAL:
        raise Invalid(
            f"Enter a whole number of days from {MIN_INTERVAL} to {MAX_INTERVAL}.",
            field="interval_days",
        )
    patient.saq_interval_days = days
    db.session.commit()
    return days


def _requests(patient_id: int, on: date) -> list[QuestionnaireRequest]:
    return list(
        db.session.scalars(
            select(QuestionnaireRequest).where(
                QuestionnaireRequest.patient_id == patient_id,
                QuestionnaireRequest.instrument == SAQ,
                QuestionnaireRequest.requested_on == on,
            )
        )
    )


def request_saq(
    user, patient_id: int, on: date | None, today: date | None = None
) -> QuestionnaireRequest:
    """Ask the patient for an SAQ on ``on``: today (the patient's, by default) or later,
    within a year. Asking again for the same day changes nothing."""
    access.require(user, access.SET_SAQ_SCHEDULE, patient_id)
    today = today or patient_today(patient_id)
    if on is None:
        raise Invalid("Enter the day the questionnaire should be answered.", "requested_on")
    if on < today:
        raise Invalid("Choose today or a later day.", "requested_on")
    if on > today + MAX_REQUEST_AHEAD:
        raise Invalid("Choose a day within the next year.", "requested_on")
    existing = _requests(patient_id, on)
    if existing:
        return existing[0]
    request = QuestionnaireRequest(
        patient_id=patient_id, instrument=SAQ, requested_on=on, requested_by_id=user.id
    )
    db.session.add(request)
    db.session.commit()
    return request


def cancel_request(user, patient_id: int, on: date | None) -> bool:
    """Withdraw a pending request for day ``on``; True when there was one."""
    access.require(user, access.SET_SAQ_SCHEDULE, patient_id)
    if on is None:
        raise Invalid("Choose the request to withdraw.", "requested_on")
    rows = _requests(patient_id, on)
    for row in rows:
        db.session.delete(row)
    db.session.commit()
    return bool(rows)
