"""Bad JSON at every API endpoint that writes.

tests/api/test_schemathesis.py sends requests the OpenAPI document describes and checks
the answers against it. This file sends what the document does not allow, and checks the
database: each case starts from a body the endpoint accepts, then Hypothesis replaces
values anywhere in it (null, booleans, 0 and -1, 2^31 and 2^63, 10^30, 1e308, floats
for ints, 10,000 characters, NUL, emoji, impossible dates, empty and nested objects and
lists), drops keys, adds keys no model has (``role``, ``patient_id``, ``id``...: mass
assignment), repeats list items, or sends a body that is no JSON at all (cut short, NaN,
Infinity, 1e999999, duplicate keys, a byte-order mark, invalid UTF-8, 10,000 levels of
nesting) or the wrong content type.

Properties, as the role that owns the endpoint, with its bearer token:
- never a 5xx, and every error is the API's JSON error body;
- an error changed nothing (row counts and row checksums of every table except audit
  rows and login sessions); a success changed only the endpoint's own tables.

The photo upload (multipart) is fuzzed in test_upload_fuzz.py through the web form; the
API's variant gets a short run here with the same files.
"""

from __future__ import annotations

import io
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import CareTeamMember, Exercise
from retrain.usecases import snapshots as snapshot_service

from .. import factories
from ..conftest import TEST_PASSWORD
from ..web.practice_helpers import make_programme
from .conftest import (
    changed_tables,
    count_example,
    fail_on_server_error,
    fingerprint,
    property_settings,
    server_errors,
)
from .test_upload_fuzz import FILES, stored_files

EXAMPLES_PER_ENDPOINT = 30
SERIAL = itertools.count()  # fresh e-mail addresses and idempotency keys, the same every run
UPLOAD_EXAMPLES = 20
API = "/api/v1"

# --- odd JSON ------------------------------------------------------------------------------

ODD_JSON = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -0.0,
    2**31,
    2**63,
    10**30,
    -(10**30),
    1e308,
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "a\x00b",
    "🙂\u202e",
    "1",
    "true",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2026-01-01T10:00:00",  # no offset
    "<script>alert(1)</script>",
    [],
    {},
    [None],
    {"$gt": ""},
    [[[[[]]]]],
]
UNKNOWN_KEYS = ["role", "patient_id", "id", "author_id", "created_by_id", "active", "source"]


@st.composite
def mutated(draw, value, depth: int = 0):
    """``value`` with odd things done to it somewhere (or, sometimes, left alone)."""
    choice = draw(st.integers(0, 9))
    if choice == 0 or depth > 3:
        return value
    if choice <= 3:
        return draw(st.sampled_from(ODD_JSON))
    if isinstance(value, dict) and value:
        value = dict(value)
        keys = sorted(value)
        action = draw(st.sampled_from(["change", "change", "drop", "add"]))
        if action == "drop":
            value.pop(draw(st.sampled_from(keys)))
        elif action == "add":
            value[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(st.sampled_from(ODD_JSON[:12]))
        else:
            key = draw(st.sampled_from(keys))
            value[key] = draw(mutated(value[key], depth + 1))
        return value
    if isinstance(value, list) and value:
        action = draw(st.sampled_from(["change", "change", "empty", "repeat", "append"]))
        if action == "empty":
            return []
        if action == "repeat":
            return value * draw(st.sampled_from([2, 50, 1001]))
        if action == "append":
            return [*value, draw(st.sampled_from(ODD_JSON))]
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], draw(mutated(value[index], depth + 1)), *value[index + 1 :]]
    if isinstance(value, bool):
        return draw(st.sampled_from([not value, 0, 1, "true", None]))
    if isinstance(value, int | float):
        return draw(
            st.one_of(
                st.sampled_from([-1, 0, 2**31 - 1, 2**31, 2**63, 1e308, value + 0.5, str(value)]),
                st.integers(-(2**70), 2**70),
                st.floats(allow_nan=False, allow_infinity=False),
            )
        )
    if isinstance(value, str):
        return draw(
            st.one_of(
                st.sampled_from(["", "x" * 10_000, "\x00", value.upper(), value + " ", value * 3]),
                st.text(st.characters(codec="utf-8"), max_size=20),
            )
        )
    return draw(st.sampled_from(ODD_JSON))


