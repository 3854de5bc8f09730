"""What operators can see (Prometheus, docs/deploy.md "Metrics and logs"): the metric
objects and the hooks other code calls. The endpoint and the request hooks are
retrain/operations.py's.

With several processes (gunicorn workers, RQ's job processes) prometheus_client's
multiprocess mode keeps each process's values in files under PROMETHEUS_MULTIPROC_DIR
(set in the environment before the app starts; the exporter adds them up). Without it,
each process counts for itself, which is what tests and `make run` see.

Labels never carry ids, paths or text: an endpoint name, a method, a status class, a
channel, an outcome.
"""

from prometheus_client import Counter, Gauge, Histogram

REQUEST_SECONDS = Histogram(
    "retrain_request_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_STATEMENTS = Histogram(
    "retrain_request_statements",
    "Database statements one request sent, by endpoint",
    ["endpoint"],
    buckets=(0, 1, 2, 3, 5, 8, 10, 15, 20, 50, 100),
)
REMINDER_DELIVERIES = Counter(
    "retrain_reminder_deliveries",
    "Reminder deliveries finished, by channel and outcome",
    ["channel", "outcome"],
)
AUDIT_SEAL_LAG = Gauge(
    "retrain_audit_seal_lag_seconds",
    "Age of the oldest audit event not yet sealed into the chain (set by the sealer)",
    multiprocess_mode="mostrecent",
)


def reminder_delivered(channel: str, outcome: str) -> None:
    """A delivery ended (sent, gone, failed, skipped) or will be tried again (retry)."""
    REMINDER_DELIVERIES.labels(channel=channel, outcome=outcome).inc()


def audit_seal_lag(seconds: float) -> None:
    """The hook for the audit sealer: after each run, the age in seconds of the oldest
    event still waiting to be sealed (0 when none waits)."""
    AUDIT_SEAL_LAG.set(max(0.0, float(seconds)))
