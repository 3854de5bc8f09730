"""Practice sessions: logging one sitting, the history, and what the Today page shows.

Times are stored as aware UTC datetimes; a patient's "day" is a calendar day in their
own timezone (user.timezone, else app.config["TIMEZONE"]). The adherence figures are
defined in retrain/progress/adherence.py; this module only gathers the dates.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import formatting
from ..errors import Invalid
from ..extensions import db
from ..models import PracticeItem, PracticeSession, Programme, ProgrammeItem, User
from ..models.base import utcnow
from ..models.practice import SOURCES
from ..progress import adherence
from ..usecases.programmes import current_programme

CLOCK_SKEW = timedelta(minutes=5)  # a phone clock a little ahead is not "the future"
OLDEST = timedelta(days=365)  # sessions more than a year back are refused
NOTE_MAX = 2000
IDEMPOTENCY_KEY_MAX = 64
HISTORY_PER_PAGE = 30
# Today reads the sessions of the last 400 local days, so its cost does not grow with a
# patient's years of history; only a streak that long makes it read the rest.
TODAY_WINDOW_DAYS = 400
EFFORT_RANGE = (1, 5)
RATING_RANGE = (0, 10)
REPS_RANGE = (0, 1000)
SETS_RANGE = (0, 20)
DIFFICULTY_RANGE = (1, 5)
MAX_ITEMS = 100


# --- time zones ---------------------------------------------------------------------


def zone_for(user: User | None) -> ZoneInfo:
    """The user's own timezone, else the clinic's (an unknown name falls back too)."""
    for name in (getattr(user, "timezone", None), current_app.config["TIMEZONE"]):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_now(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(zone)


def local_dates(instants: Iterable[datetime], zone: ZoneInfo) -> list[date]:
    return [instant.astimezone(zone).date() for instant in instants]


def performed_at_from_local(
    day: date | None, at: time | None, zone: ZoneInfo, now: datetime | None = None
) -> datetime:
    """A session time typed in the patient's zone, as aware UTC.

    Both empty: now. A time without a date: today at that time. A date without a time
    is refused (we cannot guess it). Ambiguous clock times at the autumn change take
    the first occurrence (fold=0).
    """
    now = now or utcnow()
    if day is None and at is None:
        return now
    if at is None:
        raise Invalid("Please add the time too, or leave both empty.", "performed_time")
    if day is None:
        day = local_now(zone, now).date()
    return datetime.combine(day, at, tzinfo=zone).astimezone(now.tzinfo)


# --- logging a session --------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    """One exercise of a session as the patient reports it."""

    exercise_id: int
    reps_done: int | None
    sets_done: int | None = None  # None: worked out from reps (see sets_for)
    difficulty: int | None = None
    skipped: bool = False


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
    return PracticeItem(
        exercise_id=item.exercise_id,
        reps_done=reps,
        sets_done=sets,
        difficulty=item.difficulty,
        skipped=False,
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
    }


def log_session(
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
) -> PracticeSession:
    """Validate and store one session with its items in one commit.

    Raises Invalid listing every problem found, each with its
    field; nothing is stored then.
    Field names: performed_at, effort, synkinesis_rating, note, source, idempotency_key,
    items-<i>-exercise_id / reps_done / sets_done / difficulty (i = position in ``items``).
    With ``idempotency_key``, sending the same key again returns the session already
    stored instead of a second one, also when two retries race (unique constraint).
    The caller checks access (access.require(user, LOG_PRACTICE, patient_id)).
    """
    now = now or utcnow()
    key = _check_key(idempotency_key)
    if key is not None and (existing := _existing(patient_id, key)) is not None:
        return existing
    problems = _Problems()
    performed_at = problems.check(_check_time, performed_at, now)
    effort = problems.check(
        _check_range,
        effort,
        EFFORT_RANGE,
        "effort",
        "Please choose how hard it felt.",
        "How hard it felt must be from 1 to 5.",
    )
    rating = problems.check(
        _check_range,
        synkinesis_rating,
        RATING_RANGE,
        "synkinesis_rating",
        "Please choose how much synkinesis you felt.",
        "Synkinesis felt must be from 0 to 10.",
    )
    note = problems.check(_check_note, note)
    if source not in SOURCES:
        problems.errors.append(Invalid("Unknown source.", "source"))
    programme = current_programme(patient_id)
    rows = _item_rows(items, programme, problems)
    if problems.errors:
        raise Invalid.all_of(problems.errors)

    session = PracticeSession(
        patient_id=patient_id,
        programme_id=programme.id if programme else None,
        performed_at=performed_at,
        logged_at=now,
        effort=effort,
        synkinesis_rating=rating,
        note=note,
        source=source,
        idempotency_key=key,
    )
    db.session.add(session)
    try:
        db.session.flush()  # the session's id, for its items
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
            return existing  # a concurrent retry stored it first
        raise
    return session


# --- reading sessions ---------------------------------------------------------------


def _sessions_query(patient_id: int, start: datetime | None, end: datetime | None):
    query = select(PracticeSession).where(PracticeSession.patient_id == patient_id)
    if start is not None:
        query = query.where(PracticeSession.performed_at >= start)
    if end is not None:
        query = query.where(PracticeSession.performed_at < end)
    return query


def sessions_for(
    patient_id: int,
    *,
    limit: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    offset: int = 0,
) -> list[PracticeSession]:
    """Sessions newest first (``start`` <= performed_at < ``end``), items and exercises loaded."""
    query = (
        _sessions_query(patient_id, start, end)
        .order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())
        .options(selectinload(PracticeSession.items).selectinload(PracticeItem.exercise))
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class SessionView:
    """A stored session with its time in the patient's zone, ready for a template."""

    session: PracticeSession
    local_time: datetime

    @property
    def when(self) -> str:
        """Like "Tuesday 3 March 2026 at 18:05" (the patient's local time)."""
        return formatting.long_when(self.local_time)

    @property
    def done_items(self) -> list[PracticeItem]:
        return [item for item in self.session.items if not item.skipped]

    @property
    def skipped_items(self) -> list[PracticeItem]:
        return [item for item in self.session.items if item.skipped]


