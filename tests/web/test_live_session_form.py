"""Live feedback's numbers through the session form the player posts (and the plain form
accepts): stored per exercise; refused beside the exercise with a clear message when
impossible, nothing stored; a session without them saves as before."""

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import PracticeItem, PracticeSession

from ..conftest import post_form
from .practice_helpers import form_data
from .test_patient import patient_with_programme  # noqa: F401 - the fixture

LIVE = {
    "items-0-live_reps_scored": "18",
    "items-0-live_clean_reps": "15",
    "items-0-live_median_hold_back": "0.21",
    "items-0-live_fps": "12.5",
}


def sessions():
    return db.session.scalar(select(func.count(PracticeSession.id)))


def test_the_player_s_numbers_are_saved_with_the_session(client, patient_with_programme):  # noqa: F811
    _, programme = patient_with_programme
    response = post_form(client, "/session/new", form_data(programme, source="player", **LIVE))
    assert response.status_code == 302
    first, second = db.session.scalars(select(PracticeItem).order_by(PracticeItem.id)).all()
    assert (
        first.live_reps_scored,
        first.live_clean_reps,
        first.live_median_hold_back,
        first.live_fps,
    ) == (18, 15, 0.21, 12.5)
    assert second.live_reps_scored is None and second.live_fps is None


def test_the_plain_form_has_the_fields_and_saves_without_them(client, patient_with_programme):  # noqa: F811
    _, programme = patient_with_programme
    html = client.get("/session/new").get_data(as_text=True)
    assert 'name="items-0-live_clean_reps" type="hidden"' in html
    assert post_form(client, "/session/new", form_data(programme)).status_code == 302
    item = db.session.scalars(select(PracticeItem)).first()
    assert item.live_reps_scored is None and item.live_clean_reps is None


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"items-0-live_clean_reps": "19"},
            "repetitions within the limit cannot be more than the repetitions measured (18)",
        ),
        ({"items-0-live_reps_scored": "5000"}, "repetitions measured must be a whole number"),
        ({"items-0-live_fps": "fast"}, "frames per second must be a number from 0 to 240"),
        ({"items-0-live_median_hold_back": "9"}, "the held-back movement must be a number from 0"),
        (
            {"items-0-live_median_hold_back": "nan"},
            "the held-back movement must be a number from 0",
        ),
        ({"items-0-live_reps_scored": ""}, "the number of repetitions measured is missing"),
    ],
)
def test_impossible_numbers_are_refused_beside_the_exercise(
    client,
    patient_with_programme,  # noqa: F811
    changes,
    words,
):
    _, programme = patient_with_programme
    data = form_data(programme, source="player", **{**LIVE, **changes})
    response = post_form(client, "/session/new", data)
    assert response.status_code == 200
    assert f"Live feedback: {words}" in response.get_data(as_text=True)
    assert sessions() == 0
