"""What operators see: /metrics behind its token, the request metrics, the hooks, and
JSON log lines without clinical text (retrain/operations.py, infrastructure/metrics.py,
infrastructure/json_logs.py)."""

import json
import logging
import re
import sys
import uuid

import pytest
from flask import Flask

from retrain import create_app
from retrain.infrastructure import audit, jobs, metrics
from retrain.infrastructure.json_logs import JsonLines
from retrain.models import PATIENT
from tests.conftest import PRODUCTION, make_config
from tests.infrastructure.test_jobs_rq import REDIS_URL, _forget_queue, redis_answers

TOKEN = "operator-token-" + "x" * 20


def scrape(client, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers)


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample in Prometheus' text format (labels in any order)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
def operated(app: Flask):
    app.config["METRICS_TOKEN"] = TOKEN
    return app


def test_metrics_need_the_operators_token(operated, client):
    assert scrape(client, token=None).status_code == 404
    assert scrape(client, token="a guess").status_code == 404
    assert scrape(client).status_code == 200


def test_without_a_configured_token_there_is_no_metrics_page(app, client):
    assert app.config["METRICS_TOKEN"] is None
    assert scrape(client).status_code == 404
    assert scrape(client, token="").status_code == 404


def test_requests_are_timed_and_their_statements_counted_by_endpoint(operated, client, as_user):
    patient = as_user(PATIENT)
    before = sample(
        scrape(client).get_data(as_text=True),
        "retrain_request_statements_count",
        endpoint="patient.today",
    )
    assert client.get("/today").status_code == 200
    text = scrape(client).get_data(as_text=True)
    count = sample(text, "retrain_request_statements_count", endpoint="patient.today")
    assert count == (before or 0) + 1
    statements = sample(text, "retrain_request_statements_sum", endpoint="patient.today")
    assert statements and statements > 0
    timed = sample(
        text, "retrain_request_seconds_count", endpoint="patient.today", method="GET", status="2xx"
    )
    assert timed and timed >= 1
    assert f"/{patient.id}" not in text and "/today" not in text  # names, never paths


def test_the_hooks_for_reminders_and_the_audit_sealer_show(operated, client):
    before = sample(
        scrape(client).get_data(as_text=True),
        "retrain_reminder_deliveries_total",
        channel="push",
        outcome="sent",
    )
    metrics.reminder_delivered("push", "sent")
    metrics.audit_seal_lag(12.5)
    text = scrape(client).get_data(as_text=True)
    after = sample(text, "retrain_reminder_deliveries_total", channel="push", outcome="sent")
    assert after == (before or 0) + 1
    assert sample(text, "retrain_audit_seal_lag_seconds") == 12.5


@pytest.mark.skipif(not redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_the_job_queue_length_and_age_come_from_redis(app, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    rq_app = create_app(
        make_config(
            tmp_path, JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, METRICS_TOKEN=TOKEN
        )
    )
    with rq_app.app_context():
        try:
            jobs.enqueue(jobs.ping)  # no worker runs: it waits
            text = scrape(rq_app.test_client()).get_data(as_text=True)
        finally:
            _forget_queue(jobs.backend())
    assert sample(text, "retrain_jobs_queued") == 1
    assert sample(text, "retrain_jobs_oldest_queued_seconds") >= 0


def test_log_lines_are_json_with_the_request_id_and_no_clinical_text(app):
    formatter = JsonLines()
    secret = "Bell's palsy, left side, worse this week"
    with app.test_request_context(f"/patients/7/notes?body={secret}", method="POST"):
        request_id = audit.request_id()
        try:
            raise ValueError(secret)
        except ValueError:
            record = logging.LogRecord(
                "retrain.errors", logging.ERROR, __file__, 1, "error id %s", ("abc123",), None
            )
            record.exc_info = sys.exc_info()
        line = formatter.format(record)
    parsed = json.loads(line)
    assert parsed["request_id"] == request_id
    assert parsed["message"] == "error id abc123"
    assert parsed["error_type"] == "ValueError"
    assert parsed["level"] == "ERROR"
    assert any("test_operations.py" in frame for frame in parsed["frames"])
    assert "palsy" not in line and "/patients/7" not in line and "body" not in line


def test_production_logs_json_lines(tmp_path, capfd):
    app = create_app(make_config(tmp_path, **PRODUCTION))
    assert app.config["LOG_FORMAT"] == "json"
    app.logger.warning("a test line %s", 1)
    err = capfd.readouterr().err.strip().splitlines()[-1]
    assert json.loads(err)["message"] == "a test line 1"
    # Back to the default for the other tests.
    logging.getLogger("retrain").handlers = []
    logging.getLogger("retrain").propagate = True
