"""Progress figures, the JSON export and the FHIR Bundle.

The progress record is made by hand with known answers (definitions in docs/progress.md):

- visit A on day T-150 (onabotulinumtoxinA, orbicularis oculi left 4 U); visit B on
  T-40 (the clinic's: orbicularis oculi left 2.5 U, platysma left 5 U);
- SAQs: T-155 60, T-130 40, T-60 56, T-41 58, T-30 45;
- cycle A: baseline 60 (day -5), best 40 (day 20), response 20 (33.3 %), wear-off where
  the SAQ regains half the response (50): between day 20 (40) and day 90 (56),
  20 + 10/16 x 70 = 63.75, so day 64;
- cycle B (open): baseline 58 (day -1), best 45 (day 10), response 13, no wear-off yet;
  8 sessions on days 5-12 against 2 a day prescribed for 40 whole days (today's share
  counts only once met): 8 / 80 = 10 %;
- current: day 40, full effect; no projection (it needs 2 earlier wear-off days).
"""

import io
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from retrain.extensions import db
from retrain.usecases import progress
from retrain.usecases.local_time import patient_today
from tests.web.practice_helpers import add_session, local_noon

from .conftest import add_saq_scores, make_visit
from .test_roles import photo


@pytest.fixture
def record(clinic):
    today = patient_today(clinic.patient.id)
    make_visit(clinic.patient.id, days_ago=150, sites=[("orbicularis oculi", "left", 4.0)])
    add_saq_scores(
        clinic.patient.id, ((155, 60.0), (130, 40.0), (60, 56.0), (41, 58.0), (30, 45.0))
    )
    for day in range(5, 13):
        when = local_noon(today - timedelta(days=40 - day), clinic.patient)
        add_session(clinic.patient.id, when, synkinesis_rating=day % 10)
    return today


def test_progress_figures_have_the_known_answers(client, clinic, record):
    today = record
    body = client.get("/api/v1/patients/me/progress", headers=clinic.headers["patient"]).json
    assert body["saq"][0] == {
        "answered_on": (today - timedelta(days=155)).isoformat(),
        "score": 60.0,
    }
    assert len(body["saq"]) == 5
    first, second = body["cycles"]
    assert (first["baseline"], first["baseline_day"], first["best"], first["best_day"]) == (
        60,
        -5,
        40,
        20,
    )
    assert first["response"] == 20 and first["response_pct"] == pytest.approx(100 / 3)
    assert first["wear_off_day"] == 64 and first["adherence"] == 0
    assert first["ends_on"] == (today - timedelta(days=40)).isoformat()
    ona = {"product": "onabotulinumtoxinA"}
    assert first["doses"] == [{"muscle": "orbicularis oculi", "side": "left", "units": 4.0, **ona}]
    assert (first["response_change"], first["baseline_while_working"]) == ("better", False)
    assert first["top_ups"] == [] and first["wear_off_day_exact"] == pytest.approx(64, abs=0.5)
    assert (second["baseline"], second["best"], second["best_day"], second["response"]) == (
        58,
        45,
        10,
        13,
    )
    assert second["wear_off_day"] is None and second["ends_on"] is None
    assert second["adherence"] == pytest.approx(10)
    assert second["doses"] == [
        {"muscle": "orbicularis oculi", "side": "left", "units": 2.5, **ona},
        {"muscle": "platysma", "side": "left", "units": 5.0, **ona},
    ]
    assert second["response_change"] == "better"  # 13 points: the minimum important change
    current = body["current"]
    assert current["days_since_injection"] == 40 and current["phase"] == "full_effect"
    assert current["projected_wear_off_on"] is None and current["projection_reason"]
    assert (current["projection_cycles"], current["projection_uncertain"]) == (1, False)
    assert (current["review_due"], current["review_reasons"]) == ("not_due", [])
    assert body["sunnybrook"] == []


def test_progress_agrees_with_the_review_page(client, clinic, record):
    body = client.get(
        f"/api/v1/patients/{clinic.patient.id}/progress", headers=clinic.headers["clinician"]
    ).json
    page = progress.staff_progress(clinic.clinician, clinic.patient.id).page
    for figures, row in zip(body["cycles"], page.cycles, strict=True):
        shown = row.adherence.text
        assert (shown is None) == (figures["adherence"] is None)
        if shown is not None:
            assert shown.startswith(f"{figures['adherence']:.0f} %")
        assert row.saq.wear_off.text is None or row.saq.wear_off.text.startswith(
            f"day {figures['wear_off_day']} "
        )
    assert page.current.days_since == body["current"]["days_since_injection"]


