"""The production jobs backend: RQ on Redis, run by `flask jobs worker` (docs/deploy.md).

Delayed jobs use RQ's scheduler (`enqueue_at`, moved to the queue when due by a worker
started with its scheduler). Periodic jobs are chains of scheduled jobs, one per slot
(slot n of a job every N seconds starts at n * N since the epoch):
- a slot's job has a fixed id, so arming the same slot twice (two workers starting, a
  restart) leaves one scheduled job, and the chain lives in Redis across restarts;
- it runs the function only after claiming the slot with SET NX in Redis, so a slot never
  runs twice even if two copies of its job are queued;
- it arms the next future slot whether or not the function succeeded (missed slots are
  skipped, not caught up), and every worker arms the next slot of each job at start.
"""

import logging
import re
import time
from datetime import UTC, datetime

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Worker

from . import jobs_base

FAILED_JOB_SECONDS = 7 * 24 * 3600  # a failed job (with its arguments) stays in Redis
MIN_CLAIM_SECONDS = 300  # a slot's claim outlives any late duplicate of its job

log = logging.getLogger("retrain.jobs")


class RQBackend:
    def __init__(self, app: Flask):
        self.redis = Redis.from_url(app.config["REDIS_URL"])  # connects on first use
        self.queue = Queue(app.config["JOBS_QUEUE"], connection=self.redis)

    def submit(self, when: datetime | None, path: str, args: tuple, kwargs: dict) -> None:
        self._enqueue(when, path, args, kwargs, description=path)

    def schedule_slot(self, path: str, seconds: int, slot: int, job_id: str | None = None):
        """Arm one slot of a periodic job (idempotent: the job id is the slot's)."""
        self._enqueue(
            datetime.fromtimestamp(slot * seconds, UTC),
            jobs_base.job_path(run_slot),
            (path, seconds, slot),
            {},
            description=f"{path} slot {slot}",
            job_id=job_id or slot_job_id(path, slot),
        )

    def arm_periodic(self, now: float | None = None) -> None:
        """Arm the next slot of every periodic job (at worker start)."""
        now = time.time() if now is None else now
        for path, seconds in jobs_base.PERIODIC.items():
            self.schedule_slot(path, seconds, jobs_base.next_slot(now, seconds))

    def claim(self, path: str, seconds: int, slot: int) -> bool:
        """True for the first caller only, for each slot of each job."""
        key = f"retrain:jobs:{self.queue.name}:slot:{path}:{slot}"
        return bool(self.redis.set(key, "1", nx=True, ex=max(10 * seconds, MIN_CLAIM_SECONDS)))

    def _enqueue(self, when, path, args, kwargs, **options) -> None:
        options.update(
            args=(path, args, kwargs),
            kwargs={},
            result_ttl=0,  # nothing reads results: keep no copy of the arguments
            failure_ttl=FAILED_JOB_SECONDS,
        )
        if when is None:
            self.queue.enqueue(jobs_base.execute, **options)
        else:
            self.queue.enqueue_at(when, jobs_base.execute, **options)


def run_slot(path: str, seconds: int, slot: int) -> None:
    """A job: run one slot of a periodic job, then arm the next."""
    if jobs_base.PERIODIC.get(path) != seconds:
        log.info("periodic job %s every %ss is no longer declared: chain ended", path, seconds)
        return
    backend = jobs_base.backend()
    try:
        if backend.claim(path, seconds, slot):
            jobs_base.resolve(path)()
        else:
            log.info("periodic job %s slot %s ran already", path, slot)
    finally:
        following = max(slot + 1, jobs_base.next_slot(time.time(), seconds))
        backend.schedule_slot(path, seconds, following)


def slot_job_id(path: str, slot: int) -> str:
    return f"periodic-{re.sub(r'[^A-Za-z0-9]', '_', path)}-{slot}"


class AppWorker(Worker):
    """RQ's worker, but its failure log names the job only: RQ's own handler attaches the
    job's arguments to the log record, and jobs_base.run() has logged the error already."""

    def handle_exception(self, job, *exc_info):
        self.log.error("Worker %s: job %s failed (see its error id above)", self.name, job.id)

    def unsubscribe(self):
        """Stop listening for commands without RQ's race: RQ unsubscribes, then stops the
        listener thread, and redis-py 8.2's stop() waits for that thread, which by then
        may sleep for RQ's whole 60-second poll. Tripping the flag first lets the
        unsubscribe reply wake it to exit at once."""
        thread = self.pubsub_thread
        if not thread:
            return
        try:
            thread.stop(timeout=0)  # redis-py >= 8.2: trip the flag, do not wait here
        except TypeError:
            thread.stop()  # older redis-py: only trips the flag
        self.pubsub.unsubscribe()
        thread.join(timeout=1)
        self.pubsub.close()


def make_worker() -> AppWorker:
    """A worker for this app's queue, with the periodic jobs armed; call in an app context
    (each job then runs in a fresh context of this app)."""
    backend = current_app.extensions.get(jobs_base.EXTENSION)
    if not isinstance(backend, RQBackend):
        raise RuntimeError(
            f"JOBS_BACKEND is {current_app.config['JOBS_BACKEND']!r}: jobs run inside the"
            " web process. Set RETRAIN_JOBS_BACKEND=rq and RETRAIN_REDIS_URL for a worker."
        )
    backend.arm_periodic()
    return AppWorker([backend.queue], connection=backend.redis, log_job_description=False)