NOT_JSON = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"text"',
    b"NaN",
    b'{"x": NaN}',
    b'{"x": Infinity}',
    b"1e999999",
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
    b"\xef\xbb\xbf{}",
    b'{"\xff": "\xfe"}',
    b'{"note": "\\ud800"}',  # a lone surrogate, escaped
]


def body_strategy(valid: dict):
    """(raw bytes, content type) to send, from the endpoint's valid body (bodies that are
    no JSON at all are each sent once, before the fuzzing)."""
    as_json = mutated(valid).map(lambda v: json.dumps(v).encode())
    with_duplicates = mutated(valid).map(
        lambda v: (
            (json.dumps(v)[:-1] + ', "note": 1, "note": "x"}').encode()
            if isinstance(v, dict) and v
            else json.dumps(v).encode()
        )
    )
    return st.tuples(
        st.one_of(as_json, as_json, as_json, with_duplicates),
        st.sampled_from(
            ["application/json"] * 6
            + ["text/plain", "application/json; charset=latin-1"]
            + ["application/x-www-form-urlencoded"]
        ),
    )


# --- the clinic ------------------------------------------------------------------------------


@dataclass
class Clinic:
    headers: dict[str, dict]
    ids: dict[str, int]
    emails: dict[str, str]


def bearer(client, user) -> dict:
    response = client.post(f"{API}/tokens", json={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 201, response.status_code
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def clinic(app, client):
    therapist = factories.make_user("therapist")
    clinician = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[therapist, clinician])
    exercises = list(
        db.session.scalars(
            select(Exercise).where(Exercise.retired_at.is_(None)).order_by(Exercise.id).limit(3)
        )
    )
    make_programme(patient.id, exercises[:2], starts_on=datetime.now(UTC).date() - timedelta(30))
    snapshot_service.give_consent(patient.user, patient.id)
    assert db.session.scalar(select(CareTeamMember).where(CareTeamMember.patient_id == patient.id))
    users = {"patient": patient.user, "therapist": therapist, "clinician": clinician}
    return Clinic(
        headers={role: bearer(client, user) for role, user in users.items()} | {"anonymous": {}},
        ids={"patient": patient.id, **{f"exercise{i}": e.id for i, e in enumerate(exercises)}},
        emails={"patient": patient.user.email},
    )


def yesterday() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def an_hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Endpoint:
    id: str
    role: str
    method: str
    path: str
    writes: frozenset[str]
    valid: object  # (Clinic) -> dict

    def __str__(self) -> str:
        return self.id


ENDPOINTS = [
    Endpoint(
        "tokens",
        "anonymous",
        "POST",
        "/tokens",
        frozenset({"api_tokens"}),
        lambda c: {"email": c.emails["patient"], "password": TEST_PASSWORD},
    ),
    Endpoint(
        "patient_create",
        "therapist",
        "POST",
        "/patients",
        frozenset({"users", "patients", "care_team_members", "invitations"}),
        lambda c: {
            "name": "Ann Example",
            "email": f"api.person{next(SERIAL)}@example.org",
            "affected_side": "left",
        },
    ),
    Endpoint(
        "programme_put",
        "therapist",
        "PUT",
        "/patients/{patient}/programme",
        frozenset({"programmes", "programme_items"}),
        lambda c: {
            "starts_on": yesterday(),
            "items": [
                {"exercise_id": c.ids["exercise0"], "reps": 10, "hold_seconds": 5},
                {"exercise_id": c.ids["exercise2"], "times_per_day": 2, "note": "Gently."},
            ],
            "note": "Slow and gentle, in front of a mirror.",
        },
    ),
    Endpoint(
        "session_create",
        "patient",
        "POST",
        "/patients/me/sessions",
        frozenset({"practice_sessions", "practice_items"}),
        lambda c: {
            "performed_at": an_hour_ago(),
            "synkinesis_rating": 3,
            "effort": 2,
            "note": "The eye felt calmer today.",
            "items": [{"exercise_id": c.ids["exercise0"], "reps_done": 10, "difficulty": 2}],
        },
    ),
    Endpoint(
        "saq_create",
        "patient",
        "POST",
        "/patients/me/saq",
        frozenset({"questionnaire_responses"}),
        lambda c: {"answers": [2, 3, 1, 1, 2, 4, 1, 1, 2]},
    ),
    Endpoint(
        "injection_create",
        "clinician",
        "POST",
        "/patients/{patient}/injections",
        frozenset({"injection_visits", "injection_sites", "injection_visit_revisions"}),
        lambda c: {
            "injected_on": yesterday(),
            "product": "onabotulinumtoxinA",
            "sites": [
                {"muscle": "orbicularis oculi", "side": "left", "units": 2.5},
                {"muscle": "platysma", "side": "left", "units": 5},
            ],
            "note": "First visit: small doses.",
            "lot": "C5012AB",
            "dilution": 4,
            "kind": "new_cycle",
        },
    ),
    Endpoint(
        "saq_paper",
        "therapist",
        "POST",
        "/patients/{patient}/saq",
        frozenset({"questionnaire_responses"}),
        lambda c: {
            "answered_on": yesterday(),
            "answers": [2, 3, 1, 1, 2, 4, 1, 1, 2],
            "replace": True,
        },
    ),
    Endpoint(
        "sunnybrook_create",
        "clinician",
        "POST",
        "/patients/{patient}/sunnybrook",
        frozenset({"questionnaire_responses"}),
        lambda c: {
            "graded_on": yesterday(),
            "answers": [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0],
            "replace": True,
        },
    ),
    Endpoint(
        "reminders_put",
        "patient",
        "PUT",
        "/patients/me/reminders",
        frozenset({"reminder_settings"}),
        lambda c: {
            "push_on": False,
            "email_on": True,
            "times": ["08:30", "18:00"],
            "weekdays": [0, 2, 4],
            "quiet_from": "21:00",
            "quiet_until": "07:00",
        },
    ),
    Endpoint(
        "reminders_pause",
        "patient",
        "POST",
        "/patients/me/reminders/pause",
        frozenset({"reminder_settings"}),
        lambda c: {"days": 3},
    ),
    Endpoint(
        "reminders_suggestion",
        "therapist",
        "PUT",
        "/patients/{patient}/reminders/suggestion",
        frozenset({"reminder_settings"}),
        lambda c: {"times": ["07:45", "19:00"]},
    ),
    Endpoint(
        "push_subscription_create",
        "patient",
        "POST",
        "/patients/me/push-subscriptions",
        frozenset({"push_subscriptions", "reminder_settings"}),
        lambda c: {
            "endpoint": "https://fcm.googleapis.com/fcm/send/device-1",
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
            "expirationTime": None,
        },
    ),
]
IDEMPOTENCY_KEYS = st.one_of(
    st.builds(lambda: f"key-{next(SERIAL)}"),  # a fresh key, as a client should send
    st.sampled_from(["", "same-key-every-time", "x" * 300, "🙂", "k e y"]),
    st.none(),
)


def send(client, endpoint: Endpoint, clinic: Clinic, raw: bytes, content_type: str, key=None):
    headers = dict(clinic.headers[endpoint.role])
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.open(
        API + endpoint.path.format(**clinic.ids),
        method=endpoint.method,
        data=raw,
        content_type=content_type,
        headers=headers,
    )


def judge(endpoint: Endpoint, response, before: dict, after: dict, what: str, errors) -> str:
    status = response.status_code
    fail_on_server_error(status, errors, what)
    changed = changed_tables(before, after)
    if 200 <= status < 300:
        unexpected = changed - endpoint.writes
        assert not unexpected, f"{what}: {status} but changed {unexpected}"
        return "accepted"
    assert 400 <= status < 500, f"{what}: answered {status}"
    assert response.is_json and "error" in response.get_json(), f"{what}: not a JSON error"
    assert not changed, f"{what}: {status} but changed {sorted(changed)}"
    return "refused"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_api_survives_bad_json(app, client, clinic, endpoint):
    state = {"before": fingerprint()}
    outcomes = Counter()

    def attempt(raw: bytes, content_type: str, key=None) -> str:
        with server_errors() as errors:
            response = send(client, endpoint, clinic, raw, content_type, key)
        after = fingerprint()
        shown = raw[:120] + (b"..." if len(raw) > 120 else b"")
        what = f"{endpoint.method} {endpoint.path} ({content_type}) {shown!r}"
        outcome = judge(endpoint, response, state["before"], after, what, errors)
        state["before"] = after
        return outcome

    # Bodies that are no JSON at all (as JSON and as text): a JSON error, nothing changed.
    broken = {}
    for raw in NOT_JSON:
        for content_type in ("application/json", "text/plain"):
            count_example(f"api[{endpoint.id}]", sweep=True)
            with server_errors() as errors:
                response = send(client, endpoint, clinic, raw, content_type, "k")
            shown = f"{content_type} {raw[:24]!r}"
            if response.status_code >= 500:
                broken[shown] = type(errors[-1]).__name__ if errors else response.status_code
            elif not (400 <= response.status_code < 500 and response.is_json):
                broken[shown] = f"answered {response.status_code}"
    assert broken == {}, f"{endpoint.method} {endpoint.path}: {broken}"
    assert changed_tables(state["before"], fingerprint()) == set()

    # The valid body is accepted: the cases reach the code that writes.
    valid = json.dumps(endpoint.valid(clinic)).encode()
    assert attempt(valid, "application/json", f"key-{next(SERIAL)}") == "accepted", endpoint.id

    @property_settings(EXAMPLES_PER_ENDPOINT)
    @given(body=body_strategy(endpoint.valid(clinic)), key=IDEMPOTENCY_KEYS)
    def fuzz(body, key):
        count_example(f"api[{endpoint.id}]")
        raw, content_type = body
        # the valid body drawn at generation time may hold a used e-mail: make it fresh
        if endpoint.id == "patient_create":
            raw = raw.replace(b"@example.org", f".{next(SERIAL)}@example.org".encode())
        key = key if endpoint.id == "session_create" else None
        outcomes[attempt(raw, content_type, key)] += 1

    fuzz()
    assert outcomes["refused"] > 0, f"{endpoint.id}: no bad body was refused"


def test_api_photo_upload_survives_bad_files_and_fields(app, client, clinic):
    app.config["UPLOAD_RATE_LIMIT"] = "100000 per minute"  # far more than a patient sends
    state = {"before": fingerprint(), "files": stored_files(app)}
    headers = clinic.headers["patient"]
    endpoint = Endpoint("snapshot_create", "patient", "POST", "", frozenset({"snapshots"}), None)

    @property_settings(UPLOAD_EXAMPLES)
    @given(
        data=FILES,
        expression=st.sampled_from(["rest", "full smile", "", "REST", "\x00", "x" * 100]),
        mirrored=st.sampled_from(["false", "true", "1", "yes", "", "\x00"]),
        session_id=st.sampled_from([None, "", "abc", "-1", "0", str(2**31), str(2**63)]),
        extra=st.sampled_from([None, ("patient_id", "1"), ("role", "admin")]),
    )
    def fuzz(data, expression, mirrored, session_id, extra):
        count_example("api[snapshot_create]")
        fields = {"expression": expression, "mirrored": mirrored}
        if session_id is not None:
            fields["session_id"] = session_id
        if extra is not None:
            fields[extra[0]] = extra[1]
        fields["image"] = (io.BytesIO(data), "photo.jpg", "image/jpeg")
        with server_errors() as errors:
            response = client.post(
                f"{API}/patients/me/snapshots",
                data=fields,
                content_type="multipart/form-data",
                headers=headers,
            )
        after = fingerprint()
        files = stored_files(app)
        what = f"photo upload of {len(data)} bytes, fields {fields | {'image': '...'}}"
        if judge(endpoint, response, state["before"], after, what, errors) == "refused":
            assert files == state["files"], f"{what}: refused, but files changed"
        else:
            assert len(files - state["files"]) == 2, f"{what}: accepted, but files {files}"
        state["before"], state["files"] = after, files

    fuzz()
