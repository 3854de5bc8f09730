"""The exercise library."""

import json
from importlib import resources

from sqlalchemy import select

from ..extensions import db
from ..models import Exercise

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


def builtin_definitions() -> list[dict]:
    text = resources.files("retrain").joinpath("data/exercises.json").read_text("utf-8")
    return json.loads(text)["exercises"]


def sync_builtins() -> tuple[int, int]:
    """Insert or update built-ins by slug. Idempotent; never deletes (history refers to them)."""
    added = updated = 0
    existing = {e.slug: e for e in db.session.scalars(select(Exercise).where(Exercise.builtin))}
    for definition in builtin_definitions():
        values = {key: definition[key] for key in BUILTIN_FIELDS}
        if isinstance(values["instructions"], list):
            values["instructions"] = "\n".join(values["instructions"])
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
