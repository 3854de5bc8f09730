"""The rules a programme version or template must meet, on plain values (no database).

- A programme version is in force from ``starts_on`` to ``ended_on`` inclusive
  (``ended_on`` None: still in force). At most one version per patient is open.
- Saving a new version starting on day D ends every open version on D - 1. When the old
  version started on D as well, its ``ended_on`` (D - 1) falls before its ``starts_on``:
  it was replaced the same day, was never in force, and is kept as history.
- D is at most one year back, not in the future (the patient's own "today"), and not
  before the start of the version in force, so versions never overlap.
- Each version holds 1 to 30 items. Item doses use the same ranges as the CHECK
  constraints of retrain.models.programmes.ProgrammeItem; a blank dose takes the
  exercise's default (reps, hold, rest) or 1 set, once a day, 7 days a week.
- Templates are programmes without a patient, with a title of at most 120 characters.

Tested in tests/unit/test_programme_rules.py.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import formatting
from ..errors import Invalid
from ..progress import live

# Dose ranges: the CHECK constraints of ProgrammeItem (a unit test keeps them equal).
ITEM_LIMITS: dict[str, tuple[int, int, str]] = {
    "reps": (1, 100, "Repetitions"),
    "sets": (1, 10, "Sets"),
    "hold_seconds": (0, 120, "Hold (seconds)"),
    "rest_seconds": (0, 120, "Rest (seconds)"),
    "times_per_day": (1, 6, "Times per day"),
    "days_per_week": (1, 7, "Days per week"),
}
# Blank doses: the exercise's own default, or these.
FIXED_DEFAULTS = {"sets": 1, "times_per_day": 1, "days_per_week": 7}
EXERCISE_DEFAULTS = {
    "reps": "default_reps",
    "hold_seconds": "default_hold_seconds",
    "rest_seconds": "default_rest_seconds",
}
MAX_ITEMS = 30
MAX_ITEM_NOTE = 500
MAX_NOTE = 2000
MAX_TITLE = 120
MAX_BACKDATE = timedelta(days=365)


def item_field(index: int, key: str) -> str:
    """The field name of one item's value, as WTForms names it: ``items-0-reps``."""
    return f"items-{index}-{key}"


@dataclass
class CheckedItems:
    items: list[dict] = field(default_factory=list)
    errors: list[Invalid] = field(default_factory=list)


def whole_number(value) -> int | None | str:
    """None for blank, the int, or "bad" for anything that is not a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return "bad"


def exercise_ids(raw_items: Iterable[Mapping]) -> set[int]:
    """The exercise ids the items name (the ones to look up in the library)."""
    ids = {whole_number(raw.get("exercise_id")) for raw in raw_items}
    return {i for i in ids if isinstance(i, int)}


def check_items(raw_items: Iterable[Mapping], exercises: Mapping[int, object]) -> CheckedItems:
    """Validate item dicts against the library ``exercises`` (id -> exercise-like object
    with name, retired, default_reps, default_hold_seconds, default_rest_seconds).

    Returns the clean items (ints filled in, note stripped) and every problem found.
    """
    result = CheckedItems()
    raw_items = list(raw_items)
    if not raw_items:
        result.errors.append(Invalid("Add at least one exercise.", field="items"))
        return result
    if len(raw_items) > MAX_ITEMS:
        result.errors.append(
            Invalid(f"A programme can hold at most {MAX_ITEMS} exercises.", field="items")
        )
        return result
    for index, raw in enumerate(raw_items):
        clean, errors = _check_item(index, raw, exercises)
        result.errors.extend(errors)
        if not errors:
            result.items.append(clean)
    return result


def _check_item(index: int, raw: Mapping, exercises: Mapping[int, object]):
    errors: list[Invalid] = []
    exercise_id = whole_number(raw.get("exercise_id"))
    exercise = exercises.get(exercise_id) if isinstance(exercise_id, int) else None
    problem = _exercise_problem(exercise_id, exercise, item_field(index, "exercise_id"))
    if problem:
        errors.append(problem)
    clean = {} if problem else {"exercise_id": exercise_id}
    for key in ITEM_LIMITS:
        value, problem = _dose(raw.get(key), key, exercise, item_field(index, key))
        if problem:
            errors.append(problem)
        elif value is not None:
            clean[key] = value
    note = (raw.get("note") or "").strip()
    if len(note) > MAX_ITEM_NOTE:
        errors.append(
            Invalid(
                f"Keep the note under {MAX_ITEM_NOTE} characters.",
                field=item_field(index, "note"),
            )
        )
    clean["note"] = note or None
    limit, problem = check_live_limit(raw.get("live_limit"), item_field(index, "live_limit"))
    if problem:
        errors.append(problem)
    clean["live_limit"] = limit
    return clean, errors


def check_live_limit(raw, where: str) -> tuple[float | None, Invalid | None]:
    """The therapist's live-feedback limit for this patient: blank keeps the default."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    low, high = live.LIMIT_RANGE
    message = f"Live feedback limit: enter a number from {low} to {high}, or leave it blank."
    if isinstance(raw, bool):
        return None, Invalid(message, field=where)
    try:
        value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        return None, Invalid(message, field=where)
    if not math.isfinite(value) or not low <= value <= high:
        return None, Invalid(message, field=where)
    return value, None


