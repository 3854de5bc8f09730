"""What the jobs API (jobs.py) and its backends (jobs_rq.py, jobs_thread.py) share: the
periodic jobs' registry, how a job is named, and how one run happens."""

import importlib
import logging
import uuid
from collections.abc import Callable

from flask import Flask, current_app, has_app_context

from ..extensions import db

log = logging.getLogger("retrain.jobs")

# Periodic jobs: import path -> interval in seconds. Filled by jobs.every at import time.
PERIODIC: dict[str, int] = {}

EXTENSION = "retrain.jobs"  # app.extensions key of the app's backend


def job_path(func: Callable) -> str:
    """``module:qualname``, checked to lead back to ``func`` (no lambdas or inner functions)."""
    path = f"{func.__module__}:{func.__qualname__}"
    try:
        found = resolve(path)
    except (ImportError, AttributeError):
        found = None
    if found is not func:
        raise ValueError(f"{path} is not a module-level function a worker could import")
    return path


def resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def next_slot(now: float, seconds: int) -> int:
    """The first slot that starts after ``now`` (seconds since the epoch)."""
    return int(now // seconds) + 1


def backend(app: Flask | None = None):
    return (app or current_app).extensions[EXTENSION]


def run(app: Flask, path: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """Run one job in its own app context and database session; failures are logged
    with an error id, then raised for the backend to handle."""
    with app.app_context():
        try:
            resolve(path)(*args, **(kwargs or {}))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log_failure("job %s failed", path)
            raise


def execute(path: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """What a worker process calls (by this import path): the app is the one that
    `flask jobs worker` created and whose context the worker runs in."""
    if not has_app_context():
        raise RuntimeError("Jobs run inside the app: start workers with `flask jobs worker`.")
    run(current_app._get_current_object(), path, args, kwargs)


def log_failure(message: str, path: str) -> None:
    error_id = uuid.uuid4().hex[:12]
    log.error(message + ": error id %s", path, error_id, exc_info=True)
