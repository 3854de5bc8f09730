"""Shared by the jobs and mail tests: a job that writes to the database, and waiting."""

import time
from pathlib import Path

from retrain.extensions import db
from retrain.models import Exercise

PING = "retrain.infrastructure.jobs:ping"
EXERCISE = {  # an exercise's required fields, besides its name
    "region": "lips",
    "purpose": "made by a test",
    "instructions": "one step",
    "hold_back": "nothing",
    "default_reps": 1,
    "default_hold_seconds": 1,
    "default_rest_seconds": 1,
}


def add_exercise(name: str, fail: bool = False) -> None:
    """A job that writes a row, then fails on request (to see its rollback)."""
    db.session.add(Exercise(name=name, **EXERCISE))
    db.session.flush()
    if fail:
        raise RuntimeError("the test job fails on purpose")


def ping_runs(app, name: str = "ping") -> list[str]:
    """The lines jobs.ping(name) wrote: one per run, "time pid N"."""
    path = Path(app.instance_path) / "jobs" / f"{name}.log"
    return path.read_text().splitlines() if path.exists() else []


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Wait for something to happen in another thread or process; the timeout is only a
    generous bound for a broken run, never a measurement."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