def _exercise_problem(exercise_id, exercise, where: str) -> Invalid | None:
    if exercise_id is None:
        return Invalid("Choose an exercise for this row.", field=where)
    if exercise is None:
        return Invalid("That exercise is not in the library.", field=where)
    if exercise.retired:
        return Invalid(
            f"“{exercise.name}” has been retired from the library. "
            "Choose another exercise or remove this row.",
            field=where,
        )
    return None


def _dose(raw, key: str, exercise, where: str) -> tuple[int | None, Invalid | None]:
    """The dose for ``key`` (a blank takes the default), or its problem. (None, None)
    when a blank has no default because the exercise is missing (already reported)."""
    low, high, label = ITEM_LIMITS[key]
    value = whole_number(raw)
    if value is None:
        if key in FIXED_DEFAULTS:
            value = FIXED_DEFAULTS[key]
        elif exercise is not None:
            value = getattr(exercise, EXERCISE_DEFAULTS[key])
        else:
            return None, None
    if value == "bad":
        return None, Invalid(f"{label}: enter a whole number.", field=where)
    if not low <= value <= high:
        return None, Invalid(f"{label} must be from {low} to {high}.", field=where)
    return value, None


def check_starts_on(
    starts_on: date | None, today: date, current_starts_on: date | None
) -> Invalid | None:
    """The problem with this start date, or None. ``today`` is the patient's today."""
    if starts_on is None:
        return Invalid("Enter the date the programme starts.", field="starts_on")
    if starts_on > today:
        return Invalid(
            "The start date cannot be in the future. Save the new programme on the day "
            "it should start.",
            field="starts_on",
        )
    if starts_on < today - MAX_BACKDATE:
        return Invalid("The start date can be at most one year ago.", field="starts_on")
    if current_starts_on is not None and starts_on < current_starts_on:
        return Invalid(
            "The new programme cannot start before the current one, which started on "
            f"{formatting.day(current_starts_on)}.",
            field="starts_on",
        )
    return None


def end_of_previous(starts_on: date) -> date:
    """The last day the previous version is in force when a new one starts on ``starts_on``."""
    return starts_on - timedelta(days=1)


def check_note(note: str | None, limit: int = MAX_NOTE) -> tuple[str | None, Invalid | None]:
    note = (note or "").strip()
    if len(note) > limit:
        return None, Invalid(f"Keep the note under {limit:,} characters.", field="note")
    return note or None, None


def check_title(title: str | None) -> tuple[str, Invalid | None]:
    """A template's title, stripped, or its problem."""
    title = (title or "").strip()
    if not title:
        return title, Invalid("Give the template a title.", field="title")
    if len(title) > MAX_TITLE:
        return title, Invalid(f"Keep the title under {MAX_TITLE} characters.", field="title")
    return title, None
