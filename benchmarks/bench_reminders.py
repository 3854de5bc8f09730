"""Time from "due" to "sent" for many patients whose reminders fall due in one minute.

    .venv/bin/python benchmarks/bench_reminders.py [--patients 1000] [--threads 4]
        [--postgres URL] [--rq redis://127.0.0.1:6379/N --workers 2]

Builds a database at the head migration (a temporary SQLite file, or the PostgreSQL
database given, emptied first) with ``patients`` patients whose one reminder time is the
current minute (UTC), each with one Web Push subscription pointing at a stand-in push
service on 127.0.0.1 (a threaded HTTP server answering 201). Sending is real: pywebpush
encrypts every message (aes128gcm) and signs a VAPID JWT for it.

Prints:
- the tick: planning the due reminders (one INSERT ... ON CONFLICT for all) and claiming
  their deliveries (one UPDATE ... RETURNING), in seconds;
- sending in this process, one job after another, then in ``threads`` threads (each job
  in its own app context, as a worker runs it): sends per second;
- with --rq: the production path, the tick's jobs in Redis run by ``workers``
  `flask jobs worker --burst` processes; from the tick's start to the last delivery sent.
- the service worker's precache: files and bytes.

A script, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from retrain import create_app  # noqa: E402
from retrain.extensions import db  # noqa: E402
from retrain.infrastructure.webpush import generate_private_key  # noqa: E402

VAPID_KEY = generate_private_key()  # a throwaway key pair for this run


class PushService:
    """Answers every push with 201, as fast as it can, and counts them."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real push service

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service.lock:
                    service.count += 1
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def subscriber_keys() -> tuple[str, str]:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return encode(point), encode(os.urandom(16))


def config(instance: Path, database: str, backend: str, redis: str | None) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "benchmark",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database,
        "JOBS_BACKEND": backend,
        "REDIS_URL": redis,
        "JOBS_QUEUE": "retrain-bench",
        "PUSH_SERVICE_HOSTS": ["127.0.0.1"],
        "PUSH_REQUIRE_HTTPS": False,
        "VAPID_PRIVATE_KEY": VAPID_KEY,
    }


def seed(app, patients: int, push_origin: str, minute: datetime) -> None:
    from retrain.models import Patient, PushSubscription, ReminderSettings, User
    from retrain.schema import upgrade

    p256dh, auth = subscriber_keys()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        people = [
            {
                "email": f"p{n}@bench.example",
                "name": f"Patient {n}",
                "role": "patient",
                "active": True,
                "timezone": "UTC",
                "created_at": minute,
            }
            for n in range(patients)
        ]
        db.session.execute(insert(User), people)
        ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        db.session.execute(insert(Patient), [{"id": i, "affected_side": "left"} for i in ids])
        db.session.execute(
            insert(ReminderSettings),
            [
                {
                    "patient_id": i,
                    "push_on": True,
                    "email_on": False,
                    "times": [f"{minute:%H:%M}"],
                    "weekdays": list(range(7)),
                    "updated_at": minute,
                }
                for i in ids
            ],
        )
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "patient_id": i,
                    "endpoint": f"{push_origin}/push/{i}",
                    "p256dh": p256dh,
                    "auth": auth,
                    "created_at": minute,
                }
                for i in ids
            ],
        )
        db.session.commit()


def sent_count(app) -> int:
    from retrain.models import ReminderDelivery

    with app.app_context():
        found = db.session.scalar(select(func.count()).where(ReminderDelivery.status == "sent"))
        db.session.remove()
        return found


def tick(app, now: datetime) -> tuple[float, float, list[int]]:
    from retrain.usecases import reminder_tick

    with app.app_context():
        started = time.perf_counter()
        made = reminder_tick.plan(now)
        planned = time.perf_counter()
        ids = reminder_tick.claim(now)
        claimed = time.perf_counter()
        assert made == len(ids), (made, len(ids))
        return planned - started, claimed - planned, ids


