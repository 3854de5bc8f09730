"""The staff patient page (and the API's patient detail) from loaded records."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..models import Patient, Programme
from .caseload import CaseloadRow
from .live_trends import ExerciseTrend
from .practice_chart import PracticeChart


@dataclass(frozen=True)
class SessionRow:
    performed_at: datetime  # in the patient's zone
    effort: int
    synkinesis_rating: int
    exercises_done: int
    exercises_skipped: int
    note: str | None
    live_scored: int | None = None  # live feedback: repetitions measured (None: not used)
    live_clean: int | None = None  # of which the held-back movement stayed under the limit


@dataclass(frozen=True)
class LogPage:
    page: int
    pages: int
    total: int  # sessions ever logged


@dataclass(frozen=True)
class PatientOverview:
    patient_id: int
    name: str
    email: str
    affected_side: str
    active: bool
    timezone: str
    password_set: bool
    invitation_expires_at: datetime | None  # the live unused link, if any
    current: Programme | None
    history: list[Programme]  # newest first
    sessions: list[SessionRow]  # newest first
    adherence: CaseloadRow | None  # staff only: the same figures as their caseload row
    can_prescribe: bool  # the viewer may write a new programme version
    can_invite: bool  # the viewer may make a new invitation link
    log: LogPage | None = None  # which page of the session log ``sessions`` is
    practice_chart: PracticeChart | None = None  # staff only: daily ratings and effort
    live_trends: tuple[ExerciseTrend, ...] = ()  # staff only: the chart's weeks


def session_rows(counted: Iterable[tuple], zone: ZoneInfo) -> list[SessionRow]:
    """(session, exercises done, exercises skipped[, live reps measured, live reps clean])
    as rows in the patient's time."""
    return [
        SessionRow(
            performed_at=session.performed_at.astimezone(zone),
            effort=session.effort,
            synkinesis_rating=session.synkinesis_rating,
            exercises_done=done,
            exercises_skipped=skipped,
            note=session.note,
            live_scored=live[0] if live else None,
            live_clean=live[1] if live else None,
        )
        for session, done, skipped, *live in counted
    ]


def patient_overview(patient: Patient, zone: ZoneInfo, **parts) -> PatientOverview:
    """``patient`` with their account loaded, and the rest of PatientOverview's fields as
    ``parts`` (from ``invitation_expires_at`` on, all but ``current``, which is the
    programme in ``history`` not yet ended); ``history`` newest first."""
    user = patient.user
    return PatientOverview(
        patient_id=patient.id,
        name=user.name,
        email=user.email,
        affected_side=patient.affected_side,
        active=user.active,
        timezone=str(zone),
        password_set=bool(user.password_hash),
        current=next((p for p in parts["history"] if p.ended_on is None), None),
        **parts,
    )
