"""The patient's practice pages from loaded records: Today, the history, the guided player.

Plain values in (the patient's local time, loaded sessions and programme), dataclasses
out; no database and no clock. The adherence figures follow retrain/progress/adherence.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .. import formatting
from ..models import PracticeItem, PracticeSession, Programme
from ..progress import adherence


@dataclass(frozen=True)
class SessionView:
    """A stored session with its time in the patient's zone."""

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


def session_view(session: PracticeSession, zone: ZoneInfo) -> SessionView:
    return SessionView(session, session.performed_at.astimezone(zone))


@dataclass(frozen=True)
class WeekSummary:
    """One week of practice in a few figures (the history page's header)."""

    sessions: int
    days_practised: int
    mean_effort: float | None  # 1-5
    mean_synkinesis: float | None  # 0-10


def week_summary(sessions: Sequence[PracticeSession], zone: ZoneInfo) -> WeekSummary:
    if not sessions:
        return WeekSummary(0, 0, None, None)
    days = {s.performed_at.astimezone(zone).date() for s in sessions}
    efforts = [s.effort for s in sessions]
    ratings = [s.synkinesis_rating for s in sessions]
    return WeekSummary(
        len(sessions),
        len(days),
        round(sum(efforts) / len(efforts), 1),
        round(sum(ratings) / len(ratings), 1),
    )


@dataclass(frozen=True)
class HistoryPage:
    """One week (Monday to Sunday, the patient's local days) of sessions, newest first."""

    entries: list[SessionView]
    week_start: date
    summary: WeekSummary
    older_week: date | None  # the Monday of the previous week, None before the first session
    newer_week: date | None  # None for the current week
    total: int  # sessions ever logged

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def history_page(
    sessions: Sequence[PracticeSession],
    zone: ZoneInfo,
    *,
    week_start: date,
    this_week: date,
    first_week: date | None,
    total: int,
) -> HistoryPage:
    """The week from ``week_start``; ``this_week`` and ``first_week`` (of the first
    session) bound the pager."""
    older = week_start - timedelta(days=7)
    newer = week_start + timedelta(days=7)
    return HistoryPage(
        [session_view(s, zone) for s in sessions],
        week_start,
        week_summary(sessions, zone),
        older if first_week is not None and older >= first_week else None,
        newer if newer <= this_week else None,
        total,
    )


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


UPDATED_NOTICE_DAYS = 7  # how long Today says that the programme changed


@dataclass(frozen=True)
class TodaySummary:
    """Everything the patient's Today page (and the API's /today) shows."""

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
    saq: object  # usecases.questionnaires.SaqStatus: whether a questionnaire is owed

    @property
    def week_percent(self) -> int | None:
        value = self.week.adherence
        return None if value is None else round(value)

    @property
    def programme_updated_on(self) -> date | None:
        """The day a new version of the programme began, in its first UPDATED_NOTICE_DAYS
        (Today tells the patient their exercises changed); None for a first version."""
        programme = self.programme
        if programme is None or programme.version < 2:
            return None
        days_since = (self.today - programme.starts_on).days
        return programme.starts_on if 0 <= days_since < UPDATED_NOTICE_DAYS else None


def greeting(hour: int) -> str:
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


def today_summary(
    *,
    full_name: str,
    now: datetime,
    today: date,
    programme: Programme | None,
    counts: Mapping[date, int],
    versions: Sequence[adherence.Version],
    last_session: PracticeSession | None,
    saq: object,
) -> TodaySummary:
    """``now`` is the patient's local time (its zone is theirs); ``counts`` are their
    sessions per local day, far enough back for the streak."""
    return TodaySummary(
        name=(full_name.split() or [full_name])[0],
        greeting=greeting(now.hour),
        today=today,
        programme=programme,
        times_per_day=programme.times_per_day if programme else 0,
        days_per_week=programme.days_per_week if programme else 0,
        done_today=counts.get(today, 0),
        due=adherence.due_today(counts, versions, today),
        streak=adherence.streak(counts, today),
        week=adherence.week_to_date(counts, versions, today),
        last_session=session_view(last_session, now.tzinfo) if last_session else None,
        saq=saq,
    )


def due_items(programme: Programme, done_today: int) -> list:
    """The programme's items due in the day's next session (number ``done_today + 1``):
    those prescribed at least that many times a day. When every sitting of the day is
    done, an extra session lists them all."""
    due = [item for item in programme.items if item.times_per_day > done_today]
    return due or list(programme.items)


def _eyes_closed(rule: dict | None) -> bool:
    """Done with the eyes closed: its target is closing them (docs/live-feedback.md).
    The player then cues by sound and vibration unless the patient chose otherwise."""
    target = (rule or {}).get("target") or {}
    return target.get("measure") == "eye_narrowing"


def player_data(
    programme: Programme, affected_side: str | None = None, items: list | None = None
) -> dict:
    """The programme as the guided player (static/js/player.js) reads it, JSON-ready.

    ``items``: the items to practise (default: all).
    ``live``: each exercise's live-feedback rule and the patient's own limit (null: the
    default), read by static/js/live/player-live.js with the affected side.
    """
    return {
        "programme_id": programme.id,
        "affected_side": affected_side if affected_side in ("left", "right") else None,
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
                "live": {"rule": item.exercise.live_rule, "limit": item.live_limit}
                if item.exercise.live_rule
                else None,
                "eyes_closed": _eyes_closed(item.exercise.live_rule),
            }
            for index, item in enumerate(programme.items if items is None else items)
        ],
    }
