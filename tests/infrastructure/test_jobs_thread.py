"""The embedded backend of `make run`: a thread in the serving process."""

import os
from datetime import timedelta

import pytest

from retrain import create_app
from retrain.extensions import db
from retrain.infrastructure import jobs

from ..conftest import make_config
from .helpers import PING, add_exercise, ping_runs, wait_for


@pytest.fixture
def threaded(app, tmp_path):
    """An app on the thread backend, sharing the test's database (the `app` fixture's)."""
    db.session.commit()  # the test's session holds no lock while the thread works
    threaded = create_app(make_config(tmp_path, JOBS_BACKEND="thread"))
    yield threaded
    jobs.backend(threaded).stop()
    with threaded.app_context():
        db.engine.dispose()


def test_the_thread_starts_with_the_first_request_not_with_the_app(threaded):
    runner = jobs.backend(threaded)
    assert not runner.is_running()  # not in the reloader's watcher, a CLI command, a test

    client = threaded.test_client()
    assert client.get("/healthz").status_code == 200
    assert runner.is_running()
    thread = runner._thread
    client.get("/healthz")
    assert runner._thread is thread  # started once


def test_the_thread_runs_a_job_now_and_one_later(threaded):
    with threaded.app_context():
        jobs.enqueue_in(timedelta(milliseconds=200), jobs.ping, "later")
        jobs.enqueue(jobs.ping, "now")

    assert wait_for(lambda: ping_runs(threaded, "now") and ping_runs(threaded, "later"))
    for name in ("now", "later"):
        assert ping_runs(threaded, name)[0].endswith(f"pid {os.getpid()}")  # in-process


def test_the_thread_runs_periodic_jobs_slot_after_slot(threaded, monkeypatch):
    monkeypatch.setitem(jobs.PERIODIC, PING, 1)
    jobs.backend(threaded).start()
    assert wait_for(lambda: len(ping_runs(threaded)) >= 2)


def test_a_failing_job_does_not_stop_the_thread(threaded):
    with threaded.app_context():
        jobs.enqueue(add_exercise, "Fails", fail=True)
        jobs.enqueue(jobs.ping, "after-failure")
    assert wait_for(lambda: ping_runs(threaded, "after-failure"))


def test_stopping_runs_the_jobs_already_due(threaded):
    with threaded.app_context():
        for _ in range(3):
            jobs.enqueue(jobs.ping, "drained")
        jobs.enqueue_in(timedelta(hours=1), jobs.ping, "not-due")
    jobs.backend(threaded).stop()
    assert len(ping_runs(threaded, "drained")) == 3
    assert ping_runs(threaded, "not-due") == []
    assert not jobs.backend(threaded).is_running()
