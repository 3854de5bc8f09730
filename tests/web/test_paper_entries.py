"""Staff enter what was answered on paper (issue 13, parts 3 and 6): an SAQ dated as it
happened, and the Sunnybrook grading; roles, dates, duplicates, and how they show."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import QuestionnaireResponse
from retrain.usecases.local_time import patient_today

from ..conftest import post_form
from .test_saq import answers

SUNNYBROOK_KEYS = [
    "rest_eye", "rest_cheek", "rest_mouth",
    "vol_brow", "vol_eye_closure", "vol_smile", "vol_snarl", "vol_pucker",
    "syn_brow", "syn_eye_closure", "syn_smile", "syn_snarl", "syn_pucker",
]  # fmt: skip


def grades(*values) -> dict:
    return {key: str(value) for key, value in zip(SUNNYBROOK_KEYS, values, strict=False)}


def stored(instrument="saq") -> list[QuestionnaireResponse]:
    return list(
        db.session.scalars(
            select(QuestionnaireResponse)
            .where(QuestionnaireResponse.instrument == instrument)
            .order_by(QuestionnaireResponse.answered_on)
        )
    )


@pytest.fixture
def team(as_user, factories):
    """A logged-in therapist, a clinician colleague and their patient."""
    therapist = as_user("therapist", name="Theo Ther")
    clinician = factories.make_user("clinician", name="Dr Ada Clin")
    patient = factories.make_patient(care_team=[therapist, clinician], name="Pat Palsy")
    return therapist, clinician, patient


def paper_url(patient_id):
    return f"/patients/{patient_id}/saq/paper"


def test_a_therapist_enters_a_paper_saq_dated_as_it_happened(client, team):
    therapist, _, patient = team
    day = patient_today(patient.id) - timedelta(days=400)
    page = client.get(paper_url(patient.id)).get_data(as_text=True)
    assert f'value="{patient_today(patient.id).isoformat()}"' in page  # starts at today
    data = {**answers(1, 2, 3, 4, 5, 1, 2, 3, 4), "answered_on": day.isoformat()}
    response = post_form(client, paper_url(patient.id), data)
    assert response.status_code == 302
    [saved] = stored()
    assert (saved.answered_on, saved.source, saved.entered_by_id) == (day, "paper", therapist.id)
    assert saved.answers == [1, 2, 3, 4, 5, 1, 2, 3, 4] and saved.score == 25 * 100 / 45
    html = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "Entered by Theo Ther from paper" in html


def test_a_paper_saq_is_never_in_the_future_nor_in_a_mistyped_year(client, team):
    _, _, patient = team
    for day, message in (
        (patient_today(patient.id) + timedelta(days=1), "The date cannot be in the future"),
        (patient_today(patient.id).replace(year=1999), "Please check the year"),
    ):
        data = {**answers(*[2] * 9), "answered_on": day.isoformat()}
        response = post_form(client, paper_url(patient.id), data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert stored() == []


def test_a_second_saq_on_one_day_needs_the_replace_confirmation(client, team):
    _, _, patient = team
    day = (patient_today(patient.id) - timedelta(days=30)).isoformat()
    post_form(client, paper_url(patient.id), {**answers(*[2] * 9), "answered_on": day})
    again = {**answers(*[4] * 9), "answered_on": day}
    response = post_form(client, paper_url(patient.id), again)
    assert "There is already one on" in response.get_data(as_text=True)
    assert [s.answers for s in stored()] == [[2] * 9]
    response = post_form(client, paper_url(patient.id), {**again, "replace": "y"})
    assert response.status_code == 302
    assert [s.answers for s in stored()] == [[4] * 9]


def test_missing_answers_are_named_and_nothing_is_saved(client, team):
    _, _, patient = team
    data = {**answers(1, 2, 3), "answered_on": patient_today(patient.id).isoformat()}
    html = post_form(client, paper_url(patient.id), data).get_data(as_text=True)
    assert "Please answer question 4." in html and "Please answer question 9." in html
    assert stored() == []


def test_staff_outside_the_team_may_not_enter_one(client, as_user, factories):
    patient = factories.make_patient()
    as_user("clinician")
    assert client.get(paper_url(patient.id)).status_code == 404
    assert client.get(grade_url(patient.id)).status_code == 404
    assert stored() == []


def test_a_patient_may_not_enter_a_paper_saq_for_themself(client, as_user):
    own = as_user("patient")
    assert client.get(paper_url(own.id)).status_code == 403
    assert client.get(grade_url(own.id)).status_code == 403


def grade_url(patient_id):
    return f"/patients/{patient_id}/sunnybrook/new"


def test_the_sunnybrook_is_graded_with_one_tap_per_item_and_shown_on_the_review(client, team):
    _, _, patient = team
    html = client.get(grade_url(patient.id)).get_data(as_text=True)
    assert html.count('type="radio"') == 2 + 3 + 2 + 5 * 5 + 5 * 4  # 52 choices
    day = patient_today(patient.id) - timedelta(days=2)
    data = {**grades(1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0), "graded_on": day.isoformat()}
    response = post_form(client, grade_url(patient.id), data)
    assert response.status_code == 302
    [saved] = stored("sunnybrook")
    assert (saved.score, saved.answers) == (50, [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0])
    assert stored() == []  # not an SAQ
    review = client.get(f"/patients/{patient.id}/review").get_data(as_text=True)
    assert f"50 on {day.day} " in review
    assert "resting 10, voluntary 64, synkinesis 4" in review


def test_a_grading_off_its_scale_is_refused(client, team):
    _, _, patient = team
    data = {**grades(2, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1), "graded_on": "2026-01-01"}
    html = post_form(client, grade_url(patient.id), data).get_data(as_text=True)
    assert "Item 1: choose a grade from 0 to 1." in html
    assert "Grade item 13 (Lip pucker)." in html
    assert db.session.scalar(select(func.count(QuestionnaireResponse.id))) == 0
