"""Logging a practice session: one sitting of the patient's programme, checked and stored.

The patient logs for themself (access.LOG_PRACTICE), from the plain form, the guided
player or the API. Every problem is reported at once, each beside its field; with an
idempotency key a retry never stores a second session.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..models import PracticeItem, PracticeSession, Programme
from ..models.base import utcnow
from ..models.practice import SOURCES
from . import practice_history
from .practice_live import check_live
from .programme_reads import current_programme

CLOCK_SKEW = timedelta(minutes=5)  # a phone clock a little ahead is not "the future"
OLDEST = timedelta(days=365)  # sessions more than a year back are refused
NOTE_MAX = 2000
IDEMPOTENCY_KEY_MAX = 64
EFFORT_RANGE = (1, 5)
RATING_RANGE = (0, 10)
REPS_RANGE = (0, 1000)
SETS_RANGE = (0, 20)
DIFFICULTY_RANGE = (1, 5)
MAX_ITEMS = 100


@dataclass(frozen=True)
class ItemInput:
    """One exercise of a session as the patient reports it."""

    exercise_id: int
    reps_done: int | None
    sets_done: int | None = None  # None: worked out from reps (see sets_for)
    difficulty: int | None = None
    skipped: bool = False
    # Live feedback's numbers (usecases/practice_live.py); all None: not measured live.
    live_reps_scored: int | None = None
    live_clean_reps: int | None = None
    live_median_hold_back: float | None = None
    live_fps: float | None = None


def sets_for(reps_done: int, reps_per_set: int) -> int:
    """Sets begun for ``reps_done`` repetitions at ``reps_per_set`` a set (a partial set counts)."""
    if reps_done <= 0 or reps_per_set <= 0:
        return 0
    return min(SETS_RANGE[1], math.ceil(reps_done / reps_per_set))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(value, bounds: tuple[int, int], field: str, missing: str, wrong: str) -> int:
    if value is None:
        raise Invalid(missing, field)
    if not _is_int(value) or not bounds[0] <= value <= bounds[1]:
        raise Invalid(wrong, field)
    return value


def _check_time(performed_at, now: datetime) -> datetime:
    if not isinstance(performed_at, datetime) or performed_at.tzinfo is None:
        raise Invalid("Please give the date and time of the session.", "performed_at")
    if performed_at > now + CLOCK_SKEW:
        raise Invalid(
            "That time is in the future. Please give the time you did the session.",
            "performed_at",
        )
    if performed_at < now - OLDEST:
        raise Invalid("Sessions more than a year ago cannot be logged.", "performed_at")
    return min(performed_at, now)


def _check_note(note) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise Invalid("The note must be text.", "note")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Invalid(
            f"Please keep the note to {NOTE_MAX} characters (it has {len(note)}).", "note"
        )
    return note or None


def _check_effort(effort) -> int:
    return _check_range(
        effort,
        EFFORT_RANGE,
        "effort",
        "Please choose how hard it felt.",
        "How hard it felt must be from 1 to 5.",
    )


def _check_rating(rating) -> int:
    return _check_range(
        rating,
        RATING_RANGE,
        "synkinesis_rating",
        "Please choose how much synkinesis you felt.",
        "Synkinesis felt must be from 0 to 10.",
    )


def _check_source(source) -> str:
    if source not in SOURCES:
        raise Invalid("Unknown source.", "source")
    return source


def _check_key(key) -> str | None:
    if key is None or key == "":
        return None
    if not isinstance(key, str) or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise Invalid("That request key is not valid.", "idempotency_key")
    return key


class _Problems:
    """Runs checks, keeping every refusal instead of stopping at the first."""

    def __init__(self):
        self.errors: list[Invalid] = []

    def check(self, function, *args):
        try:
            return function(*args)
        except Invalid as error:
            self.errors.append(error)
            return None


def _item_row(index: int, raw, reps_per_set: Mapping[int, int]) -> PracticeItem:
    prefix = f"items-{index}-"
    try:
        item = raw if isinstance(raw, ItemInput) else ItemInput(**raw)
    except TypeError:
        raise Invalid("The list of exercises is not valid.", "items") from None
    if not _is_int(item.exercise_id) or item.exercise_id not in reps_per_set:
        raise Invalid(
            "That exercise is not in your current programme. Please reload the page.",
            prefix + "exercise_id",
        )
    if item.skipped:
        return PracticeItem(
            exercise_id=item.exercise_id, reps_done=0, sets_done=0, difficulty=None, skipped=True
        )
    reps = _check_range(
        item.reps_done,
        REPS_RANGE,
        prefix + "reps_done",
        "Please enter how many repetitions you did, or tick Skipped.",
        "Repetitions must be a whole number from 0 to 1000.",
    )
    sets = item.sets_done
    if sets is None:
        sets = sets_for(reps, reps_per_set[item.exercise_id])
    sets = _check_range(
        sets,
        SETS_RANGE,
        prefix + "sets_done",
        "Please enter the sets done.",
        "Sets must be a whole number from 0 to 20.",
    )
    if item.difficulty is not None:
        _check_range(
            item.difficulty,
            DIFFICULTY_RANGE,
            prefix + "difficulty",
            "",
            "Difficulty must be from 1 to 5.",
        )
    numbers = check_live(
        {
            "live_reps_scored": item.live_reps_scored,
            "live_clean_reps": item.live_clean_reps,
            "live_median_hold_back": item.live_median_hold_back,
            "live_fps": item.live_fps,
        },
        prefix,
    )
    return PracticeItem(
        exercise_id=item.exercise_id,
        reps_done=reps,
        sets_done=sets,
        difficulty=item.difficulty,
        skipped=False,
        live_reps_scored=numbers.reps_scored if numbers else None,
        live_clean_reps=numbers.clean_reps if numbers else None,
        live_median_hold_back=numbers.median_hold_back if numbers else None,
        live_fps=numbers.fps if numbers else None,
    )


def _item_rows(
    items: Sequence[ItemInput | Mapping], programme: Programme | None, problems: _Problems
) -> list[PracticeItem]:
    """The items as rows; each item's first problem goes to ``problems``."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        problems.errors.append(Invalid("The list of exercises is not valid.", "items"))
        return []
    if len(items) > MAX_ITEMS:
        problems.errors.append(Invalid("Too many exercises in one session.", "items"))
        return []
    reps_per_set: dict[int, int] = {}
    for programme_item in programme.items if programme is not None else []:
        reps_per_set.setdefault(programme_item.exercise_id, programme_item.reps)
    rows = [problems.check(_item_row, index, raw, reps_per_set) for index, raw in enumerate(items)]
    return [row for row in rows if row is not None]


