"""The production backend against a real Redis (RETRAIN_TEST_REDIS_URL), each test on a
queue of its own; a worker in burst mode runs what is due, in work horses it forks."""

import logging
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from retrain import create_app
from retrain.extensions import db
from retrain.infrastructure import jobs, jobs_base, jobs_rq
from retrain.models import Exercise

from ..conftest import make_config
from .helpers import PING, add_exercise, ping_runs

REDIS_URL = os.environ.get("RETRAIN_TEST_REDIS_URL")


def redis_answers() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers(), reason=f"no Redis answers at RETRAIN_TEST_REDIS_URL={REDIS_URL}"
)


@pytest.fixture
def rq_app(app, tmp_path, monkeypatch):
    """An app on the RQ backend with its own queue, sharing the test's database. The
    periodic jobs the app declares (the reminder tick) are left out: a test arms its own."""
    for path in list(jobs.PERIODIC):
        monkeypatch.delitem(jobs.PERIODIC, path)
    db.session.commit()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    rq_app = create_app(
        make_config(tmp_path, JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=queue)
    )
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with rq_app.app_context():
        yield rq_app
        _forget_queue(jobs.backend())
        db.engine.dispose()
    for sig, handler in handlers.items():  # a worker installs its own
        signal.signal(sig, handler)


def _forget_queue(backend):
    """Delete what this test's queue left in Redis (dead workers' keys expire by themselves)."""
    queue, redis = backend.queue, backend.redis
    ids = set(queue.job_ids) | set(ScheduledJobRegistry(queue=queue).get_job_ids())
    ids |= set(FailedJobRegistry(queue=queue).get_job_ids())
    for job_id in ids:
        redis.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    for pattern in (f"rq:*{queue.name}*", f"retrain:jobs:{queue.name}:*"):
        for key in redis.scan_iter(pattern):
            redis.delete(key)
    redis.srem("rq:queues", queue.key)


def run_worker() -> None:
    """What `flask jobs worker --burst` does: arm periodic jobs, run all that is due."""
    jobs_rq.make_worker().work(burst=True, with_scheduler=True)


def scheduled_ids() -> list[str]:
    return ScheduledJobRegistry(queue=jobs.backend().queue).get_job_ids()


def test_a_job_waits_in_redis_until_a_worker_runs_it(rq_app):
    jobs.enqueue(jobs.ping, "queued")
    assert ping_runs(rq_app, "queued") == []
    assert jobs.backend().queue.count == 1

    run_worker()

    runs = ping_runs(rq_app, "queued")
    assert len(runs) == 1 and not runs[0].endswith(f"pid {os.getpid()}")  # a work horse
    assert jobs.backend().queue.count == 0


def test_delayed_jobs_wait_for_their_time(rq_app):
    jobs.enqueue_at(datetime.now(UTC) - timedelta(seconds=5), jobs.ping, "due")
    jobs.enqueue_in(timedelta(hours=1), jobs.ping, "not-due")
    assert jobs.backend().queue.count == 0 and len(scheduled_ids()) == 2

    run_worker()  # its scheduler moves what is due into the queue

    assert len(ping_runs(rq_app, "due")) == 1
    assert ping_runs(rq_app, "not-due") == []
    assert len(scheduled_ids()) == 1


def test_a_job_is_queued_only_when_the_caller_commits(rq_app):
    db.session.execute(select(1))
    jobs.enqueue(jobs.ping)
    assert jobs.backend().queue.count == 0
    db.session.commit()
    assert jobs.backend().queue.count == 1


def test_a_periodic_slot_claimed_twice_runs_once(rq_app, monkeypatch):
    """Two schedulers (say, two workers after a network split) both queue one slot."""
    monkeypatch.setitem(jobs.PERIODIC, PING, 3600)
    backend = jobs.backend()
    now = time.time()
    past_slot = jobs_base.next_slot(now, 3600) - 1  # due already
    backend.schedule_slot(PING, 3600, past_slot, job_id="first-scheduler")
    backend.schedule_slot(PING, 3600, past_slot, job_id="second-scheduler")

    jobs_rq.AppWorker([backend.queue], connection=backend.redis).work(
        burst=True, with_scheduler=True
    )

    assert len(ping_runs(rq_app)) == 1
    # Each run armed the next slot, under the slot's own id: one job, not two.
    assert scheduled_ids() == [jobs_rq.slot_job_id(PING, jobs_base.next_slot(now, 3600))]


def test_periodic_jobs_are_armed_once_however_often_workers_start(rq_app, monkeypatch):
    monkeypatch.setitem(jobs.PERIODIC, PING, 3600)
    run_worker()
    run_worker()  # a restart, or a second worker
    expected = jobs_rq.slot_job_id(PING, jobs_base.next_slot(time.time(), 3600))
    assert scheduled_ids() == [expected]
    assert ping_runs(rq_app) == []  # its slot has not come yet


def test_a_chain_ends_when_its_job_is_no_longer_declared(rq_app):
    jobs_rq.run_slot(PING, 3600, jobs_base.next_slot(time.time(), 3600) - 1)
    assert ping_runs(rq_app) == [] and scheduled_ids() == []


def test_a_failed_job_is_rolled_back_and_kept_as_failed(rq_app):
    jobs.enqueue(add_exercise, "Tight chin after Botox", fail=True)
    run_worker()
    assert db.session.scalar(select(Exercise).where(Exercise.name.like("Tight chin%"))) is None
    assert FailedJobRegistry(queue=jobs.backend().queue).count == 1


def test_the_workers_failure_log_names_the_job_but_not_its_arguments(rq_app, caplog):
    backend = jobs.backend()
    job = Job.create(
        jobs_base.execute,
        args=("tests.infrastructure.helpers:add_exercise", ("Tight chin",), {}),
        connection=backend.redis,
    )
    worker = jobs_rq.AppWorker([backend.queue], connection=backend.redis)
    try:
        raise RuntimeError("the test job fails on purpose")
    except RuntimeError:
        with caplog.at_level(logging.ERROR):
            worker.handle_exception(job, *sys.exc_info())
    assert job.id in caplog.text and "Tight chin" not in caplog.text
    assert not any(hasattr(record, "arguments") for record in caplog.records)


def test_flask_jobs_worker_runs_the_queue(rq_app):
    jobs.enqueue(jobs.ping, "from-cli")
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(ping_runs(rq_app, "from-cli")) == 1
