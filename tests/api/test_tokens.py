from datetime import timedelta

from sqlalchemy import select, update

from retrain.extensions import db
from retrain.models import ApiToken
from retrain.models.base import utcnow

from ..conftest import TEST_PASSWORD, login, post_form


def test_token_login_and_me(client, api_token):
    user, headers = api_token("patient")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json == {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": "patient",
    }


def test_token_is_stored_hashed(client, api_token):
    _, headers = api_token("therapist")
    token = headers["Authorization"].split()[1]
    stored = db.session.scalar(select(ApiToken.token_hash))
    assert stored != token and len(stored) == 64


def test_wrong_password_is_401_json(client, factories):
    user = factories.make_user("patient")
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": "nope nope"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_no_token_is_401_json_not_a_redirect(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.is_json
    assert set(response.json["error"]) >= {"code", "message", "fields"}


def test_revoked_token_stops_working(client, api_token):
    _, headers = api_token("patient")
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_token_stops_working(client, api_token):
    _, headers = api_token("clinician")
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_staff_tokens_expire_sooner_than_patients(client, api_token):
    api_token("therapist")
    api_token("patient")
    staff, patient = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    assert staff.expires_at - staff.created_at < patient.expires_at - patient.created_at


def test_password_change_revokes_tokens(app, client, api_token):
    user, headers = api_token("therapist")
    browser = app.test_client()
    login(browser, user.email)
    post_form(
        browser,
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "another long phrase",
            "confirm": "another long phrase",
        },
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_browser_cookie_does_not_authorise_the_api(client, factories):
    user = factories.make_user("therapist")
    login(client, user.email)
    assert client.get("/therapist/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_fields_and_wrong_types_are_422_naming_the_field(client):
    response = client.post("/api/v1/tokens", json={"email": "a@b.org", "password": 5, "x": 1})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"password", "x"}


def test_non_json_body_is_415(client):
    response = client.post("/api/v1/tokens", data="email=a", content_type="text/plain")
    assert response.status_code == 415 and response.is_json


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/tokens", data="{", content_type="application/json")
    assert response.status_code == 400 and response.is_json


def test_unknown_api_path_is_json_404(client, api_token):
    _, headers = api_token("patient")
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.is_json


def test_openapi_document_is_public_and_lists_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert "post" in spec["paths"]["/api/v1/tokens"]
    assert "TokenRequest" in spec["components"]["schemas"]
    assert client.get("/api/v1/docs").status_code == 200


def test_a_foreign_patient_is_404_before_the_body_is_read(client, clinic):
    """A refusal answers the same whatever the body holds (it never confirms the record)."""
    url = f"/api/v1/patients/{clinic.other.id}/programme"
    for body in (
        {"starts_on": "not a date", "items": "x"},
        {"starts_on": "2026-01-01", "items": []},
    ):
        response = client.put(url, headers=clinic.headers["therapist"], json=body)
        assert response.status_code == 404 and response.json["error"]["fields"] == {}


def test_token_logins_and_logouts_are_audited(client, factories, api_token):
    from retrain.models import AuditEvent

    user, headers = api_token("clinician")
    client.post("/api/v1/tokens", json={"email": user.email, "password": "not the one"})
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.action, r.outcome, r.actor_id) for r in rows] == [
        ("api_login", "ok", user.id),
        ("api_login", "refused", None),
        ("api_logout", "ok", user.id),
    ]
