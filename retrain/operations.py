"""For the people who run the servers: Prometheus metrics at /metrics, for operators only,
and logs as JSON lines (docs/deploy.md, "Metrics and logs").

/metrics answers only a request carrying ``Authorization: Bearer <METRICS_TOKEN>``; with no
token configured it does not exist (404), and a wrong token gets the same 404. Patients
and staff never reach it; the clinic's Prometheus does, with the token.
"""

import hmac
import os
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event

from .extensions import db
from .infrastructure import json_logs, metrics
from .infrastructure.jobs_base import backend
from .security import bearer_token

bp = Blueprint("operations", __name__)
_STARTED = "_retrain_started"
_STATEMENTS = "_retrain_statements"


def init_app(app: Flask) -> None:
    if app.config["LOG_FORMAT"] == "json":
        json_logs.install()
    app.before_request(_start_timing)
    app.after_request(_observe)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    app.register_blueprint(bp)


def _start_timing() -> None:
    setattr(g, _STARTED, time.perf_counter())


def _count_statement(_conn, _cursor, statement: str, *_args) -> None:
    if has_request_context() and not statement.startswith("BEGIN"):  # SQLite's own BEGINs
        setattr(g, _STATEMENTS, g.get(_STATEMENTS, 0) + 1)


def _observe(response: Response) -> Response:
    started = g.get(_STARTED)
    endpoint = request.endpoint or "none"  # a name, never the path (it holds ids)
    if started is not None and endpoint not in ("static", "operations.metrics"):
        metrics.REQUEST_SECONDS.labels(
            endpoint=endpoint, method=request.method, status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        metrics.REQUEST_STATEMENTS.labels(endpoint=endpoint).observe(g.get(_STATEMENTS, 0))
    return response


@bp.get("/metrics")
def metrics_page():
    expected = current_app.config.get("METRICS_TOKEN")
    given = bearer_token() or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(404)
    queue = CollectorRegistry()
    queue.register(JobQueue(current_app._get_current_object()))
    body = generate_latest(_processes()) + generate_latest(queue)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _processes() -> CollectorRegistry:
    """Every process's values (multiprocess mode), else this process's own."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class JobQueue:
    """The background queue's length and the age of its oldest job, read at scrape time
    from Redis (RQ); other backends keep no queue worth watching."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        jobs = backend(self.app)
        queue = getattr(jobs, "queue", None)
        if queue is None:
            return
        length = GaugeMetricFamily("retrain_jobs_queued", "Jobs waiting for a worker")
        length.add_metric([], queue.count)
        yield length
        oldest = GaugeMetricFamily(
            "retrain_jobs_oldest_queued_seconds", "How long the oldest waiting job has waited"
        )
        oldest.add_metric([], _oldest_age(queue))
        yield oldest


def _oldest_age(queue) -> float:
    ids = queue.get_job_ids(0, 1)
    job = queue.fetch_job(ids[0]) if ids else None
    if job is None or job.enqueued_at is None:
        return 0.0
    enqueued = job.enqueued_at
    if enqueued.tzinfo is None:
        enqueued = enqueued.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - enqueued).total_seconds())
