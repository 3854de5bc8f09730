"""The jobs API on the sync backend that tests use: what runs when, in which session."""

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from retrain.extensions import db
from retrain.infrastructure import jobs, jobs_base
from retrain.models import Exercise

from .helpers import EXERCISE, PING, add_exercise, ping_runs


def exercise_named(name):
    return db.session.scalar(select(Exercise).where(Exercise.name == name))


def test_tests_use_the_sync_backend(app):
    assert app.config["JOBS_BACKEND"] == "sync"
    assert isinstance(jobs.backend(), jobs.SyncBackend)


def test_a_job_runs_at_once_in_the_callers_process(app):
    db.session.commit()
    jobs.enqueue(jobs.ping, "now")
    runs = ping_runs(app, "now")
    assert len(runs) == 1 and runs[0].endswith(f"pid {os.getpid()}")


def test_a_job_commits_its_own_session(app):
    db.session.commit()
    jobs.enqueue(add_exercise, "Made by a job")
    db.session.rollback()  # the test's session did not write it: the job's session did
    assert exercise_named("Made by a job") is not None


def test_a_failing_job_is_rolled_back_and_logged_by_error_id_without_arguments(app, caplog):
    db.session.commit()
    jobs.enqueue(add_exercise, "Left cheek spasm after lunch", fail=True)

    assert exercise_named("Left cheek spasm after lunch") is None
    failures = [r for r in caplog.records if r.name == "retrain.jobs"]
    assert len(failures) == 1
    message = failures[0].getMessage()
    assert "tests.infrastructure.helpers:add_exercise" in message
    assert re.search(r"error id [0-9a-f]{12}", message)
    assert "spasm" not in caplog.text  # the traceback included


def test_a_job_enqueued_in_a_transaction_waits_for_its_commit(app):
    db.session.add(Exercise(**EXERCISE, name="Saved by the caller"))
    db.session.flush()  # on SQLite this transaction now holds the write lock
    jobs.enqueue(jobs.ping, "after-commit")
    jobs.enqueue(add_exercise, "Saved by the job")
    assert ping_runs(app, "after-commit") == []

    db.session.commit()

    assert len(ping_runs(app, "after-commit")) == 1
    assert exercise_named("Saved by the caller") and exercise_named("Saved by the job")


def test_a_job_enqueued_in_a_transaction_that_rolls_back_never_runs(app):
    db.session.execute(text("SELECT 1"))
    jobs.enqueue(jobs.ping, "rolled-back")
    db.session.rollback()
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert ping_runs(app, "rolled-back") == []


def test_a_savepoint_commit_does_not_hand_jobs_over(app):
    db.session.execute(text("SELECT 1"))
    with db.session.begin_nested():
        jobs.enqueue(jobs.ping, "savepoint")
    assert ping_runs(app, "savepoint") == []
    db.session.commit()
    assert len(ping_runs(app, "savepoint")) == 1


def test_only_module_level_functions_can_be_jobs(app):
    def inner():
        pass

    for func in (inner, lambda: None):
        with pytest.raises(ValueError, match="module-level function"):
            jobs.enqueue(func)


def test_delayed_jobs_are_recorded_until_the_test_runs_them(app):
    db.session.commit()
    soon = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)
    jobs.enqueue_at(soon, jobs.ping, "later")
    jobs.enqueue_in(timedelta(minutes=5), jobs.ping, "later")

    assert ping_runs(app, "later") == []
    recorded = jobs.scheduled()
    assert [path for _when, path in recorded] == [PING, PING]
    assert recorded[0][0] == soon

    jobs.run_scheduled()
    assert len(ping_runs(app, "later")) == 2
    assert jobs.scheduled() == []


def test_delays_must_be_exact(app):
    with pytest.raises(ValueError, match="timezone-aware"):
        jobs.enqueue_at(datetime(2031, 1, 1, 9, 0), jobs.ping)
    with pytest.raises(TypeError, match="timedelta"):
        jobs.enqueue_in(300, jobs.ping)


def test_every_declares_a_periodic_job_by_its_import_path(monkeypatch):
    monkeypatch.setattr(jobs, "PERIODIC", {})
    assert jobs.every(60)(jobs.ping) is jobs.ping
    assert jobs.PERIODIC == {PING: 60}
    for bad in (0, 1.5, -60):
        with pytest.raises(ValueError, match="whole number of seconds"):
            jobs.every(bad)


@pytest.mark.parametrize(
    ("now", "seconds", "slot"),
    [(0, 60, 1), (59.9, 60, 1), (60, 60, 2), (125, 60, 3), (1_800_000_004, 5, 360_000_001)],
)
def test_next_slot_starts_after_now(now, seconds, slot):
    assert jobs_base.next_slot(now, seconds) == slot
    assert slot * seconds > now >= (slot - 1) * seconds


def test_a_worker_without_the_app_refuses_to_run_jobs():
    with pytest.raises(RuntimeError, match="flask jobs worker"):
        jobs_base.execute(PING, (), {})


def test_ping_names_are_plain(app):
    db.session.commit()
    jobs.enqueue(jobs.ping, "../escape")
    assert not (os.path.exists(os.path.join(app.instance_path, "escape.log")))
    assert ping_runs(app, "../escape") == []


def test_flask_jobs_ping_queues_the_test_job(app, runner):
    db.session.commit()
    result = runner.invoke(args=["jobs", "ping", "--name", "from-cli"])
    assert result.exit_code == 0, result.output
    assert len(ping_runs(app, "from-cli")) == 1


def test_flask_jobs_worker_needs_the_rq_backend(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "RETRAIN_JOBS_BACKEND=rq" in result.output