@dataclass(frozen=True)
class HistoryPage:
    entries: list[SessionView]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def history_page(user: User, page: int = 1, per_page: int = HISTORY_PER_PAGE) -> HistoryPage:
    """One page of the patient's sessions, newest first; ``page`` is clamped to 1..pages."""
    total = db.session.scalar(
        select(func.count(PracticeSession.id)).where(PracticeSession.patient_id == user.id)
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    zone = zone_for(user)
    sessions = sessions_for(user.id, limit=per_page, offset=(page - 1) * per_page)
    entries = [SessionView(s, s.performed_at.astimezone(zone)) for s in sessions]
    return HistoryPage(entries=entries, page=page, pages=pages, total=total)


# --- programme versions and adherence -----------------------------------------------


def versions_for(
    patient_filter: ColumnElement[bool], zones: Mapping[int, ZoneInfo], default: ZoneInfo
) -> dict[int, list[adherence.Version]]:
    """Every programme version of the patients matched by ``patient_filter``, in one query.

    ``patient_filter`` is a condition on Programme.patient_id. A version without a start
    date starts on the local day it was created. times_per_day and days_per_week are the
    maxima over its items (as Programme.times_per_day), 0 for a version without items.
    """
    rows = db.session.execute(
        select(
            Programme.patient_id,
            Programme.starts_on,
            Programme.ended_on,
            Programme.created_at,
            func.max(ProgrammeItem.times_per_day),
            func.max(ProgrammeItem.days_per_week),
        )
        .outerjoin(ProgrammeItem, ProgrammeItem.programme_id == Programme.id)
        .where(patient_filter)
        .group_by(Programme.id)
        .order_by(Programme.patient_id, Programme.version, Programme.id)
    )
    versions: dict[int, list[adherence.Version]] = {}
    for patient_id, starts_on, ended_on, created_at, times, days in rows:
        zone = zones.get(patient_id, default)
        versions.setdefault(patient_id, []).append(
            _version(starts_on, ended_on, created_at, times, days, zone)
        )
    return versions


def versions_of(programmes: Iterable[Programme], zone: ZoneInfo) -> list[adherence.Version]:
    """The same as versions_for, from one patient's versions already loaded with items."""
    return [
        _version(
            p.starts_on,
            p.ended_on,
            p.created_at,
            max((item.times_per_day for item in p.items), default=0),
            max((item.days_per_week for item in p.items), default=0),
            zone,
        )
        for p in sorted(programmes, key=lambda p: (p.version, p.id))
    ]


def _version(starts_on, ended_on, created_at, times, days, zone) -> adherence.Version:
    start = starts_on or created_at.astimezone(zone).date()
    return adherence.Version(start, ended_on, times or 0, days or 0)


@dataclass(frozen=True)
class TodaySummary:
    """Everything the patient's Today page shows."""

    name: str  # first name, for the greeting
    greeting: str
    today: date
    programme: Programme | None  # items and exercises loaded
    times_per_day: int
    days_per_week: int
    done_today: int
    due: int
    streak: int
    week: adherence.Window
    last_session: SessionView | None

    @property
    def week_percent(self) -> int | None:
        value = self.week.adherence
        return None if value is None else round(value)


def _greeting(hour: int) -> str:
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


def _last_session(patient_id: int) -> PracticeSession | None:
    """The latest session with its items and exercises, in one query (joined, not selectin)."""
    return (
        db.session.scalars(
            _sessions_query(patient_id, None, None)
            .order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())
            .options(joinedload(PracticeSession.items).joinedload(PracticeItem.exercise))
            .limit(1)
        )
        .unique()
        .first()
    )


