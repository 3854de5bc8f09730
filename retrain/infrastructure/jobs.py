"""Background jobs: run a function now, later, or every N seconds, outside the request.

    jobs.enqueue(func, *args, **kwargs)           as soon as possible
    jobs.enqueue_in(timedelta(minutes=5), func, ...)
    jobs.enqueue_at(aware_datetime, func, ...)
    @jobs.every(60)                               a periodic job, declared in a module
    def tick(): ...                               that create_app() imports

A job is a module-level function, stored by its import path so a worker process can run
it; pass record ids, not clinical text, as arguments. Each run gets its own app context,
so its own database session: committed when the function returns, rolled back when it
raises. A failure is logged with an error id and the job's path, never its arguments.

A job enqueued while the caller's database transaction is open is handed over only when
that transaction commits (and dropped if it rolls back), so the job sees what the caller
saved, and on SQLite it never waits for the caller's write lock.

Backends (config JOBS_BACKEND, docs/deploy.md):
- "rq": production. Redis holds the jobs; `flask jobs worker` runs them (jobs_rq.py).
- "thread": the embedded default of `make run`: one daemon thread in the serving process,
  started by its first request or first job (jobs_thread.py).
- "sync": tests. enqueue() runs the job at once in the caller's thread (in its own app
  context, after the caller commits); delayed jobs are recorded, not run: a test reads
  them with scheduled() and runs them with run_scheduled(). Periodic jobs never run by
  themselves; a test calls the function. As everywhere, a failure is logged, not raised.

What the backends share with this module (the registry, naming and running a job) is in
jobs_base.py.
"""

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..extensions import db
from .jobs_base import EXTENSION, PERIODIC, backend, job_path, log_failure, run

_PENDING = "retrain.jobs.pending"  # key in Session.info: jobs waiting for the commit


def every(seconds: int) -> Callable:
    """Declare a periodic job: run ``func()`` once per slot of ``seconds`` (slot n starts
    at n * seconds since the epoch), by one worker only, however many are running."""
    if not isinstance(seconds, int) or seconds < 1:
        raise ValueError("a periodic job's interval is a whole number of seconds, at least 1")

    def register(func: Callable) -> Callable:
        PERIODIC[job_path(func)] = seconds
        return func

    return register


def enqueue(func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` in the background as soon as possible."""
    _submit(None, func, args, kwargs)


def enqueue_in(delay: timedelta, func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` in the background after ``delay``."""
    if not isinstance(delay, timedelta):
        raise TypeError("enqueue_in takes a timedelta")
    _submit(datetime.now(UTC) + delay, func, args, kwargs)


def enqueue_at(when: datetime, func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` in the background at ``when`` (timezone-aware)."""
    if when.tzinfo is None:
        raise ValueError("enqueue_at needs a timezone-aware datetime")
    _submit(when, func, args, kwargs)


def init_app(app: Flask) -> None:
    """Pick the backend named by JOBS_BACKEND (config.load has checked the name)."""
    name = app.config["JOBS_BACKEND"]
    if name == "rq":
        from .jobs_rq import RQBackend

        app.extensions[EXTENSION] = RQBackend(app)
    elif name == "thread":
        from .jobs_thread import ThreadBackend

        runner = app.extensions[EXTENSION] = ThreadBackend(app)
        # Only a process that serves requests starts the thread: never the reloader's
        # watcher process, a `flask db` command or a test.
        app.before_request(runner.start)
    else:
        app.extensions[EXTENSION] = SyncBackend(app)


def _submit(when: datetime | None, func: Callable, args: tuple, kwargs: dict) -> None:
    job = (when, job_path(func), args, kwargs)
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_PENDING, []).append((backend(), job))
    else:
        backend().submit(*job)


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    for target, job in session.info.pop(_PENDING, []):
        try:
            target.submit(*job)
        except Exception:  # the caller's data is committed: report, never undo
            log_failure("could not enqueue job %s", job[1])


@event.listens_for(Session, "after_transaction_end")
def _drop_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # still pending here means it never committed


class SyncBackend:
    """Tests: now means now, in the caller's thread; later means recorded."""

    def __init__(self, app: Flask):
        self.app = app
        self.scheduled: list[tuple[datetime, str, tuple, dict]] = []

    def submit(self, when, path, args, kwargs) -> None:
        if when is not None:
            self.scheduled.append((when, path, args, kwargs))
            return
        with contextlib.suppress(Exception):  # run() logged it; the caller goes on
            run(self.app, path, args, kwargs)


def scheduled() -> list[tuple[datetime, str]]:
    """Sync backend: the delayed jobs recorded so far, as (when, import path)."""
    return [(when, path) for when, path, _args, _kwargs in backend().scheduled]


def run_scheduled() -> None:
    """Sync backend: run the recorded delayed jobs in time order, as if their time came."""
    sync = backend()
    due, sync.scheduled = sorted(sync.scheduled, key=lambda job: job[0]), []
    for _when, path, args, kwargs in due:
        sync.submit(None, path, args, kwargs)


def ping(name: str = "ping") -> None:
    """The test job: proves that a backend runs our jobs in an app context with a working
    database. Appends one line (time, process id) to instance/jobs/<name>.log per run."""
    if not name.replace("-", "").isalnum():
        raise ValueError("a ping name is letters, digits and dashes")
    db.session.execute(text("SELECT 1"))
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(exist_ok=True)
    with open(folder / f"{name}.log", "a") as mark:
        mark.write(f"{datetime.now(UTC).isoformat()} pid {os.getpid()}\n")
