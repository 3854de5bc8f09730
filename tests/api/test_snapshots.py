"""Snapshots through the API: multipart upload, the list, the image files."""

import io

from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import Snapshot
from retrain.usecases import snapshots

from .conftest import table_rows
from .test_roles import photo


def upload(client, clinic, *, pid="me", role="patient", **fields):
    data = {"expression": "rest", "mirrored": "false", "image": (io.BytesIO(photo()), "a.png")}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(
        f"/api/v1/patients/{pid}/snapshots",
        headers=clinic.headers[role],
        data=data,
        content_type="multipart/form-data",
    )


def snapshot_count():
    return db.session.scalar(select(func.count(Snapshot.id)))


def test_upload_answers_id_quality_and_measures(client, clinic):
    response = upload(client, clinic, expression="full smile", mirrored="true")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["expression"] == "full smile" and body["uploaded_mirrored"] is True
    assert set(body["quality"]) >= {"analysed", "ok", "flags"}
    assert isinstance(body["measures"], dict)
    assert (body["width"], body["height"]) == (200, 160)
    row = db.session.get(Snapshot, body["id"])
    assert row.patient_id == clinic.patient.id
    assert body["image_url"] == f"/api/v1/snapshots/{row.id}/image"


def test_the_image_is_served_to_the_care_team_only_never_cached(client, clinic):
    snapshot_id = upload(client, clinic).json["id"]
    for role in ("patient", "therapist", "clinician"):
        for kind in ("image", "thumbnail"):
            response = client.get(
                f"/api/v1/snapshots/{snapshot_id}/{kind}", headers=clinic.headers[role]
            )
            assert response.status_code == 200, (role, kind)
            assert response.mimetype == "image/jpeg"
            assert response.data[:2] == b"\xff\xd8"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    url = f"/api/v1/snapshots/{snapshot_id}/image"
    assert client.get(url, headers=clinic.headers["other"]).status_code == 404
    assert client.get(url, headers=clinic.headers["admin"]).status_code == 403
    assert client.get(url, headers=clinic.headers["anonymous"]).status_code == 401
    for missing in (snapshot_id + 1, 2**31, 10**12):
        response = client.get(
            f"/api/v1/snapshots/{missing}/image", headers=clinic.headers["patient"]
        )
        assert response.status_code == 404 and response.is_json


def test_another_patients_photo_is_404_for_staff_who_do_not_treat_them(client, clinic, api_token):
    snapshot_id = upload(client, clinic, role="other").json["id"]
    for role in ("therapist", "clinician", "patient"):
        response = client.get(
            f"/api/v1/snapshots/{snapshot_id}/image", headers=clinic.headers[role]
        )
        assert response.status_code == 404


def test_list_newest_first_and_paginated(client, clinic):
    ids = [upload(client, clinic, expression=e).json["id"] for e in ("rest", "pucker", "snarl")]
    url = f"/api/v1/patients/{clinic.patient.id}/snapshots?limit=2"
    first = client.get(url, headers=clinic.headers["therapist"]).json
    rest = client.get(
        f"{url}&cursor={first['next_cursor']}", headers=clinic.headers["therapist"]
    ).json
    assert [s["id"] for s in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None


def test_without_consent_the_upload_is_403_and_nothing_is_stored(client, clinic):
    snapshots.withdraw_consent(clinic.patient, clinic.patient.id)
    before = table_rows()
    response = upload(client, clinic)
    assert response.status_code == 403
    assert "agree" in response.json["error"]["message"]
    assert table_rows() == before


def test_bad_uploads_are_refused_with_the_right_status(client, clinic):
    before = table_rows()
    cases = [
        ({"image": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.png")}, 415, "image"),
        ({"image": (io.BytesIO(b""), "x.png")}, 422, "image"),
        ({"image": None}, 422, "image"),
        ({"expression": "wink"}, 422, "expression"),
        ({"expression": None}, 422, "expression"),
        ({"mirrored": "sideways"}, 422, "mirrored"),
        ({"colour": "blue"}, 422, "colour"),
        ({"session_id": "abc"}, 422, "session_id"),
    ]
    for fields, status, field in cases:
        response = upload(client, clinic, **fields)
        assert response.status_code == status, (fields, response.json)
        assert field in response.json["error"]["fields"], (fields, response.json)
    as_json = client.post(
        "/api/v1/patients/me/snapshots",
        headers=clinic.headers["patient"],
        json={"expression": "rest"},
    )
    assert as_json.status_code == 415
    assert table_rows() == before


def test_a_session_of_another_patient_cannot_be_linked(client, clinic):
    from tests.web.practice_helpers import add_session, local_noon, local_today

    theirs = add_session(clinic.other.id, local_noon(local_today()))
    before = snapshot_count()
    response = upload(client, clinic, session_id=str(theirs.id))
    assert response.status_code == 422 and "session_id" in response.json["error"]["fields"]
    assert snapshot_count() == before
    mine = add_session(clinic.patient.id, local_noon(local_today()))
    linked = upload(client, clinic, session_id=str(mine.id))
    assert linked.status_code == 201 and linked.json["session_id"] == mine.id


def test_a_too_large_body_is_json_413(app, client, clinic):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, clinic, image=(io.BytesIO(b"\xff" * 20_000), "big.jpg"))
    assert response.status_code == 413 and response.is_json
    assert response.json["error"]["code"] == "too_large"
    assert snapshot_count() == 0


def test_uploads_are_throttled_per_account_with_json_429(app, client, clinic):
    app.config["UPLOAD_RATE_LIMIT"] = "2 per minute"
    statuses = [upload(client, clinic).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert snapshot_count() == 2
    response = upload(client, clinic)
    assert response.status_code == 429 and response.json["error"]["code"] == "rate_limited"
