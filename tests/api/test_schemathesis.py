"""Property-based run of the whole API against its own OpenAPI document, as each role.

For every operation in /api/v1/openapi.json, schemathesis generates requests from the
document (MAX_EXAMPLES per operation and role, derandomized so CI is reproducible) and
checks every response: no server error, a documented status code, a documented content
type, a body that matches the documented schema, and a conforming header set.
As a patient the path id is ``me``; as staff, the id of a patient they treat (so the
requests reach real data rather than stopping at 404); every other generated value is
left to schemathesis. The total number of requests is printed (run with -s to see it).
"""

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from retrain.extensions import db

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SENT: dict[str, int] = {}

# Revoking the token would leave the rest of the run as 401s; tests/api/test_tokens.py
# covers it, so it runs last.
LAST = ("DELETE", "/api/v1/tokens/current")


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (op.method.upper(), op.path) == LAST)


def _run(app, operation, headers, patient_id) -> int:
    sent = 0
    fixed = {"patient_id": patient_id} if "{patient_id}" in operation.path else None

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=fixed))
    def check(case):
        nonlocal sent
        db.session.commit()  # as tests/conftest.IsolatedClient: each request, its own session
        with app.app_context():
            response = case.call(headers=headers)
        sent += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
    return sent


@pytest.mark.parametrize("role", ["patient", "therapist", "clinician", "admin", "anonymous"])
def test_api_conforms_to_its_document(app, clinic, role):
    schema = openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = clinic.headers[role]
    patient_id = "me" if role == "patient" else str(clinic.patient.id)
    total = 0
    for operation in _operations(schema):
        total += _run(app, operation, headers, patient_id)
    SENT[role] = total
    print(f"\nschemathesis as {role}: {total} requests, {sum(SENT.values())} so far")
    assert total > 0
