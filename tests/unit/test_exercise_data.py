"""The built-in exercise library: retrain/data/exercises.json and sync_builtins()."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, func, select

from retrain.errors import Invalid
from retrain.extensions import db
from retrain.models import EXPRESSIONS, REGIONS, Exercise
from retrain.usecases import exercises as library

DATA = Path(__file__).resolve().parents[2] / "retrain" / "data" / "exercises.json"
KEYS = {
    "slug",
    "name",
    "region",
    "purpose",
    "instructions",
    "hold_back",
    "default_reps",
    "default_hold_seconds",
    "default_rest_seconds",
    "snapshot_expression",
}


@pytest.fixture(scope="module")
def document():
    return json.loads(DATA.read_text("utf-8"))


@pytest.fixture(scope="module")
def definitions(document):
    return document["exercises"]


def model_ranges() -> dict[str, tuple[int, int]]:
    """The BETWEEN ranges written in models.Exercise's CHECK constraints."""
    ranges = {}
    for constraint in Exercise.__table__.constraints:
        if isinstance(constraint, CheckConstraint):
            match = re.fullmatch(r"(\w+) BETWEEN (\d+) AND (\d+)", str(constraint.sqltext))
            if match:
                ranges[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return ranges


def test_service_ranges_are_the_model_ranges():
    assert model_ranges() == library.RANGES
    assert library.RANGES == {
        "default_reps": (1, 100),
        "default_hold_seconds": (0, 120),
        "default_rest_seconds": (0, 120),
    }


def test_document_names_its_sources(document):
    sources = " ".join(document["sources"])
    assert "Lindsay" in sources and "Phys Ther" in sources
    assert "VanSwearingen" in sources and "Facial Plast Surg" in sources


def test_at_least_14_exercises_with_exactly_the_known_keys(definitions):
    assert len(definitions) >= 14
    for definition in definitions:
        assert set(definition) == KEYS, definition.get("slug")


def test_at_least_two_per_region_and_regions_known(definitions):
    counts = Counter(d["region"] for d in definitions)
    assert set(counts) == set(REGIONS)
    assert min(counts.values()) >= 2


def test_slugs_unique_and_url_safe(definitions):
    slugs = [d["slug"] for d in definitions]
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)
    assert all(len(slug) <= 80 for slug in slugs)


def test_names_unique(definitions):
    names = [d["name"].lower() for d in definitions]
    assert len(names) == len(set(names))


def test_doses_within_the_model_ranges(definitions):
    for definition in definitions:
        for key, (low, high) in model_ranges().items():
            value = definition[key]
            assert isinstance(value, int) and not isinstance(value, bool), (definition["slug"], key)
            assert low <= value <= high, (definition["slug"], key, value)


def test_expressions_known_or_none(definitions):
    for definition in definitions:
        assert definition["snapshot_expression"] in (*EXPRESSIONS, None), definition["slug"]


def test_steps_are_a_list_of_short_sentences(definitions):
    for definition in definitions:
        steps = definition["instructions"]
        assert isinstance(steps, list) and 3 <= len(steps) <= library.MAX_STEPS
        assert all(isinstance(step, str) and step.strip() == step and step for step in steps)
        assert all("\n" not in step for step in steps)


def test_the_brief_s_kinds_of_exercise_are_there(definitions):
    slugs = {d["slug"] for d in definitions}
    assert {
        "gentle-eye-closure",  # eye closure without smile
        "closed-lip-smile",  # smile without eye closure
        "pucker-eyes-open",  # pucker without eye closure
        "gentle-brow-raise",
        "gentle-nose-wrinkle",
        "chin-relaxation",
        "platysma-stretch",
        "cheek-stretch",
    } <= slugs


def test_every_built_in_passes_the_same_checks_as_a_staff_exercise(definitions):
    for definition in definitions:
        values = {key: definition[key] for key in library.BUILTIN_FIELDS}
        cleaned = library.clean_values(values)
        assert cleaned["instructions"] == "\n".join(definition["instructions"])


def test_region_pictures_exist():
    static = Path(__file__).resolve().parents[2] / "static"
    for region in REGIONS:
        picture = static / library.REGION_PICTURES[region]
        text = picture.read_text("utf-8")
        assert "<title" in text and "<script" not in text


