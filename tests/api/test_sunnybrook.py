"""The Sunnybrook grading through the API: recorded by staff, read by the patient, in the
progress figures and the FHIR export."""

from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle

from retrain.usecases.local_time import patient_today

from .conftest import table_rows

GRADES = [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0]  # composite 64 - 10 - 4 = 50


def url(clinic, pid=None) -> str:
    return f"/api/v1/patients/{pid or clinic.patient.id}/sunnybrook"


def test_staff_grade_and_everyone_on_the_record_reads_it(client, clinic):
    day = (patient_today(clinic.patient.id) - timedelta(days=3)).isoformat()
    created = client.post(
        url(clinic), headers=clinic.headers["clinician"], json={"graded_on": day, "answers": GRADES}
    )
    assert created.status_code == 201, created.json
    assert (created.json["composite"], created.json["graded_on"]) == (50, day)
    assert created.json["subscores"] == {"resting": 10, "voluntary": 64, "synkinesis": 4}
    mine = client.get("/api/v1/patients/me/sunnybrook", headers=clinic.headers["patient"]).json
    assert [i["composite"] for i in mine["items"]] == [50]
    progress = client.get("/api/v1/patients/me/progress", headers=clinic.headers["patient"]).json
    assert progress["sunnybrook"] == [
        {
            "graded_on": day,
            "composite": 50,
            "subscores": {"resting": 10, "voluntary": 64, "synkinesis": 4},
        }
    ]
    bundle = client.get("/api/v1/patients/me/fhir", headers=clinic.headers["patient"]).json
    observations = [
        e["resource"]
        for e in bundle["entry"]
        if "Sunnybrook" in e["resource"].get("code", {}).get("text", "")
    ]
    assert len(observations) == 1 and len(observations[0]["component"]) == 16
    Bundle.model_validate(bundle)


def test_a_grading_off_its_scale_or_incomplete_is_refused(client, clinic):
    before = table_rows()
    for answers, fields in (
        (GRADES[:12], {"answers"}),
        ([2, *GRADES[1:]], {"answers.0"}),
        ([*GRADES[:3], 0, *GRADES[4:]], {"answers.3"}),
    ):
        response = client.post(
            url(clinic), headers=clinic.headers["therapist"], json={"answers": answers}
        )
        assert response.status_code == 422 and set(response.json["error"]["fields"]) == fields
    assert table_rows() == before


def test_another_grading_the_same_day_needs_replace(client, clinic):
    headers = clinic.headers["therapist"]
    assert client.post(url(clinic), headers=headers, json={"answers": GRADES}).status_code == 201
    again = client.post(url(clinic), headers=headers, json={"answers": [0] * 3 + [5] * 5 + [0] * 5})
    assert again.status_code == 409 and "replace" in again.json["error"]["fields"]
    replaced = client.post(
        url(clinic), headers=headers, json={"answers": [0] * 3 + [5] * 5 + [0] * 5, "replace": True}
    )
    assert replaced.status_code == 200 and replaced.json["composite"] == 100
