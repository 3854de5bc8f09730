"""Every endpoint for every role, own and foreign records: exact status codes, and
nothing written on refusal (nor by any GET).

Contexts: a patient with ``me`` and with their own id; a patient with another
patient's id; the therapist and clinician of the patient, with that patient's id and
with a patient they do not treat, and with ``me``; an admin; nobody (no token).
"""

import io
from datetime import timedelta
from itertools import count

import cv2
import numpy as np
import pytest

from retrain.models.base import utcnow
from retrain.usecases.local_time import patient_today

from .conftest import table_rows

READ = {
    "patient-me": 200,
    "patient-own": 200,
    "patient-foreign": 404,
    "therapist-own": 200,
    "therapist-foreign": 404,
    "therapist-me": 404,
    "clinician-own": 200,
    "clinician-foreign": 404,
    "admin": 403,
    "anonymous": 401,
}
PATIENT_WRITE = {
    **READ,
    "patient-me": 201,
    "patient-own": 201,
    "therapist-own": 403,
    "therapist-foreign": 403,
    "therapist-me": 403,
    "clinician-own": 403,
    "clinician-foreign": 403,
}
THERAPIST_WRITE = {
    **READ,
    "patient-me": 403,
    "patient-own": 403,
    "patient-foreign": 403,
    "therapist-own": 201,
    "clinician-own": 403,
    "clinician-foreign": 403,
}
CLINICIAN_WRITE = {
    **READ,
    "patient-me": 403,
    "patient-own": 403,
    "patient-foreign": 403,
    "therapist-own": 403,
    "therapist-foreign": 403,
    "therapist-me": 403,
    "clinician-own": 201,
}
# The same day again: replaces (the staff's paper SAQs say "replace": the patient's is there)
SAQ_WRITE = {**PATIENT_WRITE, "patient-own": 200, "therapist-own": 200, "clinician-own": 200}
SAQ_WRITE |= {"therapist-foreign": 404, "therapist-me": 404, "clinician-foreign": 404}
# Staff grade (201, then 200: the same day again, replaced); patients may not.
GRADING_WRITE = {**THERAPIST_WRITE, "therapist-own": 201, "clinician-own": 200}
GRADING_WRITE |= {"therapist-foreign": 404, "therapist-me": 404, "clinician-foreign": 404}
STAFF_ONLY = {"patient": 403, "therapist": 200, "clinician": 200, "admin": 403, "anonymous": 401}
STAFF_CREATE = {**STAFF_ONLY, "therapist": 201, "clinician": 201}
PATIENT_ONLY = {"patient": 200, "therapist": 403, "clinician": 403, "admin": 403, "anonymous": 401}
EVERYONE = {"patient": 200, "therapist": 200, "clinician": 200, "admin": 200, "anonymous": 401}

_emails = count()


def session_body(clinic):
    return json_body(
        {
            "performed_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "synkinesis_rating": 3,
            "effort": 2,
            "note": "fine",
            "items": [{"exercise_id": clinic.programme.items[0].exercise_id, "reps_done": 10}],
        }
    )


def programme_body(clinic):
    return json_body(
        {
            "starts_on": utcnow().date().isoformat(),
            "items": [{"exercise_id": clinic.exercises[2].id, "reps": 8}],
        }
    )


def new_patient_body(clinic):
    email = f"new{next(_emails)}@example.org"
    return json_body({"name": "New Person", "email": email, "affected_side": "right"})


def photo_upload(clinic):
    image = io.BytesIO(photo())
    return {
        "data": {"expression": "rest", "mirrored": "true", "image": (image, "face.png")},
        "content_type": "multipart/form-data",
    }


def photo() -> bytes:
    """A 200 x 160 PNG, black on the left, white on the right (no face: not measured)."""
    image = np.zeros((160, 200, 3), np.uint8)
    image[:, 100:] = 255
    ok, buffer = cv2.imencode(".png", image)
    assert ok
    return buffer.tobytes()


def saq_body(clinic):
    return json_body({"answers": [2, 3, 1, 1, 2, 4, 1, 1, 2], "replace": True})


def grading_body(clinic):
    return json_body({"answers": [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0], "replace": True})


def injection_body(clinic):
    today = patient_today(clinic.patient.id)
    sites = [{"muscle": "mentalis", "side": "right", "units": 2}]
    body = {"injected_on": today.isoformat(), "product": "other", "sites": sites}
    return json_body({**body, "confirm_short_interval": True})


def json_body(body):
    return {"json": body}


def reminders_body(clinic):
    body = {"push_on": False, "email_on": True, "times": ["08:30"], "weekdays": [0, 3]}
    return json_body(body)


def suggestion_body(clinic):
    return json_body({"times": ["07:45"]})


def push_body(clinic):
    keys = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    return json_body(
        {"endpoint": f"https://fcm.googleapis.com/fcm/send/{next(_emails)}", "keys": keys}
    )


# Reminders: the patient sets their own (200), a therapist suggests (200), and what is
# the patient's device or private address is for the patient alone.
PATIENT_SETS = {**PATIENT_WRITE, "patient-me": 200, "patient-own": 200}
THERAPIST_SETS = {**THERAPIST_WRITE, "therapist-own": 200}
PATIENT_OWN_READ = PATIENT_SETS
PATIENT_STOPS = {**PATIENT_WRITE, "patient-me": 204, "patient-own": 204}


