"""The exercise library: built-in exercises (read-only) and staff members' own.

Built-ins come from retrain/data/exercises.json (principles and sources are listed
there). Staff add their own exercises, edit and retire the ones they wrote. Retiring
never deletes: programmes and practice history refer to exercises by id.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, raiseload

from .. import access
from ..errors import Invalid, NotAllowed, NotFound
from ..extensions import db
from ..models import EXPRESSIONS, REGIONS, STAFF_ROLES, Exercise
from ..models.base import utcnow
from ..progress import live

BUILTIN_FIELDS = (
    "name",
    "region",
    "purpose",
    "instructions",
    "hold_back",
    "default_reps",
    "default_hold_seconds",
    "default_rest_seconds",
    "snapshot_expression",
)
# The live-feedback rule comes as two choices ("measure:side", see progress/live.py).
EDITABLE_FIELDS = (*BUILTIN_FIELDS, "live_target", "live_hold_back")
# The built-ins' live rules: one file, read by the server and the browser's tests.
LIVE_RULES_FILE = Path("js/live/exercise-measures.json")

# The same ranges as the CHECK constraints on models.Exercise (a unit test compares them).
RANGES = {
    "default_reps": (1, 100),
    "default_hold_seconds": (0, 120),
    "default_rest_seconds": (0, 120),
}
# Text limits: name matches the column; the others keep pages readable.
MAX_LENGTH = {"name": 120, "purpose": 1000, "hold_back": 500, "instructions": 4000}
MAX_STEPS = 20
MAX_STEP_LENGTH = 300

# Pictures in static/img/regions/, one per region (for url_for('static', filename=...)).
REGION_SLUGS = {region: region.replace(" ", "-") for region in REGIONS}
REGION_PICTURES = {region: f"img/regions/{slug}.svg" for region, slug in REGION_SLUGS.items()}

_MESSAGES = {
    "default_reps": "Enter a number of repetitions from {low} to {high}.",
    "default_hold_seconds": "Enter a hold time from {low} to {high} seconds.",
    "default_rest_seconds": "Enter a rest time from {low} to {high} seconds.",
}
UNKNOWN_REGION = "Choose one of the listed face regions."
_REQUIRED = {
    "name": "Enter a name for the exercise.",
    "purpose": "Say in a sentence or two why this exercise helps.",
    "instructions": "Enter at least one step.",
    "hold_back": "Say what the patient should keep still while doing it.",
}


# Built-ins ---------------------------------------------------------------------------


def builtin_definitions() -> list[dict]:
    text = resources.files("retrain").joinpath("data/exercises.json").read_text("utf-8")
    return json.loads(text)["exercises"]


def builtin_live_rules() -> dict[str, dict | None]:
    """slug -> live rule of every built-in (static/js/live/exercise-measures.json)."""
    path = Path(current_app.static_folder) / LIVE_RULES_FILE
    rules = json.loads(path.read_text("utf-8"))["exercises"]
    return {slug: live.check_rule(rule) for slug, rule in rules.items()}


def sync_builtins() -> tuple[int, int]:
    """Insert or update built-ins by slug. Idempotent; never deletes (history refers to them)."""
    added = updated = 0
    existing = {e.slug: e for e in db.session.scalars(select(Exercise).where(Exercise.builtin))}
    rules = builtin_live_rules()
    for definition in builtin_definitions():
        values = {key: definition[key] for key in BUILTIN_FIELDS}
        if isinstance(values["instructions"], list):
            values["instructions"] = "\n".join(values["instructions"])
        values["live_rule"] = rules.get(definition["slug"])
        exercise = existing.get(definition["slug"])
        if exercise is None:
            db.session.add(Exercise(slug=definition["slug"], builtin=True, **values))
            added += 1
        elif any(getattr(exercise, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(exercise, key, value)
            updated += 1
    db.session.commit()
    return added, updated


# Reading -----------------------------------------------------------------------------


def _region_order():
    """Regions in the order of REGIONS (top of the face to the neck), not alphabetical."""
    return case({region: index for index, region in enumerate(REGIONS)}, value=Exercise.region)


def _library_query():
    # The author is loaded with the exercise; anything else would be a lazy load in a
    # template, which raises instead of querying.
    return select(Exercise).options(joinedload(Exercise.author), raiseload("*"))


def list_exercises(region: str | None = None, include_retired: bool = False) -> list[Exercise]:
    """The library, ordered by region then name; retired ones only when asked for."""
    query = _library_query().order_by(_region_order(), func.lower(Exercise.name), Exercise.id)
    if region:
        if region not in REGIONS:
            raise Invalid(UNKNOWN_REGION, field="region")
        query = query.where(Exercise.region == region)
    if not include_retired:
        query = query.where(Exercise.retired_at.is_(None))
    return list(db.session.scalars(query).unique())


def group_by_region(exercises: list[Exercise]) -> list[tuple[str, list[Exercise]]]:
    """[(region, exercises)] in REGIONS order, leaving out regions with none."""
    groups = {region: [] for region in REGIONS}
    for exercise in exercises:
        groups[exercise.region].append(exercise)
    return [(region, items) for region, items in groups.items() if items]


def choices_for_programme() -> list[Exercise]:
    """Active (not retired) exercises ordered by region then name, for the programme builder."""
    return list_exercises()


def by_id(ids: Iterable[int]) -> dict[int, Exercise]:
    """The exercises with these ids (retired ones too), by id."""
    ids = set(ids)
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(Exercise).where(Exercise.id.in_(ids)))}


# The library pages -------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryPage:
    groups: list[tuple[str, list[Exercise]]]
    count: int
    region: str | None  # the region shown; None: all
    include_retired: bool
    filter_error: str | None  # an unknown region was asked for: all are shown


@dataclass(frozen=True)
class ExerciseView:
    exercise: Exercise
    editable: bool  # by this user (may_edit)

    @property
    def live_feedback(self) -> str:
        """The exercise's live-feedback rule in words."""
        return live.describe(self.exercise.live_rule)


