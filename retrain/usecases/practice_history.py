"""Reading a patient's practice sessions: the history page, the API's list, and the
loads the Today page and the figures are made from."""

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import access
from ..extensions import db
from ..models import PracticeItem, PracticeSession
from ..presenters import practice as presenters
from ..progress import adherence
from .local_time import before_local_day, local_dates, local_midnight, zone_for

HISTORY_PER_PAGE = 30


def view_history(user, page: int = 1, per_page: int = HISTORY_PER_PAGE):
    """One page of the patient's own sessions, newest first; ``page`` is clamped to 1..pages."""
    access.require(user, access.VIEW, user.id)
    total = db.session.scalar(
        select(func.count(PracticeSession.id)).where(PracticeSession.patient_id == user.id)
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    sessions = sessions_for(user.id, limit=per_page, offset=(page - 1) * per_page)
    return presenters.history_page(sessions, zone_for(user), page, pages, total)


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