def _existing(patient_id: int, key: str) -> PracticeSession | None:
    return db.session.scalar(
        select(PracticeSession)
        .where(PracticeSession.patient_id == patient_id, PracticeSession.idempotency_key == key)
        .options(selectinload(PracticeSession.items).selectinload(PracticeItem.exercise))
    )


def _values(item: PracticeItem, session_id: int) -> dict:
    """A checked (transient) item as the column values of its row."""
    return {
        "session_id": session_id,
        "exercise_id": item.exercise_id,
        "reps_done": item.reps_done,
        "sets_done": item.sets_done,
        "difficulty": item.difficulty,
        "skipped": item.skipped,
        "live_reps_scored": item.live_reps_scored,
        "live_clean_reps": item.live_clean_reps,
        "live_median_hold_back": item.live_median_hold_back,
        "live_fps": item.live_fps,
    }


@dataclass(frozen=True)
class LoggedSession:
    id: int  # the session's
    created: bool  # False: the idempotency key named a session already stored

    def stored(self) -> PracticeSession:
        """The session with its items and their exercises, in one query: for an answer
        that shows them (the save's commit expired what it held)."""
        return practice_history.stored_session(self.id)


def log_session(
    user,
    patient_id: int,
    *,
    performed_at: datetime,
    effort: int,
    synkinesis_rating: int,
    note: str | None,
    items: Sequence[ItemInput | Mapping],
    source: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> LoggedSession:
    """Check and store one session with its items in one commit.

    Raises Invalid listing every problem found, each with its field; nothing is stored
    then. Field names: performed_at, effort, synkinesis_rating, note, source,
    idempotency_key, items-<i>-exercise_id / reps_done / sets_done / difficulty
    (i = position in ``items``). With ``idempotency_key``, sending the same key again
    returns the session already stored instead of a second one, also when two retries
    race (unique constraint).
    """
    access.require(user, access.LOG_PRACTICE, patient_id)
    now = now or utcnow()
    key = _check_key(idempotency_key)
    if key is not None and (existing := _existing(patient_id, key)) is not None:
        return LoggedSession(existing.id, created=False)
    programme = current_programme(patient_id)
    problems = _Problems()
    session = PracticeSession(
        patient_id=patient_id,
        programme_id=programme.id if programme else None,
        performed_at=problems.check(_check_time, performed_at, now),
        logged_at=now,
        effort=problems.check(_check_effort, effort),
        synkinesis_rating=problems.check(_check_rating, synkinesis_rating),
        note=problems.check(_check_note, note),
        source=problems.check(_check_source, source),
        idempotency_key=key,
    )
    rows = _item_rows(items, programme, problems)
    if problems.errors:
        raise Invalid.all_of(problems.errors)
    return _store(session, rows)


def _store(session: PracticeSession, rows: list[PracticeItem]) -> LoggedSession:
    key, patient_id = session.idempotency_key, session.patient_id
    db.session.add(session)
    try:
        db.session.flush()  # the session's id, for its items
        session_id = session.id  # read now: the commit expires it
        if rows:
            # One executemany for every item: the ORM would send one INSERT ... RETURNING
            # per item, so the statements of a save would grow with the programme.
            # render_nulls keeps one column set (and so one batch) when some are None.
            db.session.execute(
                insert(PracticeItem).execution_options(render_nulls=True),
                [_values(row, session.id) for row in rows],
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key is not None and (existing := _existing(patient_id, key)) is not None:
            return LoggedSession(existing.id, created=False)  # a concurrent retry stored it first
        raise
    return LoggedSession(session_id, created=True)