def send_all(app, ids: list[int], threads: int) -> float:
    from retrain.infrastructure.jobs_base import run

    started = time.perf_counter()
    path = "retrain.companion.sending:send"
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda i: run(app, path, (i,)), ids))
    return time.perf_counter() - started


def precache_size(app) -> tuple[int, int]:
    from retrain.companion.app_shell import precache

    with app.test_request_context():
        urls, _version = precache()
    client, total = app.test_client(), 0
    for url in urls:
        total += len(client.get(url).get_data())
    return len(urls), total


def in_process(args, instance: Path, database: str, service: PushService) -> None:
    app = create_app(config(instance, database, "sync", None))
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0)
    seed(app, args.patients, service.origin, minute)
    for threads in (1, args.threads):
        with app.app_context():  # the same reminders fall due again, one minute later
            db.session.execute(text("DELETE FROM reminder_deliveries"))
            db.session.execute(text("DELETE FROM due_reminders"))
            db.session.commit()
        plan_s, claim_s, ids = tick(app, now)
        seconds = send_all(app, ids, threads)
        assert sent_count(app) == args.patients
        print(
            f"tick: plan {plan_s:.2f} s + claim {claim_s:.2f} s for {len(ids)} deliveries; "
            f"sending with {threads} thread(s) {seconds:.1f} s ({len(ids) / seconds:.0f}/s); "
            f"due -> last sent {plan_s + claim_s + seconds:.1f} s from the tick's start"
        )
    files, size = precache_size(app)
    print(f"service worker precache: {files} files, {size / 1024:.0f} KiB")


def with_rq(args, instance: Path, database: str, service: PushService) -> None:
    from redis import Redis

    Redis.from_url(args.rq).flushdb()
    app = create_app(config(instance, database, "rq", args.rq))
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0)
    seed(app, args.patients, service.origin, minute)
    env = dict(os.environ)
    env.update(
        RETRAIN_DATABASE_URL=database,
        RETRAIN_REDIS_URL=args.rq,
        RETRAIN_JOBS_BACKEND="rq",
        RETRAIN_JOBS_QUEUE="retrain-bench",
        RETRAIN_SECRET_KEY="benchmark",  # noqa: S106 - a throwaway local key
        RETRAIN_INSTANCE_PATH=str(instance),
        RETRAIN_VAPID_PRIVATE_KEY=VAPID_KEY,
        RETRAIN_PUSH_SERVICE_HOSTS=json.dumps(["127.0.0.1"]),
        RETRAIN_PUSH_REQUIRE_HTTPS="false",
    )
    started = time.perf_counter()
    with app.app_context():
        from retrain.companion import sending

        sending.tick(now)  # plans, claims, and puts one job per delivery into Redis
    ticked = time.perf_counter()
    flask = str(Path(sys.executable).with_name("flask"))
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command
            [flask, "--app", "retrain", "jobs", "worker", "--burst"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.wait(timeout=1800)
    done = time.perf_counter()
    sent = sent_count(app)
    print(
        f"RQ, {args.workers} worker process(es): tick {ticked - started:.2f} s, "
        f"{sent} of {args.patients} sent {done - started:.1f} s after the tick began "
        f"({sent / (done - ticked):.0f} sends/s; {sending_batch()} deliveries per job)"
    )
    Redis.from_url(args.rq).flushdb()


def sending_batch() -> int:
    from retrain.companion.sending import BATCH

    return BATCH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use (emptied first)")
    parser.add_argument(
        "--rq", help="a Redis URL of your own database number (it is emptied) for the RQ run"
    )
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    service = PushService()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        database = args.postgres or f"sqlite:///{instance / 'bench.sqlite3'}"
        if not args.skip_in_process:
            in_process(args, instance, database, service)
        if args.rq:
            fresh = args.postgres or f"sqlite:///{instance / 'bench-rq.sqlite3'}"
            with_rq(args, instance, fresh, service)
    print(f"the stand-in push service took {service.count} messages")


if __name__ == "__main__":
    main()
