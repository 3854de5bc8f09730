"""The printable programme sheet (issue 16 part 6), from the patient's and the care
team's side; who may open it goes through access.require (404 for anyone else)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from retrain import formatting
from retrain.extensions import db
from retrain.models import Exercise
from retrain.usecases import programmes
from retrain.usecases.local_time import patient_today

from ..conftest import login


def library(count: int) -> list[Exercise]:
    return list(
        db.session.scalars(
            select(Exercise).where(Exercise.retired_at.is_(None)).order_by(Exercise.id).limit(count)
        )
    )


def prescribe(patient, therapist):
    first, second = library(2)
    items = [
        {"exercise_id": first.id, "reps": 12, "sets": 2, "times_per_day": 2, "note": "Go gently"},
        {"exercise_id": second.id, "hold_seconds": 6, "times_per_day": 1, "days_per_week": 5},
    ]
    start = patient_today(patient.id) - timedelta(days=2)
    programmes.save_programme(therapist, patient.id, start, items, "Every morning and evening.")
    return first, second


def assert_whole_sheet(html, first, second, therapist, patient):
    for exercise in (first, second):
        assert exercise.name in html and exercise.hold_back in html
        assert all(step in html for step in exercise.steps)
    assert "12 repetitions × 2 sets, hold" in html and "2 times a day, 7 days a week" in html
    assert f"hold 6 s, rest {second.default_rest_seconds} s" in html
    assert "once a day, 5 days a week" in html and "Go gently" in html
    assert f"Written by {therapist.name}" in html and "Every morning and evening." in html
    assert f"Printed on {formatting.day(patient_today(patient.id))}" in html
    assert 'class="sheet-picture" src="/static/img/regions/' in html


def test_the_patient_prints_their_own_programme(client, factories):
    therapist = factories.make_user("therapist", name="Tess Therapist")
    patient = factories.make_patient(care_team=[therapist])
    first, second = prescribe(patient, therapist)
    assert login(client, patient.user.email).status_code == 302
    response = client.get("/programme/sheet")
    assert response.status_code == 200
    assert_whole_sheet(response.get_data(as_text=True), first, second, therapist, patient)
    assert 'href="/programme/sheet"' in client.get("/today").get_data(as_text=True)


@pytest.mark.parametrize("role", ["therapist", "clinician"])
def test_the_care_team_prints_it_for_the_patient(client, as_user, factories, role):
    therapist = factories.make_user("therapist", name="Tess Therapist")
    staff = as_user(role)
    patient = factories.make_patient(care_team=[therapist, staff])
    first, second = prescribe(patient, therapist)
    url = f"/patients/{patient.id}/programme/sheet"
    response = client.get(url)
    assert response.status_code == 200
    assert_whole_sheet(response.get_data(as_text=True), first, second, therapist, patient)
    assert f'href="{url}"' in client.get(f"/patients/{patient.id}").get_data(as_text=True)


def test_no_programme_yet_says_so(client, as_user):
    as_user("patient")
    html = client.get("/programme/sheet").get_data(as_text=True)
    assert "There is no programme yet" in html and "sheet-exercise" not in html


def test_staff_off_the_care_team_get_404(client, as_user, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    prescribe(patient, therapist)
    as_user("therapist")
    assert client.get(f"/patients/{patient.id}/programme/sheet").status_code == 404
    assert client.get("/patients/999999/programme/sheet").status_code == 404


def test_a_patient_may_not_open_the_staff_address_even_for_another(client, as_user, factories):
    therapist = factories.make_user("therapist")
    other = factories.make_patient(care_team=[therapist])
    prescribe(other, therapist)
    patient = as_user("patient")
    assert client.get(f"/patients/{other.id}/programme/sheet").status_code == 403
    assert client.get(f"/patients/{patient.id}/programme/sheet").status_code == 403


def test_an_admin_may_not_open_a_sheet(client, as_user, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    as_user("admin")
    assert client.get(f"/patients/{patient.id}/programme/sheet").status_code == 403
    assert client.get("/programme/sheet").status_code == 403
