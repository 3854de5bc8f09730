"""Reading a patient's practice sessions: the history page, the API's list, and the
loads the Today page and the figures are made from."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import access
from ..extensions import db
from ..models import PracticeItem, PracticeSession
from ..presenters import practice as presenters
from ..progress import adherence
from .local_time import before_local_day, local_dates, local_midnight, local_now, zone_for


def view_history(user, week: date | None = None):
    """One week (Monday to Sunday, local) of the patient's own sessions, newest first.

    ``week`` is any day in it (None: this week); it is clamped between the week of the
    first session and this week, so a stray link still shows a page.
    """
    access.require(user, access.VIEW, user.id)
    zone = zone_for(user)
    this_week = presenters.monday_of(local_now(zone).date())
    first_at = db.session.scalar(
        select(func.min(PracticeSession.performed_at)).where(PracticeSession.patient_id == user.id)
    )
    first_week = presenters.monday_of(first_at.astimezone(zone).date()) if first_at else None
    start = presenters.monday_of(week) if week else this_week
    start = max(min(start, this_week), first_week or this_week)
    total = db.session.scalar(
        select(func.count(PracticeSession.id)).where(PracticeSession.patient_id == user.id)
    )
    sessions = sessions_for(
        user.id,
        start=local_midnight(start, zone),
        end=local_midnight(start + timedelta(days=7), zone),
    )
    return presenters.history_page(
        sessions, zone, week_start=start, this_week=this_week, first_week=first_week, total=total
    )


def list_sessions(
    user,
    patient_id: int,
    *,
    first_day: date | None,
    last_day: date | None,
    offset: int,
    limit: int,
) -> list[PracticeSession]:
    """The patient's sessions newest first, between two of their local days (both
    included; None: open), ``limit`` of them from ``offset``."""
    patient = access.require(user, access.VIEW, patient_id)
    zone = zone_for(patient.user)
    start = local_midnight(first_day, zone) if first_day else None
    end = local_midnight(last_day + timedelta(days=1), zone) if last_day else None
    return sessions_for(patient_id, limit=limit, offset=offset, start=start, end=end)


# Loads (the use cases that call them check access) --------------------------------------


def _sessions_query(patient_id: int, start: datetime | None, end: datetime | None):
    query = select(PracticeSession).where(PracticeSession.patient_id == patient_id)
    if start is not None:
        query = query.where(PracticeSession.performed_at >= start)
    if end is not None:
        query = query.where(PracticeSession.performed_at < end)
    return query.order_by(PracticeSession.performed_at.desc(), PracticeSession.id.desc())


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
        .options(selectinload(PracticeSession.items).selectinload(PracticeItem.exercise))
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def stored_session(session_id: int) -> PracticeSession:
    """One session with its items and their exercises, in one query."""
    query = select(PracticeSession).where(PracticeSession.id == session_id)
    options = joinedload(PracticeSession.items).joinedload(PracticeItem.exercise)
    return db.session.scalars(query.options(options)).unique().one()


def last_session(patient_id: int) -> PracticeSession | None:
    """The latest session with its items and exercises, in one query (joined, not selectin)."""
    return (
        db.session.scalars(
            _sessions_query(patient_id, None, None)
            .options(joinedload(PracticeSession.items).joinedload(PracticeItem.exercise))
            .limit(1)
        )
        .unique()
        .first()
    )


def daily_counts(patient_id: int, zone: ZoneInfo, since: date | None = None) -> dict[date, int]:
    """Sessions per local day, from local day ``since`` on (every day when None)."""
    query = select(PracticeSession.performed_at).where(PracticeSession.patient_id == patient_id)
    if since is not None:
        query = query.where(PracticeSession.performed_at >= before_local_day(since))
    return adherence.daily_counts(local_dates(db.session.scalars(query), zone))
