"""The printable programme sheet (issue 16 part 6): the patient's programme in force, one
block per exercise, for A4 paper beside the mirror.

Loaded records and plain values in (the programme with its items, exercises and author,
the patient's today), a dataclass out; no database, no Flask.
"""

from dataclasses import dataclass
from datetime import date

from ..models import Programme


@dataclass(frozen=True)
class SheetExercise:
    name: str
    region: str
    picture: str  # a static path: the face region's drawing
    steps: list[str]
    hold_back: str
    dose: str  # "10 repetitions × 2 sets, hold 3 s, rest 5 s"
    how_often: str  # "2 times a day, 7 days a week"
    note: str | None


@dataclass(frozen=True)
class ProgrammeSheet:
    patient_name: str
    exercises: list[SheetExercise]
    programme_note: str | None
    therapist_name: str | None
    starts_on: date | None
    printed_on: date
    version: int | None


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def dose_text(reps: int, sets: int, hold: int, rest: int) -> str:
    sets_text = f" × {_plural(sets, 'set', 'sets')}" if sets > 1 else ""
    return f"{_plural(reps, 'repetition', 'repetitions')}{sets_text}, hold {hold} s, rest {rest} s"


def how_often_text(times_per_day: int, days_per_week: int) -> str:
    times = "once a day" if times_per_day == 1 else f"{times_per_day} times a day"
    return f"{times}, {_plural(days_per_week, 'day', 'days')} a week"


def programme_sheet(
    patient_name: str,
    programme: Programme | None,
    pictures: dict[str, str],
    today: date,
) -> ProgrammeSheet:
    """``programme`` in force with items, exercises and author loaded (None: none yet)."""
    if programme is None:
        return ProgrammeSheet(patient_name, [], None, None, None, today, None)
    exercises = [
        SheetExercise(
            name=item.exercise.name,
            region=item.exercise.region,
            picture=pictures.get(item.exercise.region, ""),
            steps=item.exercise.steps,
            hold_back=item.exercise.hold_back,
            dose=dose_text(item.reps, item.sets, item.hold_seconds, item.rest_seconds),
            how_often=how_often_text(item.times_per_day, item.days_per_week),
            note=item.note,
        )
        for item in sorted(programme.items, key=lambda item: item.position)
    ]
    author = programme.created_by.name if programme.created_by else None
    return ProgrammeSheet(
        patient_name,
        exercises,
        programme.note,
        author,
        programme.starts_on,
        today,
        programme.version,
    )
