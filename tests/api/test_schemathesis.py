"""Property-based run of the whole API against its own OpenAPI document, as each role.

For every operation in /api/v1/openapi.json, schemathesis generates requests from the
document (MAX_EXAMPLES per operation and role, derandomized so CI is reproducible) and
checks every response: no server error, a documented status code, a documented content
type, a body that matches the documented schema, and a conforming header set. Each
operation's documented example is sent too (so success paths are checked), and, as
the three clinical roles, NEGATIVE_EXAMPLES requests that break the document on
purpose, which must be refused with a 4xx.
As a patient the path id is ``me``; as staff, the id of a patient they treat; visit and
snapshot ids are that patient's (so the requests reach real data rather than stopping
at 404); every other generated value is left to schemathesis. The total number of
requests is printed (run with -s to see it).
"""

import io
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from retrain.extensions import db

from .test_roles import photo

MAX_EXAMPLES = 15  # generated requests per operation and role
# Without a token every request stops at 401, and an admin's at 403 (before the body or
# the query is read), so fewer requests say as much there.
FEWER = {"admin": 8, "anonymous": 4}
DOCUMENT_EXAMPLES = 2  # requests built from each operation's documented example
NEGATIVE_EXAMPLES = 5  # requests that break the document, as patient, therapist, clinician
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SENT: dict[str, int] = {}
STATUSES: Counter = Counter()

# Revoking the token would leave the rest of the run as 401s; tests/api/test_tokens.py
# covers it, so it runs last.
LAST = ("DELETE", "/api/v1/tokens/current")


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (op.method.upper(), op.path) == LAST)


def _run(app, schema, operation, headers, ids, examples, negative) -> int:
    """The document's own examples, then generated requests (valid, then invalid)."""
    fixed = {name: value for name, value in ids.items() if f"{{{name}}}" in operation.path}
    runs = [
        *((s, DOCUMENT_EXAMPLES, CHECKS) for s in schema.get_strategies_from_examples(operation)),
        (operation.as_strategy(path_parameters=fixed or None), examples, CHECKS),
    ]
    if negative:
        strategy = operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE, path_parameters=fixed or None
        )
        runs.append((strategy, negative, [*CHECKS, negative_data_rejection]))
    return sum(_send(app, operation, headers, fixed, *run) for run in runs)


def _send(app, operation, headers, fixed, strategy, count, checks) -> int:
    sent = 0

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        nonlocal sent
        case.path_parameters = {**(case.path_parameters or {}), **fixed}
        db.session.commit()  # as tests/conftest.IsolatedClient: each request, own session
        with app.app_context():
            response = case.call(headers=headers)
        sent += 1
        STATUSES[(operation.method.upper(), operation.path, response.status_code)] += 1
        case.validate_response(response, checks=checks, headers=headers)

    check()
    return sent


def _snapshot(app, clinic) -> int:
    response = app.test_client().post(
        "/api/v1/patients/me/snapshots",
        headers=clinic.headers["patient"],
        data={"expression": "rest", "image": (io.BytesIO(photo()), "face.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return response.json["id"]


@pytest.mark.parametrize("role", ["patient", "therapist", "clinician", "admin", "anonymous"])
def test_api_conforms_to_its_document(app, clinic, role):
    schema = openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = clinic.headers[role]
    ids = {
        "patient_id": "me" if role == "patient" else str(clinic.patient.id),
        "visit_id": clinic.visit.id,
        "snapshot_id": _snapshot(app, clinic),
    }
    total = 0
    for operation in _operations(schema):
        negative = 0 if role in FEWER else NEGATIVE_EXAMPLES
        total += _run(app, schema, operation, headers, ids, FEWER.get(role, MAX_EXAMPLES), negative)
    SENT[role] = total
    classes = Counter(
        f"{status // 100}xx" for (*_, status), n in STATUSES.items() for _ in range(n)
    )
    if os.environ.get("SCHEMATHESIS_DETAIL"):
        for key, count in sorted(STATUSES.items()):
            print(*key, count)
    STATUSES.clear()
    print(
        f"\nschemathesis as {role}: {total} requests {dict(sorted(classes.items()))}, "
        f"{sum(SENT.values())} so far"
    )
    assert total > 0
