"""The patient's day: the Today page, the guided player and the plain session form.

Today reads the patient's derived figures (usecases/derived.py: sessions per local day
over the latest 28), one row whatever their years of history. When that row cannot
answer (none yet, another zone, a streak as long as the stored days) it reads the
sessions of the last TODAY_WINDOW_DAYS local days; only a streak that long makes it
read the rest.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import PatientFigures, Programme
from ..presenters import practice as presenters
from ..progress import adherence
from ..progress.derived import counts_for_today
from . import practice_history, questionnaires
from .local_time import local_now, zone_for
from .programme_reads import current_programme, versions_for

TODAY_WINDOW_DAYS = 400


def view_today(user, today: date | None = None) -> presenters.TodaySummary:
    """What is due today, the streak, this week's adherence, the last session, and
    whether a questionnaire is owed. ``today`` (tests) defaults to the patient's today."""
    access.require(user, access.VIEW, user.id)
    zone = zone_for(user)
    now = local_now(zone)
    today = today or now.date()
    counts = _stored_counts(user.id, zone.key, today)
    if counts is None:
        since = today - timedelta(days=TODAY_WINDOW_DAYS)
        counts = practice_history.daily_counts(user.id, zone, since=since)
        if adherence.streak(counts, today) >= TODAY_WINDOW_DAYS:
            counts = practice_history.daily_counts(user.id, zone)  # as long as the window: all
    return presenters.today_summary(
        full_name=user.name,
        now=now,
        today=today,
        programme=current_programme(user.id),
        counts=counts,
        versions=versions_for(Programme.patient_id == user.id, {}, zone).get(user.id, []),
        last_session=practice_history.last_session(user.id),
        saq=questionnaires.saq_due_for(user.id, today),
    )


def _stored_counts(patient_id: int, zone_key: str, today: date) -> dict[date, int] | None:
    """Sessions per local day from the patient's derived row, or None when it cannot
    answer for ``today`` (progress.derived.counts_for_today)."""
    row = db.session.execute(
        select(PatientFigures.zone, PatientFigures.recent_days).where(
            PatientFigures.patient_id == patient_id
        )
    ).first()
    if row is None or row.zone != zone_key:
        return None
    return counts_for_today({date.fromisoformat(d): n for d, n in row.recent_days.items()}, today)


@dataclass(frozen=True)
class PracticePage:
    """The guided player or the plain session form."""

    programme: Programme | None  # items and exercises loaded
    today: date  # the patient's today: the latest day a session may be logged for
    affected_side: str | None = None  # the patient's record, for live feedback
    done_today: int = 0  # sessions already logged today

    @property
    def due_items(self) -> list:
        """The exercises due in this session of the day (issue 16 part 7)."""
        return presenters.due_items(self.programme, self.done_today) if self.programme else []

    @property
    def player_data(self) -> dict | None:
        if not self.programme:
            return None
        return presenters.player_data(
            self.programme, affected_side=self.affected_side, items=self.due_items
        )


def view_practice(user) -> PracticePage:
    """The programme to practise now, for the player and the session form."""
    patient = access.require(user, access.LOG_PRACTICE, user.id)
    zone = zone_for(user)
    today = local_now(zone).date()
    return PracticePage(
        current_programme(user.id),
        today,
        affected_side=getattr(patient, "affected_side", None),
        done_today=practice_history.daily_counts(user.id, zone, since=today).get(today, 0),
    )
