"""The installable app on the server's side: manifest and icons, the service worker at the
root with its precache, the offline page, which pages may be kept offline (and for
whom), and the endpoint the offline outbox sends sessions to (cookie + CSRF +
Idempotency-Key: exactly once)."""

import json
import struct
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import PracticeSession
from retrain.models.base import utcnow

from ..conftest import csrf_from
from .practice_helpers import make_exercise, make_programme


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/today"
    assert manifest["scope"] == "/" and manifest["short_name"] == "Retrain"
    sizes = {}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        width, height = png_size(image.get_data())
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon["purpose"], set()).add(width)
    assert sizes == {"any": {192, 512}, "maskable": {192, 512}}


def test_the_service_worker_is_served_at_the_root_with_its_precache(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    precache = json.loads(script.split("var PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert "/offline" in precache and "/static/js/player.js" in precache
    assert "/static/js/outbox.js" in precache and "/static/img/icons/icon-192.png" in precache
    assert not any(url.startswith(("/today", "/session", "/reminders")) for url in precache)
    for url in precache:
        assert client.get(url).status_code == 200, url
    assert 'importScripts("/static/js/outbox.js")' in script


def test_the_offline_page_names_nobody(client, as_user):
    as_user("patient", name="Robin Quinn")
    page = client.get("/offline").get_data(as_text=True)
    assert "You are offline" in page and "Robin" not in page and "csrf" not in page


def test_only_a_patients_own_pages_may_be_kept_offline_and_only_for_them(app, client, as_user):
    patient = as_user("patient")
    make_programme(patient.id, [make_exercise()])
    for url in ("/today", "/session/player", "/reminders"):
        assert client.get(url).headers["X-Offline-Page"] == str(patient.id), url
    for url in ("/history", "/my-data", "/sw.js", "/manifest.webmanifest"):
        assert "X-Offline-Page" not in client.get(url).headers, url


def test_staff_pages_are_never_kept(app, client, as_user):
    as_user("therapist")
    assert "X-Offline-Page" not in client.get("/therapist/").headers


def test_pages_carry_the_manifest_and_the_account_the_scripts_need(client, as_user):
    patient = as_user("patient")
    page = client.get("/today").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'data-user="{patient.id}"' in page and 'name="csrf-token"' in page
    assert "/static/js/app.js" in page and "/static/js/outbox.js" in page


@pytest.fixture
def patient_with_programme(as_user):
    patient = as_user("patient")
    exercise = make_exercise()
    make_programme(patient.id, [exercise], reps=5)
    return patient, exercise


def saved_session(exercise_id, **changes) -> dict:
    body = {
        "performed_at": (utcnow() - timedelta(minutes=20)).isoformat(),
        "effort": 2,
        "synkinesis_rating": 3,
        "note": None,
        "items": [{"exercise_id": exercise_id, "reps_done": 5, "sets_done": 1, "skipped": False}],
    }
    body.update(changes)
    return body


def send(client, body, key, token, path="/session/outbox"):
    headers = {"X-CSRFToken": token}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(path, json=body, headers=headers)


def sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(PracticeSession))


def test_a_saved_session_is_stored_once_however_often_it_is_sent(client, patient_with_programme):
    _, exercise = patient_with_programme
    token = csrf_from(client.get("/session/player").get_data(as_text=True))
    key = str(uuid.uuid4())
    first = send(client, saved_session(exercise.id), key, token)
    assert first.status_code == 201 and first.get_json()["created"] is True
    for _ in range(3):
        again = send(client, saved_session(exercise.id, effort=5), key, token)
        assert again.status_code == 200 and again.get_json() == {
            **first.get_json(),
            "created": False,
        }
    assert sessions() == 1
    stored = db.session.scalar(select(PracticeSession))
    assert (stored.source, stored.effort, stored.idempotency_key) == ("player", 2, key)


def test_flash_only_when_the_patient_is_there(client, patient_with_programme):
    _, exercise = patient_with_programme
    token = csrf_from(client.get("/session/player").get_data(as_text=True))
    send(client, saved_session(exercise.id), "a-key", token, "/session/outbox?flash=1")
    assert "Your session is saved" in client.get("/today").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"items": [{"exercise_id": 999999, "reps_done": 5}]},
            "items.0.exercise_id",
            "not in your current programme",
        ),
        (
            {"performed_at": (utcnow() + timedelta(days=1)).isoformat()},
            "performed_at",
            "in the future",
        ),
        ({"effort": 9}, "effort", "from 1 to 5"),
        ({"note": "x" * 2001}, "note", "2000 characters"),
        ({"performed_at": "yesterday"}, "performed_at", ""),
        ({"items": [{"exercise_id": 1, "reps_done": 5}] * 1001}, "items", ""),
    ],
)
def test_a_refused_session_says_why_and_nothing_is_stored(
    client, patient_with_programme, changes, field, reason
):
    _, exercise = patient_with_programme
    token = csrf_from(client.get("/session/player").get_data(as_text=True))
    response = send(client, saved_session(exercise.id, **changes), "k1", token)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"] and reason in error["fields"][field]
    assert sessions() == 0


def test_the_outbox_needs_its_key_the_csrf_token_and_json(client, patient_with_programme):
    _, exercise = patient_with_programme
    token = csrf_from(client.get("/session/player").get_data(as_text=True))
    no_key = send(client, saved_session(exercise.id), None, token)
    assert no_key.status_code == 422 and "idempotency_key" in no_key.get_json()["error"]["fields"]
    assert send(client, saved_session(exercise.id), "k", "not-the-token").status_code == 400
    not_json = client.post(
        "/session/outbox", data="effort=3", headers={"X-CSRFToken": token, "Idempotency-Key": "k"}
    )
    assert not_json.status_code == 422
    assert sessions() == 0


def test_other_roles_cannot_send_sessions(app, client, as_user):
    as_user("therapist")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    assert send(client, saved_session(1), "k", token).status_code == 403
    assert sessions() == 0


def test_the_install_help_is_for_everyone(app):
    page = app.test_client().get("/install").get_data(as_text=True)
    assert "Add to Home Screen" in page and "Safari" in page and "Chrome" in page
