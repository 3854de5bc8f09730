"""The guided player's live feedback as the server sends it (issue 15 phase 2, part 2):
the rule and limit per exercise, the affected side, the runtime's versioned path, and a
relaxed script policy on this page only."""

import json
import re

from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Exercise, Patient
from retrain.security import CSP, PLAYER_CSP

from .practice_helpers import make_exercise, make_programme


def programme_json(html):
    raw = re.search(r"data-programme='([^']*)'", html).group(1)
    return json.loads(raw.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))


def test_the_player_carries_each_exercise_s_rule_limit_and_the_affected_side(client, as_user):
    patient = as_user("patient")
    db.session.get(Patient, patient.id).affected_side = "right"
    smile = db.session.scalar(select(Exercise).where(Exercise.slug == "closed-lip-smile"))
    massage = db.session.scalar(select(Exercise).where(Exercise.slug == "forehead-massage"))
    programme = make_programme(patient.id, [smile, massage])
    programme.items[0].live_limit = 0.2
    db.session.commit()

    response = client.get("/session/player")
    data = programme_json(response.get_data(as_text=True))
    assert data["affected_side"] == "right"
    assert data["exercises"][0]["live"] == {"rule": smile.live_rule, "limit": 0.2}
    assert data["exercises"][1]["live"] is None  # hands on the face: not measured
    html = response.get_data(as_text=True)
    assert 'data-live-assets="/static/vendor/face_mesh/0.4.1633559619/"' in html
    assert 'type="module" src="/static/js/live/player-live.js"' in html
    assert "no picture or video leaves it" in html


def test_only_the_player_page_relaxes_the_script_policy(client, as_user):
    patient = as_user("patient")
    make_programme(patient.id, [make_exercise()])
    assert client.get("/session/player").headers["Content-Security-Policy"] == PLAYER_CSP
    assert "'unsafe-eval'" in PLAYER_CSP and "'unsafe-eval'" not in CSP
    for url in ("/today", "/session/new", "/history"):
        assert client.get(url).headers["Content-Security-Policy"] == CSP, url
    # Everything else in the policy stays: scripts only from our own origin.
    assert PLAYER_CSP.replace(" 'wasm-unsafe-eval' 'unsafe-eval'", "") == CSP


def test_a_patient_without_a_recorded_side_is_held_to_both_sides(client, as_user):
    patient = as_user("patient")
    db.session.get(Patient, patient.id).affected_side = "both"
    make_programme(patient.id, [make_exercise()])
    data = programme_json(client.get("/session/player").get_data(as_text=True))
    assert data["affected_side"] is None
    assert data["exercises"][0]["live"] is None  # a staff exercise with no live rule


def test_eyes_closed_exercises_are_marked_for_sound_and_vibration(client, as_user):
    patient = as_user("patient")
    closure = db.session.scalar(select(Exercise).where(Exercise.slug == "gentle-eye-closure"))
    smile = db.session.scalar(select(Exercise).where(Exercise.slug == "closed-lip-smile"))
    make_programme(patient.id, [closure, smile])
    html = client.get("/session/player").get_data(as_text=True)
    data = programme_json(html)
    assert [e["eyes_closed"] for e in data["exercises"]] == [True, False]
    assert "exercises done with your eyes closed beep (and vibrate" in html
