"""Patients and programmes through the API: what they answer, and every refusal."""

from datetime import timedelta

from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import CareTeamMember, Invitation, Programme, User
from retrain.usecases.local_time import patient_today

from .conftest import table_rows


def test_caseload_lists_own_patients_with_figures(client, clinic):
    response = client.get("/api/v1/patients", headers=clinic.headers["therapist"])
    assert response.status_code == 200
    body = response.json
    assert [row["id"] for row in body["items"]] == [clinic.patient.id]
    assert body["next_cursor"] is None
    row = body["items"][0]
    assert row["name"] == clinic.patient.name and row["has_programme"] is True
    assert set(row) == {
        "id", "name", "email", "affected_side", "has_programme", "last_session_at",
        "sessions_7d", "prescribed_7d", "sessions_28d", "prescribed_28d", "adherence_28d",
        "no_session_3_days",
    }  # fmt: skip


def test_caseload_pages_with_an_opaque_cursor(client, clinic, factories):
    for n in range(4):
        factories.make_patient(care_team=[clinic.therapist], name=f"Zed {n}")
    headers = clinic.headers["therapist"]
    seen, cursor = [], None
    for _ in range(3):
        url = "/api/v1/patients?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).json
        seen += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen)) and cursor is None
    assert [r["name"] for r in client.get("/api/v1/patients", headers=headers).json["items"]][
        1:
    ] == [f"Zed {n}" for n in range(4)]


def test_bad_limit_and_cursor_are_422_naming_the_parameter(client, clinic):
    headers = clinic.headers["therapist"]
    for query, field in (("limit=0", "limit"), ("limit=201", "limit"), ("cursor=xyz", "cursor")):
        response = client.get(f"/api/v1/patients?{query}", headers=headers)
        assert response.status_code == 422
        assert field in response.json["error"]["fields"]
    response = client.get("/api/v1/patients?page=2", headers=headers)
    assert response.status_code == 422 and "page" in response.json["error"]["fields"]


def test_create_patient_answers_id_and_one_time_link(client, clinic):
    response = client.post(
        "/api/v1/patients",
        headers=clinic.headers["clinician"],
        json={"name": " Ada Lovelace ", "email": "Ada@Example.org", "affected_side": "both"},
    )
    assert response.status_code == 201
    new_id = response.json["id"]
    assert response.json["invitation_url"].startswith("http://localhost/invitation/")
    user = db.session.get(User, new_id)
    assert (user.name, user.email, user.patient.affected_side) == (
        "Ada Lovelace", "ada@example.org", "both",
    )  # fmt: skip
    assert db.session.scalar(
        select(CareTeamMember.id).where(
            CareTeamMember.patient_id == new_id, CareTeamMember.staff_id == clinic.clinician.id
        )
    )
    assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.user_id == new_id))