def test_progress_without_any_injection(client, clinic):
    db.session.delete(clinic.visit)
    db.session.commit()
    body = client.get("/api/v1/patients/me/progress", headers=clinic.headers["patient"]).json
    assert body["cycles"] == [] and body["current"] is None


def test_json_export_holds_the_whole_record(client, clinic, record):
    client.post(
        "/api/v1/patients/me/snapshots",
        headers=clinic.headers["patient"],
        data={"expression": "rest", "image": (io.BytesIO(photo()), "a.png")},
        content_type="multipart/form-data",
    )
    body = client.get("/api/v1/patients/me/export", headers=clinic.headers["patient"]).json
    assert body["patient"]["id"] == clinic.patient.id
    assert body["patient"]["email"] == clinic.patient.email
    assert [p["version"] for p in body["programmes"]] == [1]
    assert len(body["sessions"]) == 8 and len(body["saq"]) == 5
    assert [v["injected_on"] for v in body["injections"]] == sorted(
        v["injected_on"] for v in body["injections"]
    )
    assert len(body["injections"]) == 2
    assert len(body["snapshots"]) == 1 and body["snapshots"][0]["image_url"].startswith("/api/v1/")
    staff = client.get(
        f"/api/v1/patients/{clinic.patient.id}/export", headers=clinic.headers["therapist"]
    )
    assert staff.status_code == 200 and staff.json["patient"] == body["patient"]


def test_fhir_bundle_is_valid_r4_with_the_record(client, clinic, record):
    response = client.get("/api/v1/patients/me/fhir", headers=clinic.headers["patient"])
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate(response.json)
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry]
    kinds = [r.get_resource_type() for r in resources]
    assert kinds.count("Patient") == 1
    assert kinds.count("QuestionnaireResponse") == 5
    assert kinds.count("Observation") == 5 + 8  # SAQ scores and daily ratings
    assert kinds.count("Procedure") == 2

    urls = {entry.fullUrl for entry in bundle.entry}
    patient_url = bundle.entry[0].fullUrl
    for resource in resources[1:]:
        assert resource.subject.reference == patient_url
    scores = [r for r in resources if r.get_resource_type() == "Observation" and r.valueQuantity]
    assert [float(o.valueQuantity.value) for o in scores] == [60, 40, 56, 58, 45]
    assert all(o.derivedFrom[0].reference in urls for o in scores)
    answers = next(r for r in resources if r.get_resource_type() == "QuestionnaireResponse")
    assert [item.linkId for item in answers.item][:2] == ["eye_smile", "eye_speak"]
    assert [item.answer[0].valueInteger for item in answers.item] == [3] * 9
    ratings = [
        r
        for r in resources
        if r.get_resource_type() == "Observation" and r.valueInteger is not None
    ]
    assert sorted(o.valueInteger for o in ratings) == sorted(day % 10 for day in range(5, 13))

    latest = [r for r in resources if r.get_resource_type() == "Procedure"][-1]
    assert latest.status == "completed"
    assert str(latest.performedDateTime) == (record - timedelta(days=40)).isoformat()
    assert [site.text for site in latest.bodySite] == [
        "orbicularis oculi (left)",
        "platysma (left)",
    ]
    doses = [float(site.extension[0].valueQuantity.value) for site in latest.bodySite]
    assert doses == [2.5, 5.0]
    assert latest.usedCode[0].text == "onabotulinumtoxinA (Botox)"


def test_export_for_another_patient_is_404(client, clinic):
    for what in ("export", "fhir"):
        url = f"/api/v1/patients/{clinic.other.id}/{what}"
        for role in ("patient", "therapist", "clinician"):
            assert client.get(url, headers=clinic.headers[role]).status_code == 404


def _exports_of(patient_id):
    from sqlalchemy import select

    from retrain.models import AuditEvent

    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.patient_id == patient_id)
    ).all()
    return [(row.outcome, row.target) for row in rows]


def test_each_export_is_audited_once_and_so_is_a_refusal(client, clinic):
    for what in ("export", "fhir"):
        assert client.get(f"/api/v1/patients/me/{what}", headers=clinic.headers["patient"]).is_json
    assert _exports_of(clinic.patient.id) == [("ok", "api.export"), ("ok", "api.export_fhir")]
    refused = client.get(
        f"/api/v1/patients/{clinic.other.id}/fhir", headers=clinic.headers["therapist"]
    )
    assert refused.status_code == 404
    assert _exports_of(clinic.other.id) == [("refused", "api.export_fhir")]
