"""Bad input at the practice companion's own endpoints (issue 14): the JSON the page
scripts send with the login cookie and the CSRF header (a device's push subscription,
removing it, a session from the offline outbox), and the signed tokens of the links in
reminders (stop, opened, receipts, the calendar feed).

Properties, as in test_api_property.py: never a 5xx; an error is a JSON error body
(the JSON endpoints) and changed nothing; a success changed only the endpoint's tables.
Tokens that were never signed by us find nothing: 404 (or the stop page's 404), and no
change.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrain.extensions import db

from .. import factories
from ..conftest import csrf_from, login
from ..web.practice_helpers import make_exercise, make_programme
from .conftest import (
    changed_tables,
    count_example,
    fail_on_server_error,
    fingerprint,
    property_settings,
    server_errors,
)
from .test_api_property import NOT_JSON, SERIAL, body_strategy, judge

EXAMPLES = 30
TOKEN_EXAMPLES = 40


@dataclass(frozen=True)
class JsonEndpoint:
    id: str
    path: str
    writes: frozenset[str]
    valid: object  # (exercise_id) -> dict
    keyed: bool = False  # sends an Idempotency-Key

    def __str__(self) -> str:
        return self.id


DEVICE = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/d1",
    "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
}
JSON_ENDPOINTS = [
    JsonEndpoint(
        "device_add",
        "/reminders/device",
        frozenset({"push_subscriptions", "reminder_settings"}),
        lambda e: DEVICE,
    ),
    JsonEndpoint(
        "device_remove",
        "/reminders/device/remove",
        frozenset({"push_subscriptions"}),
        lambda e: {"endpoint": DEVICE["endpoint"]},
    ),
    JsonEndpoint(
        "outbox",
        "/session/outbox",
        frozenset({"practice_sessions", "practice_items"}),
        lambda e: {
            "performed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "effort": 2,
            "synkinesis_rating": 3,
            "note": None,
            "items": [{"exercise_id": e, "reps_done": 5, "sets_done": 1, "skipped": False}],
        },
        keyed=True,
    ),
]


@pytest.fixture
def patient_client(app):
    patient = factories.make_patient()
    exercise = make_exercise()
    make_programme(patient.id, [exercise])
    client = app.test_client()
    assert login(client, patient.user.email).status_code == 302
    token = csrf_from(client.get("/reminders").get_data(as_text=True))
    return client, token, exercise.id


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS, ids=str)
def test_the_page_scripts_json_survives_bad_bodies(app, patient_client, endpoint):
    client, token, exercise_id = patient_client
    state = {"before": fingerprint()}
    outcomes = Counter()

    def attempt(raw: bytes, content_type: str) -> str:
        headers = {"X-CSRFToken": token}
        if endpoint.keyed:
            headers["Idempotency-Key"] = f"key-{next(SERIAL)}"
        with server_errors() as errors:
            response = client.post(
                endpoint.path, data=raw, content_type=content_type, headers=headers
            )
        after = fingerprint()
        what = f"POST {endpoint.path} ({content_type}) {raw[:120]!r}"
        outcome = judge(endpoint, response, state["before"], after, what, errors)
        state["before"] = after
        return outcome

    if endpoint.id == "device_remove":  # a device to remove, again after each removal
        client.post("/reminders/device", json=DEVICE, headers={"X-CSRFToken": token})
        state["before"] = fingerprint()
    for raw in NOT_JSON:
        count_example(f"companion[{endpoint.id}]", sweep=True)
        assert attempt(raw, "application/json") == "refused"
    valid = json.dumps(endpoint.valid(exercise_id)).encode()
    assert attempt(valid, "application/json") == "accepted", endpoint.id

    @property_settings(EXAMPLES)
    @given(body=body_strategy(endpoint.valid(exercise_id)))
    def fuzz(body):
        count_example(f"companion[{endpoint.id}]")
        outcomes[attempt(*body)] += 1

    fuzz()
    assert outcomes["refused"] > 0, f"{endpoint.id}: no bad body was refused"


TOKENS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/?#%"), min_size=1, max_size=300),
    st.sampled_from(["x", "e30", "1.abc", "WzEsICJlbWFpbCJd.forged", "a" * 5000, "..", "null"]),
)
TOKEN_URLS = [
    ("GET", "/reminders/stop/{}"),
    ("POST", "/reminders/stop/{}"),
    ("GET", "/reminders/opened/{}"),
    ("POST", "/reminders/receipt/{}/shown"),
    ("GET", "/calendar/{}.ics"),
]


@pytest.mark.parametrize(("method", "url"), TOKEN_URLS)
def test_tokens_we_never_signed_find_nothing(app, method, url):
    client = app.test_client()
    state = {"before": fingerprint()}

    @property_settings(TOKEN_EXAMPLES)
    @given(token=TOKENS)
    def fuzz(token):
        count_example(f"companion[{url}]")
        with server_errors() as errors:
            response = client.open(url.format(token), method=method)
        what = f"{method} {url.format(token)[:200]!r}"
        fail_on_server_error(response.status_code, errors, what)
        if "opened" in url:  # records nothing, then Today (the login page when logged out)
            assert response.status_code == 302, what
        else:
            assert response.status_code in (400, 404), what
        after = fingerprint()
        assert changed_tables(state["before"], after) == set(), what
        state["before"] = after

    fuzz()
    db.session.remove()