def test_create_patient_refusals_name_the_field_and_write_nothing(client, clinic):
    headers = clinic.headers["therapist"]
    cases = [
        ({"name": "A", "email": clinic.patient.email, "affected_side": "left"}, "email"),
        ({"name": "A", "email": "not an address", "affected_side": "left"}, "email"),
        ({"name": "  ", "email": "a@example.org", "affected_side": "left"}, "name"),
        ({"name": "A", "email": "a@example.org", "affected_side": "up"}, "affected_side"),
        ({"name": "A", "email": "a@example.org"}, "affected_side"),
        ({"name": 5, "email": "a@example.org", "affected_side": "left"}, "name"),
        ({"name": "A", "email": "a@example.org", "affected_side": "left", "role": "admin"}, "role"),
        ({"name": "A\x00", "email": "a@example.org", "affected_side": "left"}, "name"),
    ]
    before = table_rows()
    for body, field in cases:
        response = client.post("/api/v1/patients", headers=headers, json=body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"], (body, response.json)
    assert table_rows() == before


def test_patient_detail_for_the_patient_and_for_staff(client, clinic):
    mine = client.get("/api/v1/patients/me", headers=clinic.headers["patient"]).json
    assert mine["id"] == clinic.patient.id and mine["caseload"] is None
    assert mine["timezone"] == "Europe/London" and mine["programme_version"] == 1
    staff = client.get(f"/api/v1/patients/{clinic.patient.id}", headers=clinic.headers["clinician"])
    assert staff.json["caseload"]["id"] == clinic.patient.id


def test_malformed_and_huge_patient_ids_are_404(client, clinic):
    for pid in ("0", "-1", "01", "abc", "99999999999", "1e3", "²"):
        for role in ("patient", "therapist"):
            response = client.get(f"/api/v1/patients/{pid}", headers=clinic.headers[role])
            assert response.status_code == 404, (pid, role)
            assert response.is_json


def test_programme_get_shows_the_version_in_force(client, clinic):
    body = client.get("/api/v1/patients/me/programme", headers=clinic.headers["patient"]).json
    assert body["version"] == 1 and body["ended_on"] is None
    assert [i["exercise_id"] for i in body["items"]] == [e.id for e in clinic.exercises[:2]]
    assert body["items"][0]["exercise_name"] == clinic.exercises[0].name


def test_programme_get_without_a_programme(client, clinic, factories):
    patient = factories.make_patient(care_team=[clinic.therapist])
    response = client.get(
        f"/api/v1/patients/{patient.id}/programme", headers=clinic.headers["therapist"]
    )
    assert response.status_code == 200
    assert response.json["version"] is None and response.json["items"] == []


def test_put_programme_makes_a_new_version_and_keeps_the_old(client, clinic):
    today = patient_today(clinic.patient.id)
    body = {
        "starts_on": today.isoformat(),
        "note": "Go gently.",
        "items": [
            {"exercise_id": clinic.exercises[2].id, "reps": 12, "hold_seconds": 4},
            {"exercise_id": clinic.exercises[0].id},
        ],
    }
    url = f"/api/v1/patients/{clinic.patient.id}/programme"
    response = client.put(url, headers=clinic.headers["therapist"], json=body)
    assert response.status_code == 201, response.json
    new = response.json
    assert (
        new["version"] == 2
        and new["starts_on"] == today.isoformat()
        and new["note"] == "Go gently."
    )
    first, second = new["items"]
    assert (first["reps"], first["hold_seconds"], first["sets"], first["days_per_week"]) == (
        12,
        4,
        1,
        7,
    )
    assert second["reps"] == clinic.exercises[0].default_reps  # a missing dose: the default
    old = db.session.scalar(
        select(Programme).where(Programme.version == 1, Programme.patient_id == clinic.patient.id)
    )
    assert old.ended_on == today - timedelta(days=1)
    history = client.get(
        f"/api/v1/patients/{clinic.patient.id}/programmes", headers=clinic.headers["clinician"]
    ).json
    assert [p["version"] for p in history["items"]] == [2, 1]


def test_put_programme_reports_every_problem_as_json_paths(client, clinic):
    retired = clinic.exercises[1]
    retired.retired_at = retired.created_at
    db.session.commit()
    tomorrow = patient_today(clinic.patient.id) + timedelta(days=1)
    body = {
        "starts_on": tomorrow.isoformat(),
        "items": [
            {"exercise_id": clinic.exercises[0].id, "reps": 0},
            {"exercise_id": retired.id},
            {"exercise_id": 999999},
            {"exercise_id": clinic.exercises[0].id, "days_per_week": 8},
        ],
    }
    before = table_rows()
    response = client.put(
        f"/api/v1/patients/{clinic.patient.id}/programme",
        headers=clinic.headers["therapist"],
        json=body,
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "starts_on", "items.0.reps", "items.1.exercise_id", "items.2.exercise_id",
        "items.3.days_per_week",
    }  # fmt: skip
    assert table_rows() == before


def test_put_programme_type_errors_name_the_field(client, clinic):
    url = f"/api/v1/patients/{clinic.patient.id}/programme"
    body = {"starts_on": "yesterday", "items": [{"exercise_id": "3", "reps": 1.5, "extra": 1}]}
    response = client.put(url, headers=clinic.headers["therapist"], json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "starts_on", "items.0.exercise_id", "items.0.reps", "items.0.extra",
    }  # fmt: skip
    empty = client.put(
        url, headers=clinic.headers["therapist"], json={"starts_on": "2020-01-01", "items": []}
    )
    assert empty.status_code == 422 and "items" in empty.json["error"]["fields"]