# clean_values on hand-made input -------------------------------------------------------


def good_values(**changes):
    values = {
        "name": "  Test  ",
        "region": "lips",
        "purpose": "Why.",
        "instructions": "Step one.\n\n   Step   two.  \n",
        "hold_back": "Eye soft.",
        "default_reps": "5",
        "default_hold_seconds": 0,
        "default_rest_seconds": 120,
        "snapshot_expression": "",
    }
    values.update(changes)
    return values


def test_clean_values_tidies_text_and_numbers():
    cleaned = library.clean_values(good_values())
    assert cleaned["name"] == "Test"
    assert cleaned["instructions"] == "Step one.\nStep two."
    assert cleaned["default_reps"] == 5
    assert cleaned["snapshot_expression"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"default_reps": 0}, "default_reps"),
        ({"default_reps": 101}, "default_reps"),
        ({"default_reps": "ten"}, "default_reps"),
        ({"default_reps": 2.5}, "default_reps"),
        ({"default_reps": True}, "default_reps"),
        ({"default_hold_seconds": -1}, "default_hold_seconds"),
        ({"default_rest_seconds": 121}, "default_rest_seconds"),
        ({"default_rest_seconds": None}, "default_rest_seconds"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"region": "toes"}, "region"),
        ({"instructions": " \n \n"}, "instructions"),
        ({"instructions": "\n".join(["step"] * 21)}, "instructions"),
        ({"hold_back": ""}, "hold_back"),
        ({"purpose": None}, "purpose"),
        ({"snapshot_expression": "wink"}, "snapshot_expression"),
    ],
)
def test_clean_values_refuses_bad_values_naming_the_field(changes, field):
    with pytest.raises(Invalid) as caught:
        library.clean_values(good_values(**changes))
    assert caught.value.field == field


def test_clean_values_refuses_fields_that_are_not_editable():
    with pytest.raises(TypeError):
        library.clean_values(good_values(builtin=True))


# sync_builtins ---------------------------------------------------------------------


def builtin_count() -> int:
    return db.session.scalar(select(func.count(Exercise.id)).where(Exercise.builtin))


def test_template_database_holds_every_built_in(app, definitions):
    assert builtin_count() == len(definitions)


def test_sync_is_idempotent(app, definitions):
    assert library.sync_builtins() == (0, 0)
    assert library.sync_builtins() == (0, 0)
    assert builtin_count() == len(definitions)


def test_sync_updates_a_changed_definition_and_adds_a_new_one(app, monkeypatch, definitions):
    changed = [dict(d) for d in definitions]
    changed[0] = {**changed[0], "default_reps": 7, "instructions": ["Only one step."]}
    extra = {**changed[1], "slug": "a-new-one", "name": "A new one"}
    monkeypatch.setattr(library, "builtin_definitions", lambda: [*changed, extra])

    assert library.sync_builtins() == (1, 1)
    assert library.sync_builtins() == (0, 0)
    first = db.session.scalar(select(Exercise).where(Exercise.slug == changed[0]["slug"]))
    assert first.default_reps == 7 and first.steps == ["Only one step."]
    assert builtin_count() == len(definitions) + 1


def test_sync_never_deletes_and_never_touches_staff_exercises(app, monkeypatch, definitions):
    from tests.factories import make_user

    author = make_user("therapist")
    own = library.create_exercise(author, **good_values())
    monkeypatch.setattr(library, "builtin_definitions", lambda: definitions[:1])

    assert library.sync_builtins() == (0, 0)
    assert builtin_count() == len(definitions)
    assert db.session.get(Exercise, own.id).name == "Test"


def test_no_step_asks_to_watch_with_the_eyes_closed(definitions):
    """Issue 16 part 7: an exercise done with the eyes closed gives a touch or sound cue,
    never "watch the mirror" for the closed-eye part."""
    for definition in definitions:
        steps = " ".join(definition["instructions"]).lower()
        if "eyes closed" in steps or "eyelids drift down" in steps:
            first = definition["instructions"][0].lower()
            assert "watch" not in first, definition["slug"]
