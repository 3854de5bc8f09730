"""Issue 15's first migration gives the built-in exercises their live-feedback rule (as
static/js/live/exercise-measures.json had it), leaves staff exercises unmeasured and
every programme item on the default limit. On SQLite and on PostgreSQL."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from retrain.extensions import db
from retrain.schema import upgrade

from .test_migration_upgrade import (
    T0,
    current_revision,
    empty_app,  # noqa: F401 - the fixture
    insert,
    schema_differences,
)

BEFORE = "i17_derived_figures"  # the head before issue 15 phase 2
RULES = Path(__file__).resolve().parents[2] / "static/js/live/exercise-measures.json"


def add_exercise(connection, slug, builtin, name):
    return insert(
        connection, "exercises", slug=slug, name=name, region="cheeks and smile",
        purpose="p", instructions="Move slowly.", hold_back="Keep the eye open.",
        default_reps=10, default_hold_seconds=5, default_rest_seconds=5,
        snapshot_expression=None, builtin=builtin, author_id=None, created_at=T0,
        retired_at=None,
    )  # fmt: skip


@pytest.mark.usefixtures("empty_app")
def test_built_ins_get_their_rule_and_staff_exercises_stay_unmeasured():
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        smile = add_exercise(connection, "closed-lip-smile", True, "Closed-lip smile")
        massage = add_exercise(connection, "forehead-massage", True, "Forehead massage")
        own = add_exercise(connection, None, False, "Staff smile")
        programme = insert(
            connection, "programmes", patient_id=None, title="T", version=1, starts_on=None,
            ended_on=None, note=None, created_by_id=None, created_at=T0,
        )  # fmt: skip
        insert(
            connection, "programme_items", programme_id=programme, position=1,
            exercise_id=smile, reps=10, sets=1, hold_seconds=5, rest_seconds=5,
            times_per_day=1, days_per_week=7, note="kept",
        )  # fmt: skip

    upgrade(revision="i15_live_exercise_data")
    assert current_revision() == "i15_live_exercise_data"
    with db.engine.connect() as connection:
        rules = dict(connection.execute(text("SELECT id, live_rule FROM exercises")).all())
        item = connection.execute(text("SELECT note, live_limit FROM programme_items")).one()
    rules = {
        key: json.loads(value) if isinstance(value, str) else value for key, value in rules.items()
    }
    expected = json.loads(RULES.read_text("utf-8"))["exercises"]["closed-lip-smile"]
    assert rules[smile] == {"target": expected["target"], "hold_back": expected["hold_back"]}
    assert rules[massage] is None and rules[own] is None
    assert (item.note, item.live_limit) == ("kept", None)
    upgrade()
    assert schema_differences() == []
