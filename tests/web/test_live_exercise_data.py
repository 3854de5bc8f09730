"""Live feedback's exercise data (issue 15 phase 2, part 1): the built-ins' rules, staff
exercises choosing from the list, and a therapist's limit per programme item."""

import json
import re
from pathlib import Path

from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Exercise
from retrain.progress import live
from retrain.usecases import programme_reads
from retrain.usecases.local_time import patient_today

from ..conftest import post_form
from .test_library import GOOD
from .test_programmes import builder_data, edit_url, item, team  # noqa: F401 - the fixture

STATIC = Path(__file__).resolve().parents[2] / "static/js/live"


def test_every_built_in_carries_the_rule_of_the_measures_file(app):
    rules = json.loads((STATIC / "exercise-measures.json").read_text("utf-8"))["exercises"]
    built_ins = db.session.scalars(select(Exercise).where(Exercise.builtin)).all()
    assert {e.slug for e in built_ins} == set(rules)
    for exercise in built_ins:
        rule = rules[exercise.slug]
        if rule["target"] is None and rule["hold_back"] is None:
            assert exercise.live_rule is None, exercise.slug
        else:
            assert exercise.live_rule == {"target": rule["target"], "hold_back": rule["hold_back"]}
    smile = next(e for e in built_ins if e.slug == "closed-lip-smile")
    assert (smile.live_target, smile.live_hold_back) == (
        "mouth_corner:affected",
        "eye_narrowing:affected",
    )


def test_the_server_s_measures_and_limits_are_the_browser_s():
    scoring = (STATIC / "scoring.js").read_text("utf-8")
    block = re.search(r"DEFAULT_LIMITS = \{(.*?)\}", scoring, re.S).group(1)
    limits = {key: float(value) for key, value in re.findall(r"(\w+): ([\d.]+)", block)}
    assert limits == live.DEFAULT_LIMITS
    # The phone leaves out a held-back value the server would refuse (and with it the
    # whole session): its bound must be the server's.
    hold_back_max = re.search(r"export const HOLD_BACK_MAX = ([\d.]+);", scoring).group(1)
    assert (0.0, float(hold_back_max)) == live.HOLD_BACK_RANGE
    measures = (STATIC / "measures.js").read_text("utf-8")
    block = re.search(r"export const MEASURES = \{(.*?)\n\};", measures, re.S).group(1)
    per_side = dict(re.findall(r"(\w+): \{ perSide: (true|false)", block))
    assert {key: value == "true" for key, value in per_side.items()} == {
        key: side for key, (side, _) in live.MEASURES.items()
    }


def test_a_staff_exercise_chooses_its_live_movements(client, as_user):
    as_user("therapist")
    data = {**GOOD, "live_target": "lip_pucker:both", "live_hold_back": "eye_narrowing:affected"}
    assert post_form(client, "/exercises/new", data).status_code == 302
    exercise = db.session.scalar(select(Exercise).where(Exercise.name == GOOD["name"]))
    assert exercise.live_rule == {
        "target": {"measure": "lip_pucker", "side": "both"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    }
    page = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert "Target: lip pucker. Hold back: eye narrowing, affected side." in page
    edit = client.get(f"/exercises/{exercise.id}/edit").get_data(as_text=True)
    assert '<option selected value="lip_pucker:both">' in edit

    changed = {**data, "live_target": "", "live_hold_back": ""}
    assert post_form(client, f"/exercises/{exercise.id}/edit", changed).status_code == 302
    db.session.expire_all()
    assert db.session.get(Exercise, exercise.id).live_rule is None


def test_an_unknown_live_movement_is_refused_beside_the_field(client, as_user):
    as_user("therapist")
    data = {**GOOD, "live_target": "ear_wiggle:left"}
    response = post_form(client, "/exercises/new", data)
    assert response.status_code == 200
    assert "Choose one of the listed movements, or none." in response.get_data(as_text=True)
    assert db.session.scalar(select(Exercise).where(Exercise.name == GOOD["name"])) is None


def test_the_therapist_sets_a_patient_s_limit_per_exercise(client, team):  # noqa: F811
    _, patient = team
    smile = db.session.scalar(select(Exercise).where(Exercise.slug == "closed-lip-smile"))
    brow = db.session.scalar(select(Exercise).where(Exercise.slug == "gentle-brow-raise"))
    today = patient_today(patient.id)
    rows = [item(smile.id, live_limit="0.2"), item(brow.id)]
    response = post_form(client, edit_url(patient.id), builder_data(rows, starts_on=today))
    assert response.status_code == 302
    saved = programme_reads.current_programme(patient.id)
    assert [i.live_limit for i in saved.items] == [0.2, None]
    html = client.get(edit_url(patient.id)).get_data(as_text=True)
    assert 'name="items-0-live_limit"' in html and 'value="0.2"' in html


def test_a_limit_out_of_range_is_refused_and_nothing_saved(client, team):  # noqa: F811
    _, patient = team
    smile = db.session.scalar(select(Exercise).where(Exercise.slug == "closed-lip-smile"))
    today = patient_today(patient.id)
    for bad in ("2", "0", "a lot", "nan"):
        rows = [item(smile.id, live_limit=bad)]
        response = post_form(client, edit_url(patient.id), builder_data(rows, starts_on=today))
        assert response.status_code == 200
        assert "Live feedback limit: enter a number from 0.005 to 1.0" in response.get_data(
            as_text=True
        )
        assert programme_reads.current_programme(patient.id) is None
