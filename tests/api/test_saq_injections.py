"""SAQ and injection visits through the API."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import InjectionVisit, QuestionnaireResponse
from retrain.usecases.local_time import patient_today

from .conftest import add_saq_scores, assert_refused_naming

ANSWERS = [2, 3, 1, 1, 2, 4, 1, 1, 2]  # sum 17: score 17 / 45 x 100


def saq_count():
    return db.session.scalar(select(func.count(QuestionnaireResponse.id)))


def post_saq(client, clinic, body, role="patient", pid="me"):
    return client.post(f"/api/v1/patients/{pid}/saq", headers=clinic.headers[role], json=body)


def test_answer_the_saq_and_get_the_score(client, clinic):
    response = post_saq(client, clinic, {"answers": ANSWERS})
    assert response.status_code == 201
    body = response.json
    assert body["score"] == pytest.approx(1700 / 45)
    assert body["answered_on"] == patient_today(clinic.patient.id).isoformat()
    assert body["replaced"] is False
    stored = db.session.get(QuestionnaireResponse, body["id"])
    assert stored.answers == ANSWERS and stored.patient_id == clinic.patient.id


def test_answering_again_the_same_day_replaces_with_200(client, clinic):
    first = post_saq(client, clinic, {"answers": ANSWERS}).json
    today = patient_today(clinic.patient.id).isoformat()
    again = post_saq(client, clinic, {"answered_on": today, "answers": [5] * 9})
    assert again.status_code == 200
    assert again.json["id"] == first["id"] and again.json["score"] == 100
    assert again.json["replaced"] is True and saq_count() == 1


def test_saq_refusals_name_the_answer_and_store_nothing(client, clinic):
    yesterday = (patient_today(clinic.patient.id) - timedelta(days=1)).isoformat()
    cases = [
        ({"answers": ANSWERS[:8]}, {"answers"}),
        ({"answers": [*ANSWERS[:3], 6, *ANSWERS[4:8], 0]}, {"answers.3", "answers.8"}),
        ({"answers": ["2"] * 9}, {f"answers.{n}" for n in range(9)}),
        ({"answered_on": yesterday, "answers": ANSWERS}, {"answered_on"}),
        ({"answers": ANSWERS, "score": 20}, {"score"}),
        ({}, {"answers"}),
    ]
    assert_refused_naming(lambda body: post_saq(client, clinic, body), cases)


def test_others_get_404(client, clinic):
    foreign = post_saq(client, clinic, {"answers": ANSWERS}, "patient", str(clinic.other.id))
    assert foreign.status_code == 404
    staff = post_saq(client, clinic, {"answers": ANSWERS}, "therapist", str(clinic.other.id))
    assert staff.status_code == 404
    assert saq_count() == 0


def test_staff_enter_a_paper_saq_of_an_earlier_day(client, clinic):
    pid = str(clinic.patient.id)
    day = (patient_today(clinic.patient.id) - timedelta(days=200)).isoformat()
    body = {"answered_on": day, "answers": ANSWERS}
    created = post_saq(client, clinic, body, "therapist", pid)
    assert created.status_code == 201 and created.json["answered_on"] == day
    stored = db.session.get(QuestionnaireResponse, created.json["id"])
    assert (stored.source, stored.entered_by_id) == ("paper", clinic.therapist.id)
    again = post_saq(client, clinic, {**body, "answers": [5] * 9}, "clinician", pid)
    assert again.status_code == 409 and "replace" in again.json["error"]["fields"]
    replaced = post_saq(
        client, clinic, {**body, "answers": [5] * 9, "replace": True}, "clinician", pid
    )
    assert replaced.status_code == 200 and replaced.json["replaced"] is True
    assert replaced.json["id"] == created.json["id"] and saq_count() == 1
    listed = client.get(f"/api/v1/patients/{pid}/saq", headers=clinic.headers["patient"]).json
    assert [(i["source"], i["score_only"]) for i in listed["items"]] == [("paper", False)]


def test_a_paper_saq_is_never_in_the_future_and_a_patient_keeps_to_today(client, clinic):
    pid = str(clinic.patient.id)
    tomorrow = (patient_today(clinic.patient.id) + timedelta(days=1)).isoformat()
    future = post_saq(
        client, clinic, {"answered_on": tomorrow, "answers": ANSWERS}, "clinician", pid
    )
    assert future.status_code == 422 and "answered_on" in future.json["error"]["fields"]
    yesterday = (patient_today(clinic.patient.id) - timedelta(days=1)).isoformat()
    own = post_saq(client, clinic, {"answered_on": yesterday, "answers": ANSWERS, "replace": True})
    assert own.status_code == 422 and "answered_on" in own.json["error"]["fields"]
    assert saq_count() == 0


def test_saq_list_newest_first(client, clinic):
    add_saq_scores(clinic.patient.id, ((20, 60.0), (10, 50.0)))
    url = f"/api/v1/patients/{clinic.patient.id}/saq"
    body = client.get(url, headers=clinic.headers["clinician"]).json
    assert [(i["score"], i["answers"]) for i in body["items"]] == [(50.0, [3] * 9), (60.0, [3] * 9)]
    first = client.get(url + "?limit=1", headers=clinic.headers["clinician"]).json
    assert len(first["items"]) == 1 and first["next_cursor"]


# --- injections ---------------------------------------------------------------------------


def visit_body(clinic, **changes):
    return {
        "injected_on": patient_today(clinic.patient.id).isoformat(),
        "product": "incobotulinumtoxinA",
        "sites": [
            {"muscle": "orbicularis oculi", "side": "left", "units": 2.5},
            {"muscle": "depressor anguli oris", "side": "left", "units": 2},
        ],
        "note": "Small doses first.",
        "confirm_short_interval": True,  # the clinic's visit 40 days ago began a cycle
        **changes,
    }


def post_visit(client, clinic, body, role="clinician", pid=None):
    pid = pid or clinic.patient.id
    return client.post(
        f"/api/v1/patients/{pid}/injections", headers=clinic.headers[role], json=body
    )


def visit_count():
    return db.session.scalar(select(func.count(InjectionVisit.id)))


def test_record_a_visit(client, clinic):
    response = post_visit(client, clinic, visit_body(clinic))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["product"] == "incobotulinumtoxinA" and body["total_units"] == 4.5
    assert body["sites"] == [
        {"muscle": "orbicularis oculi", "side": "left", "units": 2.5},
        {"muscle": "depressor anguli oris", "side": "left", "units": 2.0},
    ]
    assert db.session.get(InjectionVisit, body["id"]).created_by_id == clinic.clinician.id


def test_a_second_visit_the_same_day_is_409(client, clinic):
    assert post_visit(client, clinic, visit_body(clinic)).status_code == 201
    again = post_visit(client, clinic, visit_body(clinic, product="other"))
    assert again.status_code == 409 and "injected_on" in again.json["error"]["fields"]
    assert visit_count() == 3  # the two the clinic started with, and the first one here


def test_high_doses_need_a_confirmation(client, clinic):
    body = visit_body(clinic, sites=[{"muscle": "platysma", "side": "right", "units": 25}])
    refused = post_visit(client, clinic, body)
    assert refused.status_code == 422
    assert "confirm_high_dose" in refused.json["error"]["fields"]
    assert visit_count() == 2
    confirmed = post_visit(client, clinic, {**body, "confirm_high_dose": True})
    assert confirmed.status_code == 201


def test_a_visit_takes_its_kind_from_the_rule_lot_and_dilution(client, clinic):
    top_up = visit_body(clinic, lot="C5012AB", dilution=4.0, confirm_short_interval=False)
    top_up["injected_on"] = (patient_today(clinic.patient.id) - timedelta(days=20)).isoformat()
    response = post_visit(client, clinic, top_up)  # 20 days after the visit of 40 days ago
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["lot"], response.json["dilution"]) == (
        "top_up",
        "C5012AB",
        4.0,
    )


def test_a_new_cycle_within_12_weeks_needs_the_confirmation(client, clinic):
    body = visit_body(clinic, confirm_short_interval=False)
    refused = post_visit(client, clinic, body)
    assert refused.status_code == 422
    assert (
        "40 days after the last full treatment"
        in (refused.json["error"]["fields"]["confirm_short_interval"])
    )
    assert visit_count() == 2
    assert post_visit(client, clinic, {**body, "confirm_short_interval": True}).status_code == 201
    late = visit_body(clinic, kind="top_up")  # 40 days after the cycle's first visit
    late["injected_on"] = (patient_today(clinic.patient.id) - timedelta(days=1)).isoformat()
    assert post_visit(client, clinic, late).json["error"]["fields"].keys() == {"kind"}


def test_visit_refusals_name_the_field_and_store_nothing(client, clinic):
    tomorrow = (patient_today(clinic.patient.id) + timedelta(days=1)).isoformat()
    site = {"muscle": "mentalis", "side": "left", "units": 1}
    cases = [
        (visit_body(clinic, injected_on=tomorrow), {"injected_on"}),
        (visit_body(clinic, product="botox"), {"product"}),
        (visit_body(clinic, sites=[]), {"sites"}),
        (visit_body(clinic, sites=[{**site, "muscle": "nose"}]), {"sites.0.muscle"}),
        (visit_body(clinic, sites=[{**site, "side": "both"}]), {"sites.0.side"}),
        (visit_body(clinic, sites=[site, {**site, "units": 0}]), {"sites.1.units"}),
        (visit_body(clinic, sites=[{**site, "units": 2.555}]), {"sites.0.units"}),
        (visit_body(clinic, sites=[{**site, "units": "2"}]), {"sites.0.units"}),
        (visit_body(clinic, sites=[{**site, "depth": 2}]), {"sites.0.depth"}),
        (visit_body(clinic, kind="booster"), {"kind"}),
        (visit_body(clinic, dilution=0), {"dilution"}),
        (visit_body(clinic, lot="L" * 41), {"lot"}),
    ]
    assert_refused_naming(lambda body: post_visit(client, clinic, body), cases)


def test_not_a_number_is_refused(client, clinic):
    text = (
        '{"injected_on": "2024-01-01", "product": "other", '
        '"sites": [{"muscle": "mentalis", "side": "left", "units": NaN}]}'
    )
    response = client.post(
        f"/api/v1/patients/{clinic.patient.id}/injections",
        headers=clinic.headers["clinician"],
        data=text,
        content_type="application/json",
    )
    assert response.status_code == 422 and "sites.0.units" in response.json["error"]["fields"]


def test_list_and_one_visit(client, clinic):
    post_visit(client, clinic, visit_body(clinic))
    url = f"/api/v1/patients/{clinic.patient.id}/injections"
    items = client.get(url, headers=clinic.headers["therapist"]).json["items"]
    assert [i["injected_on"] for i in items] == sorted(
        (i["injected_on"] for i in items), reverse=True
    )
    mine = client.get(
        f"/api/v1/patients/me/injections/{clinic.visit.id}", headers=clinic.headers["patient"]
    )
    assert mine.status_code == 200 and mine.json["id"] == clinic.visit.id
    theirs = client.get(
        f"/api/v1/patients/me/injections/{clinic.other_visit.id}", headers=clinic.headers["patient"]
    )
    assert theirs.status_code == 404
    huge = client.get(f"{url}/{2**40}", headers=clinic.headers["therapist"])
    assert huge.status_code == 404
