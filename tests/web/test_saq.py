"""The SAQ: the patient answers it; when it is due; the schedule staff set."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import Patient, QuestionnaireRequest, QuestionnaireResponse
from retrain.usecases import questionnaires
from retrain.usecases.local_time import patient_today

from ..conftest import csrf_from, post_form
from .practice_helpers import make_exercise, make_programme

KEYS = [
    "eye_smile",
    "eye_speak",
    "eye_pucker",
    "neck_smile",
    "face_tight_eye_close",
    "mouth_corner_eye_close",
    "neck_eye_close",
    "eye_waters_eating",
    "chin_dimple",
]


def answers(*values) -> dict:
    return {key: str(value) for key, value in zip(KEYS, values, strict=False)}


def responses() -> list[QuestionnaireResponse]:
    return list(db.session.scalars(select(QuestionnaireResponse)))


def add_saq(patient_id, day, score=60.0, values=(3,) * 9):
    db.session.add(
        QuestionnaireResponse(
            patient_id=patient_id,
            instrument="saq",
            answered_on=day,
            answers=list(values),
            score=score,
        )
    )
    db.session.commit()


def test_the_form_has_one_fieldset_per_item_with_the_scale_labels(client, as_user):
    as_user("patient")
    html = client.get("/saq").get_data(as_text=True)
    assert html.count("<fieldset") == 9
    assert html.count("<legend>") == 9
    assert "1. Eye narrows or shuts while smiling" in html
    assert html.count("Seldom or not at all") == 9 and html.count("All the time") == 9
    assert len(re.findall(r'type="radio"[^>]*required|required[^>]*type="radio"', html)) == 45


def test_answers_and_exact_score_are_stored(client, as_user):
    patient = as_user("patient")
    response = post_form(client, "/saq", answers(1, 2, 3, 4, 5, 1, 2, 3, 4))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/progress")
    [saved] = responses()
    assert saved.patient_id == patient.id
    assert saved.instrument == "saq"
    assert saved.answers == [1, 2, 3, 4, 5, 1, 2, 3, 4]
    assert saved.score == 25 * 100 / 45  # 55.555..., kept exact
    assert saved.answered_on == patient_today(patient.id)
    assert saved.entered_by_id == patient.id
    page = client.get("/progress").get_data(as_text=True)
    assert "55.6" in page  # shown with one decimal


def test_a_missing_answer_is_named_and_nothing_is_saved(client, as_user):
    as_user("patient")
    data = answers(1, 2, 3, 4, 5, 1, 2, 3, 4)
    del data["eye_pucker"]
    del data["chin_dimple"]
    response = post_form(client, "/saq", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please answer question 3." in html
    assert "Please answer question 9." in html
    assert 'id="eye_pucker-error"' in html
    assert responses() == []
    assert '<input checked id="eye_speak-1"' in html  # the answers given are kept


def test_out_of_range_answers_are_refused(client, as_user):
    as_user("patient")
    for bad in ("6", "0", "abc", "2.5"):
        data = answers(1, bad, 3, 4, 5, 1, 2, 3, 4)
        html = post_form(client, "/saq", data).get_data(as_text=True)
        assert "Question 2: choose one of the answers 1 to 5." in html, bad
    assert responses() == []


def test_answering_twice_in_a_day_replaces_the_first(client, as_user):
    as_user("patient")
    post_form(client, "/saq", answers(*(5,) * 9))
    response = post_form(client, "/saq", answers(*(1,) * 9))
    assert response.status_code == 302
    [saved] = responses()
    assert saved.answers == [1] * 9 and saved.score == 20.0


def test_staff_cannot_answer_for_the_patient(client, as_user, factories):
    therapist = as_user("therapist")
    factories.make_patient(care_team=[therapist])
    assert client.get("/saq").status_code == 403
    token = csrf_from(client.get("/therapist/").get_data(as_text=True))
    response = client.post("/saq", data={**answers(*(1,) * 9), "csrf_token": token})
    assert response.status_code == 403
    assert responses() == []


def test_due_at_start_then_after_the_interval(client, as_user):
    patient = as_user("patient")
    today = patient_today(patient.id)
    status = questionnaires.saq_due_for(patient.id)
    assert status.due and status.due_on == today  # first one: at the start
    page = client.get("/progress").get_data(as_text=True)
    assert "Questionnaire due" in page and "/saq" in page

    post_form(client, "/saq", answers(*(2,) * 9))
    status = questionnaires.saq_due_for(patient.id)
    assert not status.due and status.due_on == today + timedelta(days=14)
    page = client.get("/progress").get_data(as_text=True)
    assert "Questionnaire due" not in page
    assert "Your next questionnaire is due on" in page


def test_a_clinicians_request_makes_one_due_on_that_day(client, as_user, factories):
    clinician = as_user("clinician")
    patient = factories.make_patient(care_team=[clinician])
    today = patient_today(patient.id)
    add_saq(patient.id, today)  # answered today: next routine one in 14 days
    wanted = today + timedelta(days=5)
    response = post_form(
        client,
        f"/patients/{patient.id}/saq-requests",
        {"requested_on": wanted.isoformat()},
        page=f"/patients/{patient.id}/progress",
    )
    assert response.status_code == 302
    request = db.session.scalar(select(QuestionnaireRequest))
    assert request.requested_on == wanted and request.requested_by_id == clinician.id

    assert questionnaires.saq_due_for(patient.id, wanted - timedelta(days=1)).due is False
    status = questionnaires.saq_due_for(patient.id, wanted)
    assert status.due and status.due_on == wanted
    assert status.reason == "Your care team asked for one on this day."
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "Withdraw the request for" in page
    # The withdraw form sends the day once (a browser sends the first of duplicate names).
    withdraw = page.split("saq-requests/cancel", 1)[1].split("</form>", 1)[0]
    assert withdraw.count('name="requested_on"') == 1
    assert f'value="{wanted.isoformat()}"' in withdraw

    # Withdrawn: back to the routine date.
    response = post_form(
        client,
        f"/patients/{patient.id}/saq-requests/cancel",
        {"requested_on": wanted.isoformat()},
        page=f"/patients/{patient.id}/progress",
    )
    assert response.status_code == 302
    assert questionnaires.saq_due_for(patient.id, wanted).due_on == today + timedelta(days=14)


def test_a_request_in_the_past_is_refused(client, as_user, factories):
    clinician = as_user("clinician")
    patient = factories.make_patient(care_team=[clinician])
    yesterday = patient_today(patient.id) - timedelta(days=1)
    response = post_form(
        client,
        f"/patients/{patient.id}/saq-requests",
        {"requested_on": yesterday.isoformat()},
        page=f"/patients/{patient.id}/progress",
    )
    assert response.status_code == 200
    assert "Choose today or a later day." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuestionnaireRequest.id))) == 0


def test_staff_set_the_interval(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    url = f"/patients/{patient.id}/saq-interval"
    page = f"/patients/{patient.id}/progress"
    response = post_form(client, url, {"interval_days": "0"}, page=page)
    assert "Enter a whole number of days from 1 to 365." in response.get_data(as_text=True)
    assert db.session.get(Patient, patient.id).saq_interval_days == 14

    assert post_form(client, url, {"interval_days": "7"}, page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).saq_interval_days == 7
    today = patient_today(patient.id)
    add_saq(patient.id, today - timedelta(days=2))
    assert questionnaires.saq_due_for(patient.id).due_on == today + timedelta(days=5)


def test_staff_see_due_and_overdue(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    today = patient_today(patient.id)
    make_programme(patient.id, [make_exercise()], starts_on=today - timedelta(days=60))
    add_saq(patient.id, today - timedelta(days=20))  # due 6 days ago
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "SAQ overdue by 6 days" in page
    add_saq(patient.id, today - timedelta(days=14))  # due today
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "SAQ due today" in page
    add_saq(patient.id, today - timedelta(days=3))
    page = client.get(f"/patients/{patient.id}/review").get_data(as_text=True)
    assert "Next SAQ" in page


def test_schedule_changes_are_for_the_care_team_only(client, as_user, factories):
    as_user("therapist")
    other = factories.make_user("therapist")
    stranger = factories.make_patient(care_team=[other])
    token = csrf_from(client.get("/therapist/").get_data(as_text=True))
    for url, data in (
        (f"/patients/{stranger.id}/saq-interval", {"interval_days": "3"}),
        (f"/patients/{stranger.id}/saq-requests", {"requested_on": "2099-01-01"}),
    ):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404
    assert db.session.get(Patient, stranger.id).saq_interval_days == 14
    assert db.session.scalar(select(func.count(QuestionnaireRequest.id))) == 0
