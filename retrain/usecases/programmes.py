"""Programmes: versions prescribed to a patient, and copyable templates.

Rules (tested in tests/unit/test_programme_rules.py and tests/web/test_programmes.py):

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
- Versions are numbered 1, 2, 3... per patient; the unique constraint
  (patient_id, version) settles two saves at once: the loser retries once on top of
  the winner's version, and reports a clear message if it collides again.
- Templates are programmes without a patient (``patient_id`` NULL, a title). Any
  therapist may use one; only its author changes or deletes it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import access, formatting
from ..errors import Invalid, NotAllowed, NotFound
from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import THERAPIST, Exercise, Programme, ProgrammeItem
from ..usecases import exercises

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

CONCURRENT_SAVE = (
    "Someone else saved a programme for this patient at the same moment. "
    "Please look at the patient's page and try again."
)


def item_field(index: int, key: str) -> str:
    """The field name of one item's value, as WTForms names it: ``items-0-reps``."""
    return f"items-{index}-{key}"


# Pure rules (plain values in, plain values out) ------------------------------------


@dataclass
class CheckedItems:
    items: list[dict] = field(default_factory=list)
    errors: list[Invalid] = field(default_factory=list)


def _whole_number(value) -> int | None | str:
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
    clean: dict = {}
    exercise_id = _whole_number(raw.get("exercise_id"))
    exercise = exercises.get(exercise_id) if isinstance(exercise_id, int) else None
    where = item_field(index, "exercise_id")
    if exercise_id is None:
        errors.append(Invalid("Choose an exercise for this row.", field=where))
    elif exercise is None:
        errors.append(Invalid("That exercise is not in the library.", field=where))
    elif exercise.retired:
        errors.append(
            Invalid(
                f"“{exercise.name}” has been retired from the library. "
                "Choose another exercise or remove this row.",
                field=where,
            )
        )
    else:
        clean["exercise_id"] = exercise_id

    for key, (low, high, label) in ITEM_LIMITS.items():
        value = _whole_number(raw.get(key))
        where = item_field(index, key)
        if value is None:
            if key in FIXED_DEFAULTS:
                value = FIXED_DEFAULTS[key]
            elif exercise is not None:
                value = getattr(exercise, EXERCISE_DEFAULTS[key])
            else:
                continue  # the missing exercise is already reported
        if value == "bad":
            errors.append(Invalid(f"{label}: enter a whole number.", field=where))
        elif not low <= value <= high:
            errors.append(Invalid(f"{label} must be from {low} to {high}.", field=where))
        else:
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
    return clean, errors


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


# Reading ----------------------------------------------------------------------------


def _with_items(statement):
    """Versions with their items, exercises and authors, joined into one query (a version
    has a handful of items): callers take ``.unique()`` results."""
    return statement.options(
        joinedload(Programme.items).joinedload(ProgrammeItem.exercise),
        joinedload(Programme.created_by),
    )


def current_programme(patient_id: int) -> Programme | None:
    """The patient's programme in force (latest version not ended), items and exercises loaded.

    One query: the items and their exercises are joined in (a programme has a handful),
    where two selectin loads would cost two more on Today, the player and every save.
    """
    return (
        db.session.scalars(
            select(Programme)
            .where(Programme.patient_id == patient_id, Programme.ended_on.is_(None))
            .order_by(Programme.version.desc())
            .options(joinedload(Programme.items).joinedload(ProgrammeItem.exercise))
            .limit(1)
        )
        .unique()
        .first()
    )


def programme_history(patient_id: int) -> list[Programme]:
    """All the patient's versions, newest first; items, exercises and authors loaded."""
    return list(
        db.session.scalars(
            _with_items(
                select(Programme)
                .where(Programme.patient_id == patient_id)
                .order_by(Programme.version.desc())
            )
        ).unique()
    )


def exercise_choices() -> list[Exercise]:
    """Exercises a therapist may prescribe: the library's active ones."""
    return list(exercises.choices_for_programme())


def _exercises_for(raw_items: list[Mapping]) -> dict[int, Exercise]:
    ids = {_whole_number(raw.get("exercise_id")) for raw in raw_items}
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(Exercise).where(Exercise.id.in_(ids)))}


def items_as_rows(programme: Programme | None) -> list[dict]:
    """A programme's items as the plain dicts save_programme takes (to pre-fill a form)."""
    if programme is None:
        return []
    return [
        {
            "exercise_id": item.exercise_id,
            "reps": item.reps,
            "sets": item.sets,
            "hold_seconds": item.hold_seconds,
            "rest_seconds": item.rest_seconds,
            "times_per_day": item.times_per_day,
            "days_per_week": item.days_per_week,
            "note": item.note or "",
        }
        for item in programme.items
    ]


# Writing patient versions --------------------------------------------------------------


def _require(user, action: str, patient_id: int) -> None:
    """Defence in depth for callers other than the HTML routes (which ask access first)."""
    if not access.may(user, action, patient_id):
        raise NotFound()


def _next_version(patient_id: int) -> int:
    latest = db.session.scalar(
        select(func.max(Programme.version)).where(Programme.patient_id == patient_id)
    )
    return (latest or 0) + 1