def message_body(clinic):
    return json_body({"body": "Is twice a day enough?"})


# Messages: the patient and each member of their care team read and write the thread.
MESSAGE_WRITE = {k: (201 if v == 200 else v) for k, v in READ.items()}


# (method, path, body builder or None, expected statuses by context)
PATIENT_ENDPOINTS = [
    ("GET", "/patients/{pid}", None, READ),
    ("GET", "/patients/{pid}/programme", None, READ),
    ("PUT", "/patients/{pid}/programme", programme_body, THERAPIST_WRITE),
    ("GET", "/patients/{pid}/programmes", None, READ),
    ("GET", "/patients/{pid}/sessions", None, READ),
    ("POST", "/patients/{pid}/sessions", session_body, PATIENT_WRITE),
    ("GET", "/patients/{pid}/snapshots", None, READ),
    ("POST", "/patients/{pid}/snapshots", photo_upload, PATIENT_WRITE),
    ("GET", "/patients/{pid}/saq", None, READ),
    ("POST", "/patients/{pid}/saq", saq_body, SAQ_WRITE),
    ("GET", "/patients/{pid}/injections", None, READ),
    ("GET", "/patients/{pid}/injections/{vid}", None, READ),
    ("POST", "/patients/{pid}/injections", injection_body, CLINICIAN_WRITE),
    ("GET", "/patients/{pid}/progress", None, READ),
    ("GET", "/patients/{pid}/sunnybrook", None, READ),
    ("POST", "/patients/{pid}/sunnybrook", grading_body, GRADING_WRITE),
    ("GET", "/patients/{pid}/export", None, READ),
    ("GET", "/patients/{pid}/fhir", None, READ),
    ("GET", "/patients/{pid}/reminders", None, READ),
    ("PUT", "/patients/{pid}/reminders", reminders_body, PATIENT_SETS),
    ("PUT", "/patients/{pid}/reminders/suggestion", suggestion_body, THERAPIST_SETS),
    ("GET", "/patients/{pid}/push-subscriptions", None, PATIENT_OWN_READ),
    ("POST", "/patients/{pid}/push-subscriptions", push_body, PATIENT_WRITE),
    ("GET", "/patients/{pid}/reminders/calendar", None, PATIENT_OWN_READ),
    ("POST", "/patients/{pid}/reminders/calendar", None, PATIENT_SETS),
    ("DELETE", "/patients/{pid}/reminders/calendar", None, PATIENT_STOPS),
    ("GET", "/patients/{pid}/messages", None, READ),
    ("POST", "/patients/{pid}/messages", message_body, MESSAGE_WRITE),
    ("POST", "/patients/{pid}/messages/read", None, READ),
]
PLAIN_ENDPOINTS = [
    ("GET", "/me", None, EVERYONE),
    ("GET", "/exercises", None, EVERYONE),
    ("GET", "/patients", None, STAFF_ONLY),
    ("POST", "/patients", new_patient_body, STAFF_CREATE),
    ("GET", "/today", None, PATIENT_ONLY),
    ("GET", "/push/key", None, PATIENT_ONLY),
]


def _context(clinic, name):
    role, _, which = name.partition("-")
    headers = clinic.headers[role]
    if which == "me":
        return headers, "me"
    if which == "foreign":
        return headers, str(clinic.other.id)
    return headers, str(clinic.patient.id)


def _call(client, method, url, headers, kwargs):
    return client.open(f"/api/v1{url}", method=method, headers=headers, **(kwargs or {}))


def _check(client, clinic, method, url, headers, body, status, label):
    before = table_rows()
    response = _call(client, method, url, headers, body(clinic) if body else None)
    assert response.status_code == status, (label, response.json)
    assert response.is_json or status == 204, label  # 204: no body
    if status >= 400:
        assert set(response.json["error"]) >= {"code", "message", "fields"}, label
    if status >= 400 or method == "GET":
        assert table_rows() == before, f"{label} wrote something"


def _refusals_first(expected: dict) -> list:
    """Refusals run before successes, so each refusal sees the untouched record."""
    return sorted(expected.items(), key=lambda pair: pair[1] < 400)


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(*case, id=f"{case[0]} {case[1]}") for case in PATIENT_ENDPOINTS],
)
def test_patient_endpoints(client, clinic, method, path, body, expected):
    for context, status in _refusals_first(expected):
        headers, pid = _context(clinic, context)
        visit = clinic.other_visit if context.endswith("foreign") else clinic.visit
        url = path.format(pid=pid, vid=visit.id)
        _check(client, clinic, method, url, headers, body, status, f"{method} {url} {context}")


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(*case, id=f"{case[0]} {case[1]}") for case in PLAIN_ENDPOINTS],
)
def test_plain_endpoints(client, clinic, method, path, body, expected):
    for role, status in _refusals_first(expected):
        _check(client, clinic, method, path, clinic.headers[role], body, status, f"{path} {role}")