def _daily_counts(patient_id: int, zone: ZoneInfo, since: date | None = None) -> dict[date, int]:
    """Sessions per local day, from local day ``since`` on (every day when None)."""
    query = select(PracticeSession.performed_at).where(PracticeSession.patient_id == patient_id)
    if since is not None:
        # UTC midnight a day earlier covers local day ``since`` in every timezone.
        start = datetime.combine(since - timedelta(days=1), time(), tzinfo=UTC)
        query = query.where(PracticeSession.performed_at >= start)
    return adherence.daily_counts(local_dates(db.session.scalars(query), zone))


def today_summary(user: User, today: date | None = None) -> TodaySummary:
    """What is due today, the streak, this week's adherence and the last session."""
    zone = zone_for(user)
    now = local_now(zone)
    today = today or now.date()
    programme = current_programme(user.id)
    counts = _daily_counts(user.id, zone, since=today - timedelta(days=TODAY_WINDOW_DAYS))
    if adherence.streak(counts, today) >= TODAY_WINDOW_DAYS:
        counts = _daily_counts(user.id, zone)  # a streak as long as the window: read it all
    versions = versions_for(Programme.patient_id == user.id, {}, zone).get(user.id, [])
    last = _last_session(user.id)
    return TodaySummary(
        name=(user.name.split() or [user.name])[0],
        greeting=_greeting(now.hour),
        today=today,
        programme=programme,
        times_per_day=programme.times_per_day if programme else 0,
        days_per_week=programme.days_per_week if programme else 0,
        done_today=counts.get(today, 0),
        due=adherence.due_today(counts, versions, today),
        streak=adherence.streak(counts, today),
        week=adherence.week_to_date(counts, versions, today),
        last_session=SessionView(last, last.performed_at.astimezone(zone)) if last else None,
    )


# --- the guided player --------------------------------------------------------------


def player_data(programme: Programme) -> dict:
    """The programme as the guided player (static/js/player.js) reads it, JSON-ready."""
    return {
        "programme_id": programme.id,
        "exercises": [
            {
                "index": index,
                "exercise_id": item.exercise_id,
                "name": item.exercise.name,
                "steps": item.exercise.steps,
                "hold_back": item.exercise.hold_back,
                "reps": item.reps,
                "sets": item.sets,
                "hold_seconds": item.hold_seconds,
                "rest_seconds": item.rest_seconds,
                "note": item.note or "",
            }
            for index, item in enumerate(programme.items)
        ],
    }