def _write_version(patient_id, author, starts_on, raw_items, note, today) -> Programme:
    lock_patient(patient_id)  # two saves at once must not both end the same version
    raw_items = list(raw_items)
    checked = check_items(raw_items, _exercises_for(raw_items))
    errors = list(checked.errors)
    open_versions = list(
        db.session.scalars(
            select(Programme).where(
                Programme.patient_id == patient_id, Programme.ended_on.is_(None)
            )
        )
    )
    current_start = max((p.starts_on for p in open_versions if p.starts_on), default=None)
    problem = check_starts_on(starts_on, today, current_start)
    if problem:
        errors.insert(0, problem)
    note, problem = check_note(note)
    if problem:
        errors.insert(0, problem)
    if errors:
        raise Invalid.all_of(errors)

    for previous in open_versions:
        previous.ended_on = end_of_previous(starts_on)
    programme = Programme(
        patient_id=patient_id,
        version=_next_version(patient_id),
        starts_on=starts_on,
        note=note,
        created_by_id=author.id,
        items=[
            ProgrammeItem(position=position, **item)
            for position, item in enumerate(checked.items, start=1)
        ],
    )
    db.session.add(programme)
    db.session.flush()
    return programme


def save_programme(
    patient_id: int,
    author,
    starts_on: date | None,
    items: Iterable[Mapping],
    note: str | None = None,
    *,
    today: date | None = None,
) -> Programme:
    """Prescribe a new version for the patient (see the module rules). Atomic.

    ``items`` are dicts: exercise_id, reps, sets, hold_seconds, rest_seconds,
    times_per_day, days_per_week, note. ``today`` defaults to the patient's today.
    Raises Invalid with every problem, nothing saved.
    """
    from ..usecases.patients import patient_today

    _require(author, access.PRESCRIBE, patient_id)
    items = list(items)
    for attempt in range(2):
        try:
            day = today or patient_today(patient_id)
            programme = _write_version(patient_id, author, starts_on, items, note, day)
            db.session.commit()
            return programme
        except Invalid:
            db.session.rollback()
            raise
        except IntegrityError:
            # Another save took this version number first: retry once on top of it.
            db.session.rollback()
            if attempt:
                break
    raise Invalid(CONCURRENT_SAVE, field="starts_on") from None


# Templates ------------------------------------------------------------------------------


def list_templates() -> list[Programme]:
    """Every template, by title; items, exercises and authors loaded."""
    return list(
        db.session.scalars(
            _with_items(
                select(Programme)
                .where(Programme.patient_id.is_(None))
                .order_by(func.lower(Programme.title), Programme.id)
            )
        ).unique()
    )


def get_template(template_id: int) -> Programme:
    template = (
        db.session.scalars(
            _with_items(
                select(Programme).where(Programme.id == template_id, Programme.patient_id.is_(None))
            )
        )
        .unique()
        .first()
    )
    if template is None:
        raise NotFound()
    return template


def _own_template(template_id: int, author) -> Programme:
    template = get_template(template_id)
    if template.created_by_id != author.id:
        raise NotAllowed()
    return template


def _checked_template(title, items, note):
    items = list(items)
    errors: list[Invalid] = []
    title = (title or "").strip()
    if not title:
        errors.append(Invalid("Give the template a title.", field="title"))
    elif len(title) > MAX_TITLE:
        errors.append(Invalid(f"Keep the title under {MAX_TITLE} characters.", field="title"))
    note, problem = check_note(note)
    if problem:
        errors.append(problem)
    checked = check_items(items, _exercises_for(items))
    errors.extend(checked.errors)
    if errors:
        raise Invalid.all_of(errors)
    return title, checked.items, note


def save_template(author, title: str, items: Iterable[Mapping], note: str | None = None):
    """A new template written by ``author`` (a therapist)."""
    if getattr(author, "role", None) != THERAPIST:
        raise NotAllowed()
    title, items, note = _checked_template(title, items, note)
    template = Programme(
        patient_id=None,
        title=title,
        note=note,
        created_by_id=author.id,
        items=[ProgrammeItem(position=i, **item) for i, item in enumerate(items, start=1)],
    )
    db.session.add(template)
    db.session.commit()
    return template


def update_template(
    template_id: int, author, title: str, items: Iterable[Mapping], note: str | None = None
) -> Programme:
    """Replace the title, note and items of the author's own template."""
    template = _own_template(template_id, author)
    title, items, note = _checked_template(title, items, note)
    template.title = title
    template.note = note
    template.items = [ProgrammeItem(position=i, **item) for i, item in enumerate(items, start=1)]
    db.session.commit()
    return template


def delete_template(template_id: int, author) -> None:
    """Delete the author's own template (patients' programmes made from it stay)."""
    db.session.delete(_own_template(template_id, author))
    db.session.commit()


def apply_template(
    template_id: int, patient_id: int, author, starts_on: date | None = None
) -> Programme:
    """A new version for the patient with the template's items (copied, not linked).

    ``starts_on`` defaults to the patient's today.
    """
    from ..usecases.patients import patient_today

    template = get_template(template_id)
    note = f"From the template “{template.title}”."
    if template.note:
        note = f"{note}\n{template.note}"
    return save_programme(
        patient_id,
        author,
        starts_on or patient_today(patient_id),
        items_as_rows(template),
        note[:MAX_NOTE],
    )
