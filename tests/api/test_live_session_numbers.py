"""Live feedback's numbers through POST /api/v1/patients/{id}/sessions (issue 15 phase 2,
part 3): stored and answered per exercise; refused with the field named when impossible;
a session without them saves as before."""

import pytest

from .test_sessions import body_for, post, session_count

LIVE = {"reps_scored": 9, "clean_reps": 7, "median_hold_back": 0.184, "fps": 14.5}


def with_live(clinic, live):
    body = body_for(clinic)
    body["items"][0]["live"] = live
    return body


def test_the_numbers_are_stored_and_answered(client, clinic):
    response = post(client, clinic, with_live(clinic, LIVE))
    assert response.status_code == 201, response.json
    done, skipped = response.json["items"]
    assert done["live"] == LIVE and skipped["live"] is None
    listed = client.get("/api/v1/patients/me/sessions", headers=clinic.headers["patient"])
    assert listed.json["items"][0]["items"][0]["live"] == LIVE
    therapist = client.get(
        f"/api/v1/patients/{clinic.patient.id}/sessions", headers=clinic.headers["therapist"]
    )
    assert therapist.json["items"][0]["items"][0]["live"] == LIVE


def test_an_exercise_with_nothing_to_hold_back_has_no_clean_reps(client, clinic):
    live = {"reps_scored": 4, "clean_reps": None, "median_hold_back": None, "fps": None}
    response = post(client, clinic, with_live(clinic, live))
    assert response.status_code == 201
    assert response.json["items"][0]["live"] == live


def test_a_session_without_them_saves(client, clinic):
    response = post(client, clinic, body_for(clinic))
    assert response.status_code == 201
    assert [item["live"] for item in response.json["items"]] == [None, None]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"clean_reps": 10}, "items.0.live.clean_reps", "cannot be more than the repetitions"),
        ({"reps_scored": 1001}, "items.0.live.reps_scored", "from 0 to 1000"),
        ({"reps_scored": -1}, "items.0.live.reps_scored", "from 0 to 1000"),
        ({"clean_reps": -2}, "items.0.live.clean_reps", "whole number from 0"),
        ({"fps": 500}, "items.0.live.fps", "from 0 to 240"),
        ({"median_hold_back": 7.5}, "items.0.live.median_hold_back", "from 0 to 5"),
        ({"median_hold_back": -0.1}, "items.0.live.median_hold_back", "from 0 to 5"),
    ],
)
def test_impossible_numbers_are_refused_with_the_field_and_nothing_stored(
    client, clinic, changes, field, words
):
    response = post(client, clinic, with_live(clinic, {**LIVE, **changes}))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert words in error["fields"][field]
    assert session_count() == 0


@pytest.mark.parametrize(
    "live", [{"clean_reps": 3}, {"reps_scored": "many"}, {"reps_scored": 2, "fps": "NaN"}]
)
def test_malformed_numbers_are_422_not_500(client, clinic, live):
    response = post(client, clinic, with_live(clinic, live))
    assert response.status_code == 422
    assert session_count() == 0
