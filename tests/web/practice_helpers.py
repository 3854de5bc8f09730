"""Helpers for the practice tests: exercises, programmes and sessions made directly."""

from datetime import date, datetime, timedelta

from retrain.extensions import db
from retrain.models import Exercise, PracticeSession, Programme, ProgrammeItem
from retrain.models.base import utcnow
from retrain.usecases import local_time


def make_exercise(name: str = "Gentle smile", **changes) -> Exercise:
    values = {
        "name": name,
        "region": "cheeks and smile",
        "purpose": "Practise a small, even smile.",
        "instructions": "Sit in front of a mirror.\nSlowly lift both mouth corners.",
        "hold_back": "Keep your eyes open and soft.",
        "default_reps": 10,
        "default_hold_seconds": 5,
        "default_rest_seconds": 5,
        **changes,
    }
    exercise = Exercise(**values)
    db.session.add(exercise)
    db.session.commit()
    return exercise


def make_programme(
    patient_id: int,
    exercises,
    *,
    starts_on: date | None = None,
    ended_on: date | None = None,
    version: int = 1,
    times_per_day: int = 2,
    days_per_week: int = 7,
    reps: int = 10,
    sets: int = 1,
    hold_seconds: int = 5,
    rest_seconds: int = 5,
) -> Programme:
    programme = Programme(
        patient_id=patient_id,
        version=version,
        starts_on=starts_on or (utcnow().date() - timedelta(days=60)),
        ended_on=ended_on,
        items=[
            ProgrammeItem(
                position=position,
                exercise_id=exercise.id,
                reps=reps,
                sets=sets,
                hold_seconds=hold_seconds,
                rest_seconds=rest_seconds,
                times_per_day=times_per_day,
                days_per_week=days_per_week,
            )
            for position, exercise in enumerate(exercises)
        ],
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def add_session(patient_id: int, performed_at: datetime, **changes) -> PracticeSession:
    """A stored session without items (the caller's programme is not checked)."""
    session = PracticeSession(
        patient_id=patient_id,
        performed_at=performed_at,
        effort=changes.pop("effort", 3),
        synkinesis_rating=changes.pop("synkinesis_rating", 4),
        source=changes.pop("source", "form"),
        **changes,
    )
    db.session.add(session)
    db.session.commit()
    return session


def local_noon(day: date, user=None) -> datetime:
    """Noon of ``day`` in the user's (or the clinic's) zone, as aware UTC."""
    zone = local_time.zone_for(user)
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone).astimezone(utcnow().tzinfo)


def local_today(user=None) -> date:
    return local_time.local_now(local_time.zone_for(user)).date()


def form_data(programme, **overrides) -> dict:
    """What the plain session form sends for ``programme`` at the full prescribed dose."""
    data = {}
    for index, item in enumerate(programme.items if programme else []):
        data[f"items-{index}-exercise_id"] = str(item.exercise_id)
        data[f"items-{index}-reps_done"] = str(item.reps * item.sets)
    data.update({"effort": "3", "synkinesis_rating": "4", "note": "", "source": "form"})
    data.update(overrides)
    return data