def view_library(user, region: str | None = None, include_retired: bool = False) -> LibraryPage:
    """The library for staff; an unknown region shows every region with a message."""
    access.require_role(user, *STAFF_ROLES)
    filter_error = None
    if region and region not in REGIONS:
        filter_error, region = UNKNOWN_REGION, None
    items = list_exercises(region, include_retired)
    return LibraryPage(group_by_region(items), len(items), region, include_retired, filter_error)


def view_exercise(user, exercise_id: int) -> ExerciseView:
    access.require_role(user, *STAFF_ROLES)
    exercise = db.session.scalars(_library_query().where(Exercise.id == exercise_id)).first()
    if exercise is None:
        raise NotFound()
    return ExerciseView(exercise, may_edit(user, exercise))


def exercise_to_edit(user, exercise_id: int) -> Exercise:
    """One of the user's own exercises; NotFound, or NotAllowed for anyone else's."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound()
    _require_editor(user, exercise)
    return exercise


# Changing ----------------------------------------------------------------------------


def may_edit(user, exercise: Exercise) -> bool:
    """Staff may edit, retire and restore only the exercises they wrote; built-ins never."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.active
        and user.role in access.LIBRARY_EDIT_ROLES
        and not exercise.builtin
        and exercise.author_id is not None
        and exercise.author_id == user.id
    )


def _require_editor(user, exercise: Exercise) -> None:
    if not may_edit(user, exercise):
        if exercise.builtin:
            raise NotAllowed("Built-in exercises can't be changed. You can add your own.")
        raise NotAllowed("Only the person who added this exercise can change it.")


def _text(values: dict, key: str) -> str:
    value = values.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        raise Invalid(_REQUIRED[key], field=key)
    if len(value) > MAX_LENGTH[key]:
        raise Invalid(f"Keep this under {MAX_LENGTH[key]} characters.", field=key)
    return value


