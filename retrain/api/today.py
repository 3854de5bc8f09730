"""The patient's day: what is due, the streak, this week, and the programme."""

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from ..models import PATIENT
from ..usecases.today import view_today
from .core import Out, endpoint, out_of
from .programmes import ProgrammeOut, programme_out
from .sessions import SessionOut


class WeekOut(Out):
    """Practice this week to date (retrain/progress/adherence.py)."""

    start: date
    end: date
    sessions: int
    credited: int = Field(description="Sessions that count: at most the day's target each day")
    prescribed: float
    adherence: float | None = Field(description="Percent 0-100; null when none prescribed")


class SaqDueOut(Out):
    """When the next SAQ is owed (usecases/questionnaires.py, docs/progress.md)."""

    due: bool = Field(description="One is owed today")
    due_on: date
    overdue_days: int
    reason: str
    last_answered_on: date | None


class TodayOut(BaseModel):
    today: date = Field(description="Today in the patient's timezone")
    greeting: str
    programme: ProgrammeOut
    times_per_day: int
    days_per_week: int
    done_today: int
    due: int = Field(description="Sessions still due today")
    streak: int = Field(description="Days in a row with practice")
    week: WeekOut
    last_session: SessionOut | None
    saq: SaqDueOut


@endpoint("GET /today", roles=(PATIENT,), out=TodayOut)
def today():
    """Today for the patient: sessions due and done, streak, week, programme"""
    summary = view_today(current_user)
    last = summary.last_session
    return out_of(
        TodayOut,
        summary,
        programme=programme_out(summary.programme),
        week=WeekOut.model_validate(summary.week),
        last_session=SessionOut.model_validate(last.session) if last else None,
        saq=SaqDueOut.model_validate(summary.saq),
    )
