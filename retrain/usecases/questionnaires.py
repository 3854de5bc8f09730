"""The SAQ: answering it, when it is due, and the schedule staff set.

Rules (tested in tests/web/test_saq.py; the schedule's definition is
retrain.progress.instruments.saq_due, documented in docs/progress.md "SAQ schedule"):

- The patient answers for themself (access.ANSWER_SAQ). Every item needs an answer on
  the instrument's scale; otherwise each missing or wrong item gets its own message and
  nothing is saved. Item answers are kept in item order, with the exact score.
- One questionnaire per local day: answering again on the same day replaces that day's
  answers (the patient corrected themself), so a double submit never counts twice.
- Due: on the programme's first day (the first programme version's start; a patient
  with no programme yet: the day their account was made), then every
  ``Patient.saq_interval_days`` (default 14) after the latest answer, and on any day a
  clinician asked for that is not yet answered (on or after that day).
- Staff on the care team set the interval (1-365 days) and ask for a day
  (access.SET_SAQ_SCHEDULE); a requested day is today or later, within a year.

The instrument is loaded from the file named by config ``SAQ_INSTRUMENT`` (a name in
retrain/data/instruments/ or a path to a clinic's licensed wording), default "saq".
Responses are stored as instrument "saq" whichever wording file was used, so answers
given with a clinic's licensed wording and with ours stay one series.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import func, literal_column, select, union_all

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import Patient, Programme, QuestionnaireRequest, QuestionnaireResponse, User
from ..progress import instruments
from ..progress.instruments import AnswerError, Instrument

SAQ = "saq"
MIN_INTERVAL, MAX_INTERVAL = 1, 365
MAX_REQUEST_AHEAD = timedelta(days=365)


@cache
def _load(name: str) -> Instrument:
    return instruments.load_instrument(name)


def instrument() -> Instrument:
    """The SAQ as configured (loaded once per process)."""
    return _load(current_app.config.get("SAQ_INSTRUMENT") or SAQ)


def _require(user, action: str, patient_id: int) -> None:
    if not access.may(user, action, patient_id):
        raise NotFound()


# --- answering --------------------------------------------------------------------------


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


def submit_saq(
    user, patient_id: int, raw_answers: Mapping[str, object], today: date
) -> tuple[QuestionnaireResponse, bool]:
    """Save today's SAQ; returns (response, replaced) where replaced means an earlier
    answer from the same day was overwritten."""
    _require(user, access.ANSWER_SAQ, patient_id)
    lock_patient(patient_id)  # two devices at once must not both add today's answer
    inst = instrument()
    values = check_answers(inst, raw_answers)
    value = instruments.score(inst, values)
    response = db.session.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument == SAQ,
            QuestionnaireResponse.answered_on == today,
        )
    )
    replaced = response is not None
    if response is None:
        response = QuestionnaireResponse(patient_id=patient_id, instrument=SAQ, answered_on=today)
        db.session.add(response)
    response.answers = values
    response.score = value
    response.entered_by_id = user.id
    db.session.commit()
    return response, replaced


# --- when one is due --------------------------------------------------------------------


@dataclass(frozen=True)
class SaqStatus:
    due: bool  # one is owed today
    due_on: date  # when the next one is owed
    overdue_days: int  # days past due_on (0 on the day itself)
    interval_days: int
    reason: str  # why it is owed on due_on, in plain words
    last_answered_on: date | None
    requested_on: date | None  # the earliest clinician's request not yet answered
    upcoming_requests: tuple[date, ...]  # every pending requested day, earliest first

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def status_from(
    *,
    start_on: date,
    answered_on: Iterable[date],
    interval_days: int,
    requested: Iterable[date],
    today: date,
) -> SaqStatus:
    """The SAQ schedule from plain values (the pages that load everything call this)."""
    answered = sorted(set(answered_on))
    last = answered[-1] if answered else None
    pending = sorted({d for d in requested if last is None or d > last})
    requested_on = pending[0] if pending else None
    result = instruments.saq_due(
        start_on, answered, today, interval_days=interval_days, requested_on=requested_on
    )
    if requested_on is not None and result.due_on == requested_on:
        reason = "Your care team asked for one on this day."
    elif last is None or result.due_on == start_on:
        reason = "The first one is due when the programme starts."
    else:
        reason = f"One is due every {interval_days} days."
    return SaqStatus(
        due=result.due,
        due_on=result.due_on,
        overdue_days=result.overdue_days,
        interval_days=interval_days,
        reason=reason,
        last_answered_on=last,
        requested_on=requested_on,
        upcoming_requests=tuple(pending),
    )


def start_on_from(programme_starts: Iterable[date | None], account_made_on: date) -> date:
    """The programme's first day: the earliest version's start, else the account's day."""
    starts = [d for d in programme_starts if d is not None]
    return min(starts) if starts else account_made_on


def saq_due_for(patient_id: int, today: date | None = None) -> SaqStatus:
    """Whether the patient owes an SAQ (for the Today page and staff lists): 2 queries.

    The patient with their account and their first programme's start (a subquery), then
    the days they answered and the days they were asked for (one UNION ALL).
    """
    from ..usecases.local_time import zone_for

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
    if today is None:
        from ..models.base import utcnow

        today = utcnow().astimezone(zone).date()
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
        interval_days=interval or 14,
        requested=requests,
        today=today,
    )


# --- the schedule staff set -------------------------------------------------------------


def _whole_number(raw) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def set_interval(user, patient_id: int, raw_days) -> int:
    _require(user, access.SET_SAQ_SCHEDULE, patient_id)
    days = _whole_number(raw_days)
    if days is None or not MIN_INTERVAL <= days <= MAX_INTERVAL:
        raise Invalid(
            f"Enter a whole number of days from {MIN_INTERVAL} to {MAX_INTERVAL}.",
            field="interval_days",
        )
    patient = db.session.get(Patient, patient_id)
    patient.saq_interval_days = days
    db.session.commit()
    return days


def request_saq(user, patient_id: int, on: date | None, today: date) -> QuestionnaireRequest:
    """Ask the patient for an SAQ on ``on`` (today or later, within a year)."""
    _require(user, access.SET_SAQ_SCHEDULE, patient_id)
    if on is None:
        raise Invalid("Enter the day the questionnaire should be answered.", "requested_on")
    if on < today:
        raise Invalid("Choose today or a later day.", "requested_on")
    if on > today + MAX_REQUEST_AHEAD:
        raise Invalid("Choose a day within the next year.", "requested_on")
    existing = db.session.scalar(
        select(QuestionnaireRequest).where(
            QuestionnaireRequest.patient_id == patient_id,
            QuestionnaireRequest.instrument == SAQ,
            QuestionnaireRequest.requested_on == on,
        )
    )
    if existing is not None:
        return existing
    request = QuestionnaireRequest(
        patient_id=patient_id, instrument=SAQ, requested_on=on, requested_by_id=user.id
    )
    db.session.add(request)
    db.session.commit()
    return request


def cancel_request(user, patient_id: int, on: date) -> bool:
    """Withdraw a pending request for day ``on``; True when there was one."""
    _require(user, access.SET_SAQ_SCHEDULE, patient_id)
    rows = list(
        db.session.scalars(
            select(QuestionnaireRequest).where(
                QuestionnaireRequest.patient_id == patient_id,
                QuestionnaireRequest.instrument == SAQ,
                QuestionnaireRequest.requested_on == on,
            )
        )
    )
    for row in rows:
        db.session.delete(row)
    db.session.commit()
    return bool(rows)