def _steps(value) -> str:
    lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    steps = [" ".join(str(line).split()) for line in lines]
    steps = [step for step in steps if step]
    if not steps:
        raise Invalid(_REQUIRED["instructions"], field="instructions")
    if len(steps) > MAX_STEPS:
        raise Invalid(f"Keep it to {MAX_STEPS} steps or fewer.", field="instructions")
    if any(len(step) > MAX_STEP_LENGTH for step in steps):
        raise Invalid(
            f"Keep each step under {MAX_STEP_LENGTH} characters; split long ones in two.",
            field="instructions",
        )
    text = "\n".join(steps)
    if len(text) > MAX_LENGTH["instructions"]:
        raise Invalid(
            f"Keep the steps under {MAX_LENGTH['instructions']} characters in all.",
            field="instructions",
        )
    return text


def _whole_number(values: dict, key: str) -> int:
    low, high = RANGES[key]
    message = _MESSAGES[key].format(low=low, high=high)
    value = values.get(key)
    if isinstance(value, bool) or value is None or value == "":
        raise Invalid(message, field=key)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(message, field=key) from None
    if isinstance(value, float) and value != number:
        raise Invalid(message, field=key)
    if not low <= number <= high:
        raise Invalid(message, field=key)
    return number


def clean_values(values: dict) -> dict:
    """Check and tidy every editable field; Invalid names the first bad field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    region = values.get("region")
    if region not in REGIONS:
        raise Invalid("Choose the face region this exercise works on.", field="region")
    expression = values.get("snapshot_expression") or None
    if expression is not None and expression not in EXPRESSIONS:
        raise Invalid("Choose one of the listed expressions, or none.", field="snapshot_expression")
    return {
        "live_rule": _live_rule(values),
        "name": _text(values, "name"),
        "region": region,
        "purpose": _text(values, "purpose"),
        "instructions": _steps(values.get("instructions")),
        "hold_back": _text(values, "hold_back"),
        "default_reps": _whole_number(values, "default_reps"),
        "default_hold_seconds": _whole_number(values, "default_hold_seconds"),
        "default_rest_seconds": _whole_number(values, "default_rest_seconds"),
        "snapshot_expression": expression,
    }


def _live_rule(values: dict) -> dict | None:
    """The two live-feedback choices as the stored rule (None: not measured live)."""
    parts = {}
    for key in ("live_target", "live_hold_back"):
        try:
            parts[key] = live.part_from_key(values.get(key) or None)
        except ValueError:
            raise Invalid("Choose one of the listed movements, or none.", field=key) from None
    rule = {"target": parts["live_target"], "hold_back": parts["live_hold_back"]}
    return rule if rule["target"] or rule["hold_back"] else None


def create_exercise(user, **values) -> Exercise:
    """A staff member adds their own exercise."""
    access.require_role(user, *access.LIBRARY_EDIT_ROLES)
    exercise = Exercise(builtin=False, slug=None, author_id=user.id, **clean_values(values))
    db.session.add(exercise)
    db.session.commit()
    return exercise


def update_exercise(user, exercise_id: int, **values) -> Exercise:
    """Change the fields given (the others keep their value); only by the author."""
    exercise = exercise_to_edit(user, exercise_id)
    current = {key: getattr(exercise, key) for key in EDITABLE_FIELDS}
    cleaned = clean_values({**current, **values})
    for key, value in cleaned.items():
        setattr(exercise, key, value)
    db.session.commit()
    return exercise


def retire_exercise(user, exercise_id: int) -> Exercise:
    """Hide from the library and from new programmes; history keeps showing it."""
    exercise = exercise_to_edit(user, exercise_id)
    if exercise.retired:
        raise Invalid("This exercise is already retired.")
    exercise.retired_at = utcnow()
    db.session.commit()
    return exercise


def restore_exercise(user, exercise_id: int) -> Exercise:
    """Bring a retired exercise back into the library."""
    exercise = exercise_to_edit(user, exercise_id)
    if not exercise.retired:
        raise Invalid("This exercise is not retired.")
    exercise.retired_at = None
    db.session.commit()
    return exercise
