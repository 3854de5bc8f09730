"""A patient's practice figures as staff see them: a caseload row (also on their page).

Periods are "to date" (retrain/progress/adherence.py): today's share counts only as far
as it has been met. Each patient's days are their own local days.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..progress import adherence
from ..progress.review import ClinicalStatus
from .reminders import ReminderReach

WINDOW_DAYS = 28
RECENT_DAYS = 7
QUIET_DAYS = 3  # flag a patient with a programme but no session in this many local days


@dataclass(frozen=True)
class CaseloadPatient:
    """Who a row is about (any object with these attributes will do)."""

    id: int
    name: str
    email: str
    affected_side: str


@dataclass(frozen=True)
class CaseloadRow:
    patient_id: int
    name: str
    email: str
    affected_side: str
    has_programme: bool
    last_session_at: datetime | None
    sessions_7d: int
    prescribed_7d: float
    sessions_28d: int
    prescribed_28d: float
    adherence_28d: float | None  # percent 0-100, None when nothing was prescribed
    no_session_3_days: bool  # flag: no session in the last 3 local days (and a programme exists)
    # The clinician's figures (progress.review.clinical_status_of); None on the therapist's
    clinical: ClinicalStatus | None = None
    reminder: ReminderReach | None = None  # last reminder reached (usecases.reminder_settings)
    unread_messages: int = 0  # in the patient's thread, for this staff member (usecases.messages)

    @property
    def needs_attention(self) -> bool:
        unreached = self.reminder is not None and self.reminder.no_reach_3_days
        return self.no_session_3_days or not self.has_programme or unreached


def caseload_row(
    patient: CaseloadPatient,
    versions: Sequence[adherence.Version],
    session_days: Iterable[date],
    last_session_at: datetime | None,
    today: date,
    clinical: ClinicalStatus | None = None,
) -> CaseloadRow:
    """One patient's figures from their programme versions and the local days of their
    recent sessions (at least the last WINDOW_DAYS; later days than ``today`` are left out).

    Periods: the last 7 and 28 local days, today included. ``no_session_3_days``: a
    programme is in force (not ended), it started at least 3 local days ago (today and
    the 2 days before), and none of those 3 days has a session, so a programme given
    this morning does not raise the flag at once.
    """
    counts = adherence.daily_counts(day for day in session_days if day <= today)
    recent = adherence.last_days(counts, versions, today, RECENT_DAYS)
    window = adherence.last_days(counts, versions, today, WINDOW_DAYS)
    has_programme = any(v.ended_on is None for v in versions)
    quiet_from = today - timedelta(days=QUIET_DAYS - 1)
    started_early = any(v.starts_on <= quiet_from for v in versions)
    quiet = all(counts.get(quiet_from + timedelta(days=n), 0) == 0 for n in range(QUIET_DAYS))
    return CaseloadRow(
        patient_id=patient.id,
        name=patient.name,
        email=patient.email,
        affected_side=patient.affected_side,
        has_programme=has_programme,
        last_session_at=last_session_at,
        sessions_7d=recent.sessions,
        prescribed_7d=recent.prescribed,
        sessions_28d=window.sessions,
        prescribed_28d=window.prescribed,
        adherence_28d=window.adherence,
        no_session_3_days=has_programme and started_early and quiet,
        clinical=clinical,
    )


def by_name(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
    """The caseload's order: by name (case-insensitive), then id."""
    return sorted(rows, key=lambda row: (row.name.casefold(), row.patient_id))
