"""Benchmark Retrain on a generated clinic: ``make bench`` (issue 7, parts 4 and 5).

    .venv/bin/python benchmarks/run.py               # SQLite
    .venv/bin/python benchmarks/run.py --postgres    # PostgreSQL at 127.0.0.1:5432
    .venv/bin/python benchmarks/run.py --only today,review --no-write   # while debugging

What it does, in order:

1. Makes (or reuses, keyed by size, for up to MAX_AGE_DAYS) two clinics with
   benchmarks/generate_clinic.py: the default one (1,000 patients, 2 years) and a small
   one, and copies each for this run (a run writes sessions, photos and audit rows).
2. Counts the SQL statements of one request to each endpoint on both copies, in-process
   through the test client with a ``before_cursor_execute`` counter (after one warm-up
   request). A count that is higher on the large clinic than on the small one means
   queries grow with data: the run says so in capitals and exits with status 2.
3. Serves the bare page (benchmarks/bare_app.py) and the app, each with gunicorn and 2
   sync workers, logs the users in through the real forms (the login throttle is set
   high for this server), and loads each endpoint with wrk (benchmarks/wrk/request.lua)
   for ``--duration`` seconds over ``--connections`` connections after a short warm-up.
   The bare page is measured before and after the app; ratios use the mean of the two.
   After each page with a size of its own (Today, caseload, review, API progress) the
   bare page of the same rows and bytes is loaded too: that page's own ceiling.
4. Reads each worker's resident memory from /proc after the run, times the app's start
   (import to first response, in a fresh interpreter; and gunicorn's start until
   /healthz answers), and writes benchmarks/RESULTS.md (one section per database).

Why wrk: it is one small C process (Debian package), so on a 2-core machine it takes
almost no CPU from the server it measures, which a Python load generator would; its
Lua hook gives each POST a fresh idempotency key and sends the cookie or bearer token.

Endpoints (who, and why that one):
- login page: GET /login, anonymous.
- patient Today: GET /today as the 5-year patient (the most sessions to count).
- saving a session: POST /session/new as patient 3, the plain form with a fresh
  idempotency key each time; answers 302 to Today.
- caseload: GET /therapist/ as therapist 1 (200 patients).
- reinjection review: GET /patients/<5-year patient>/review as clinician 1.
- API progress: GET /api/v1/patients/<5-year patient>/progress with clinician 1's token.
- snapshot upload: POST /snapshots/upload as patient 2 (photo consent), a 1280x720
  JPEG (scikit-image's astronaut, as benchmarks/bench_vision.py), asking for JSON:
  decoding, re-encoding and storing, at load; the photo check (face analysis) runs in
  one RQ worker beside the app, and the time it takes to finish after the load is
  reported with the results.
"""

# ruff: noqa: S603, S607 - this script starts gunicorn, wrk and the generator, by fixed paths

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate_clinic import DEFAULT, SMALL, Size  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
VENV_BIN = Path(sys.executable).parent
LUA = ROOT / "benchmarks" / "wrk" / "request.lua"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MAX_AGE_DAYS = 7  # a clinic older than this is made again (its "last 28 days" thin out)
KEY_MARK = "IDEMPOTENCYKEYMARK"
SECRET = "benchmark secret, not for production use"  # noqa: S105
HIGH_LIMIT = "1000000 per minute"
TINY = Size(staff=4, patients=12, years=0.1, caseload=6, long_years=0.2)  # --debug-sizes

# Issue 7, part 5.
TARGET_RATIO = 0.5
TARGET_TAIL = 5  # issue 17: p99 under 5 x p50 at 8 connections
TARGET_QUERIES = 10
TARGET_RSS_MB = 200
TARGET_START_S = 1.0  # issue 17, part 5
TARGET_UPLOAD_P50_MS = 100  # issue 17: the answer does not wait for the photo check
BENCH_REDIS_URL = "redis://127.0.0.1:6379/9"  # the bench's own: flushed at each run
QUEUE = "retrain"  # the app's JOBS_QUEUE default


# --- the endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    user: str | None  # manifest key of who asks; None: anonymous
    kind: str = "page"  # page | form | api | upload


ENDPOINTS = (
    Endpoint("login", "Login page (GET /login)", None),
    Endpoint("today", "Patient Today (5-year patient)", "long_patient"),
    Endpoint("save", "Save a session (POST /session/new)", "saving_patient", "form"),
    Endpoint("caseload", "Therapist caseload (200 patients)", "caseload_therapist"),
    Endpoint("review", "Reinjection review (5-year patient)", "clinician"),
    Endpoint("api_progress", "API progress (5-year patient)", "clinician", "api"),
    Endpoint(
        "upload", "Snapshot upload, checked in the background (1280x720)", "photo_patient", "upload"
    ),
)
# Planned with --explain too (issue 7, part 6: "session list"), not loaded.
HISTORY = Endpoint("history", "Session history, page 1 (5-year patient)", "long_patient")


@dataclass
class Request:
    """One request as both the test client and wrk send it."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect: int = 200
    key_mark: bool = False  # the body holds KEY_MARK: a fresh key per request

    def with_fresh_key(self) -> Request:
        if not self.key_mark:
            return self
        body = (self.body or b"").replace(KEY_MARK.encode(), uuid.uuid4().hex.encode())
        return Request(self.method, self.path, self.headers, body, self.expect)


# --- small helpers ---------------------------------------------------------------------------


def say(message: str = "") -> None:
    print(message, flush=True)


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n{message}\n{bar}\n", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


class Inputs(HTMLParser):
    """Every form field's name and value on a page (checked boxes and radios only)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        data = dict(attrs)
        name = data.get("name")
        if tag != "input" or not name:
            return
        if data.get("type") in ("radio", "checkbox") and "checked" not in data:
            return
        if data.get("type") in ("submit", "button", "file"):
            return
        self.fields.setdefault(name, data.get("value") or "")


def form_fields(html: str) -> dict[str, str]:
    parser = Inputs()
    parser.feed(html)
    return parser.fields


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
    boundary = "----retrainbench" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, data, kind) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo_jpeg() -> bytes:
    """The 1280x720 frame of benchmarks/bench_vision.py as a JPEG (quality 90)."""
    import cv2

    from benchmarks.bench_vision import snapshot

    ok, data = cv2.imencode(".jpg", snapshot(), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


# --- clinics ---------------------------------------------------------------------------------


@dataclass
class Clinic:
    size: Size
    backend: str  # sqlite | postgresql
    url: str  # the pristine clinic
    manifest: dict


def pg_name(size: Size, run: str | None = None) -> str:
    base = "retrain_bench_" + re.sub(r"[^a-z0-9]", "_", size.key())
    return f"retrain_bench_run_{run}" if run else base


def pg_admin(statement: str, **params):
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.execute(text(statement), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def ensure_clinic(size: Size, backend: str, regenerate: bool) -> Clinic:
    """The clinic of this size, made by generate_clinic.py unless a fresh one exists."""
    manifest_path = OUT / f"clinic-{size.key()}.{backend}.json"
    if backend == "sqlite":
        path = OUT / f"clinic-{size.key()}.sqlite3"
        url = f"sqlite:///{path}"
        exists = path.exists()
    else:
        url = PG_SERVER + pg_name(size)
        exists = bool(pg_admin("SELECT 1 FROM pg_database WHERE datname = :n", n=pg_name(size)))
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if manifest and exists and not regenerate:
        made = datetime.fromisoformat(manifest["generated_at"])
        age = (datetime.now(UTC) - made).total_seconds() / 86400
        if age <= MAX_AGE_DAYS:
            say(f"Reusing clinic {size.key()} ({backend}, made {age:.1f} days ago)")
            return Clinic(size, backend, url, manifest)
    say(f"Generating clinic {size.key()} ({backend}) ...")
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "generate_clinic.py"),
        "--database-url",
        url,
        "--replace",
        "--manifest",
        str(manifest_path),
    ]
    for name, value in asdict(size).items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    subprocess.run(command, check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    return Clinic(size, backend, url, json.loads(manifest_path.read_text()))


def run_copy(clinic: Clinic, label: str) -> str:
    """A throwaway copy of the clinic for this run; its URL."""
    if clinic.backend == "sqlite":
        source = Path(clinic.url.removeprefix("sqlite:///"))
        target = OUT / f"run-{label}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)  # consistent even if a -wal file was left behind
        finally:
            src.close()
            dst.close()
        return f"sqlite:///{target}"
    name = pg_name(clinic.size, label)
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_name(clinic.size)}"')
    return PG_SERVER + name


def drop_copies(backend: str) -> None:
    """Remove this run's copies (the clinics themselves are kept for the next run)."""
    if backend == "sqlite":
        for path in OUT.glob("run-*.sqlite3*"):
            path.unlink(missing_ok=True)
        return
    for (name,) in pg_admin(
        "SELECT datname FROM pg_database WHERE datname LIKE 'retrain_bench_run_%'"
    ):
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_config(url: str, instance: Path) -> dict[str, str]:
    """The configuration both the in-process counter and gunicorn use (as RETRAIN_*)."""
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(instance),
        "LOGIN_RATE_LIMIT": HIGH_LIMIT,  # every login here comes from 127.0.0.1
        "UPLOAD_RATE_LIMIT": HIGH_LIMIT,
    }


# --- requests for each endpoint, through any client ------------------------------------------


class Client:
    """The same few calls through Flask's test client or through HTTP to gunicorn."""

    def __init__(self, *, flask_client=None, port: int | None = None):
        self.flask = flask_client
        self.port = port
        self.cookies: dict[str, str] = {}

    def send(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        headers = dict(request.headers)
        if self.cookies and "Authorization" not in headers:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.flask is not None:
            response = self.flask.open(
                request.path, method=request.method, headers=headers, data=request.body
            )
            status, got, body = response.status_code, response.headers, response.data
            cookies = got.getlist("Set-Cookie")
            out_headers = dict(got.items())
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request(request.method, request.path, body=request.body, headers=headers)
            response = connection.getresponse()
            status, body = response.status, response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
            out_headers = dict(response.getheaders())
            connection.close()
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return status, out_headers, body

    def get(self, path: str, **headers) -> tuple[int, dict[str, str], bytes]:
        return self.send(Request("GET", path, headers))


def login(client: Client, email: str, password: str) -> None:
    status, _, body = client.get("/login")
    token = form_fields(body.decode()).get("csrf_token", "")
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    status, headers, _ = client.send(
        Request(
            "POST",
            "/login",
            {"Content-Type": "application/x-www-form-urlencoded"},
            data.encode(),
        )
    )
    if status != 302 or "/login" in headers.get("Location", ""):
        raise RuntimeError(f"login as {email} failed ({status})")


def api_token(client: Client, email: str, password: str) -> str | None:
    status, _, body = client.send(
        Request(
            "POST",
            "/api/v1/tokens",
            {"Content-Type": "application/json"},
            json.dumps({"email": email, "password": password}).encode(),
        )
    )
    if status != 201:
        return None
    return json.loads(body)["token"]


def prepare(endpoint: Endpoint, manifest: dict, client: Client, jpeg: bytes) -> Request | None:
    """Log in as the endpoint's user on ``client`` and build its request (None: missing)."""
    person = manifest.get(endpoint.user) if endpoint.user else None
    password = manifest["password"]
    long_id = manifest["long_patient"]["id"]
    if endpoint.kind == "api":
        token = api_token(client, person["email"], password)
        if token is None:
            return None
        return Request(
            "GET",
            f"/api/v1/patients/{long_id}/progress",
            {"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    if person is not None:
        login(client, person["email"], password)
    if endpoint.name == "login":
        return Request("GET", "/login")
    if endpoint.name == "today":
        return Request("GET", "/today")
    if endpoint.name == "history":
        return Request("GET", "/history")
    if endpoint.name == "caseload":
        return Request("GET", "/therapist/")
    if endpoint.name == "review":
        return Request("GET", f"/patients/{long_id}/review")
    if endpoint.name == "save":
        status, _, body = client.get("/session/new")
        if status != 200:
            raise RuntimeError(f"GET /session/new answered {status}")
        fields = form_fields(body.decode())
        fields.update(
            effort="3",
            synkinesis_rating="4",
            note="",
            performed_date="",
            performed_time="",
            idempotency_key=KEY_MARK,
        )
        return Request(
            "POST",
            "/session/new",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode(fields).encode(),
            expect=302,
            key_mark=True,
        )
    if endpoint.name == "upload":
        status, _, body = client.get("/snapshots/capture")
        if status != 200:
            raise RuntimeError(f"GET /snapshots/capture answered {status}")
        token = form_fields(body.decode()).get("csrf_token", "")
        data, kind = multipart(
            {"csrf_token": token, "expression": "rest", "mirrored": "false", "session": ""},
            {"image": ("snapshot.jpg", jpeg, "image/jpeg")},
        )
        return Request(
            "POST", "/snapshots/upload", {"Content-Type": kind, "Accept": "application/json"}, data
        )
    raise ValueError(endpoint.name)


def with_cookie(request: Request, client: Client) -> Request:
    """The request as wrk sends it: the client's cookies in the headers."""
    headers = dict(request.headers)
    if client.cookies and "Authorization" not in headers:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return Request(
        request.method, request.path, headers, request.body, request.expect, request.key_mark
    )


def check(request: Request, status: int, body: bytes) -> str | None:
    """Why a response is not the expected one, or None."""
    if status != request.expect:
        return f"{request.method} {request.path} answered {status}, expected {request.expect}"
    if request.path == "/snapshots/upload" and b'"ok":true' not in body.replace(b" ", b""):
        return f"upload refused: {body[:200]!r}"
    return None


# --- SQL statements per request --------------------------------------------------------------

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@dataclass
class Count:
    statements: int  # everything sent through a cursor (SQLite's BEGIN IMMEDIATE included)
    queries: int  # without transaction control: comparable between SQLite and PostgreSQL
    listing: list[str]
    cpu_ms: float = 0.0  # median CPU time of one request in-process (test client)


CPU_REQUESTS = 10  # requests timed in-process per endpoint


def cpu_ms(send, request: Request, runs: int = CPU_REQUESTS) -> float:
    """Median CPU milliseconds of this process per request: far less sensitive to other
    work on the machine than wall-clock figures (but not immune: caches are shared)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        send(request.with_fresh_key())
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def prepared(app, manifest: dict, jpeg: bytes, only):
    """Each chosen endpoint with its own test client of ``app`` and its request (None
    when the clinic lacks what it needs)."""
    for endpoint in ENDPOINTS:
        if endpoint.name in only:
            client = Client(flask_client=app.test_client(use_cookies=False))
            yield endpoint, client, prepare(endpoint, manifest, client, jpeg)


def count_queries(url: str, manifest: dict, instance: Path, jpeg: bytes, only, timed) -> dict:
    """Statements of one request per endpoint, in-process (after a warm-up request);
    with ``timed``, also the CPU time per request."""
    from sqlalchemy import event

    from retrain import create_app
    from retrain.extensions import db

    shutil.rmtree(instance, ignore_errors=True)
    app = create_app({**app_config(url, instance), "TESTING": False})
    counts: dict[str, Count | None] = {}
    with app.app_context():
        engine = db.engine
    for endpoint, client, request in prepared(app, manifest, jpeg, only):
        if request is None:
            counts[endpoint.name] = None
            continue
        status, _, body = client.send(request.with_fresh_key())  # warm-up
        if problem := check(request, status, body):
            raise RuntimeError(problem)
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany, seen=statements):
            seen.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", record)
        try:
            status, _, body = client.send(request.with_fresh_key())
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if problem := check(request, status, body):
            raise RuntimeError(problem)
        queries = [s for s in statements if not TRANSACTION_CONTROL.match(s)]
        counts[endpoint.name] = Count(
            len(statements),
            len(queries),
            statements,
            cpu_ms(client.send, request) if timed else 0.0,
        )
    with app.app_context():
        db.engine.dispose()
    return counts


def bare_cpu_ms(url: str, path: str = "/") -> float:
    """The bare page's CPU time per request in-process, as cpu_ms() for the app."""
    from benchmarks.bare_app import create_app as bare_app

    client = bare_app(url).test_client()

    def send(request: Request):
        return client.get(request.path)

    send(Request("GET", path))
    return cpu_ms(send, Request("GET", path), runs=50)


# --- servers and load ------------------------------------------------------------------------


@functools.cache
def gunicorn_extra() -> tuple[str, ...]:
    """gunicorn 27 opens a control socket at one fixed path per user: two servers (ours, or
    someone else's on the machine) would take it from each other, so ours open none."""
    options = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--help"], capture_output=True, text=True
    ).stdout
    return ("--no-control-socket",) if "--no-control-socket" in options else ()


class Server:
    """gunicorn with 2 sync workers; ``started_s``: spawn until the probe path answers.
    The app runs with production's settings file (retrain/gunicorn_conf.py: preload)."""

    def __init__(self, app: str, env: dict[str, str], probe: str, log: Path, workers: int = 2):
        self.port = free_port()
        self.log = log
        settings = ["-c", "python:retrain.gunicorn_conf"] if app.startswith("retrain:") else []
        command = [
            str(VENV_BIN / "gunicorn"),
            *settings,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(log),
            *gunicorn_extra(),
            app,
        ]
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.started_s = self._wait(probe, started)

    def _wait(self, probe: str, started: float) -> float:
        deadline = started + 60
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", probe)
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"gunicorn did not answer {probe} within 60 s; see {self.log}")

    def worker_rss_mb(self) -> list[tuple[float, float]]:
        """(VmRSS, VmHWM) in MB of each worker (the master's children), from /proc."""
        out = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                if parent != self.process.pid:
                    continue
                status = dict(
                    line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                )
            except (OSError, ValueError, IndexError):
                continue
            rss = int(status["VmRSS"].split()[0]) / 1024
            peak = int(status["VmHWM"].split()[0]) / 1024
            out.append((rss, peak))
        return sorted(out)

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class JobWorker:
    """One `flask jobs worker` (RQ) beside the app, as in production: the photo check runs
    there after the upload has answered (issue 17), on the same two cores."""

    def __init__(self, env: dict[str, str], log: Path):
        import redis

        self.redis = redis.Redis.from_url(env["RETRAIN_REDIS_URL"])
        self.redis.flushdb()  # the bench's own database: no job left from an earlier run
        self.process = subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "retrain:create_app()", "jobs", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            start_new_session=True,
        )

    def waiting(self) -> int:
        """Jobs queued or running."""
        from rq import Queue

        queue = Queue(QUEUE, connection=self.redis)
        return queue.count + queue.started_job_registry.count

    def drain(self, limit_s: float = 300) -> tuple[int, float]:
        """(jobs that were waiting, seconds until none was), waiting at most ``limit_s``."""
        waiting, started = self.waiting(), time.perf_counter()
        while self.waiting() and time.perf_counter() - started < limit_s:
            time.sleep(0.2)
        return waiting, time.perf_counter() - started

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class Load:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # wrong status (not 2xx/3xx), timeouts, broken connections


def wrk(port: int, request: Request, duration: float, connections: int, tag: str) -> Load:
    work = OUT / "wrk"
    work.mkdir(parents=True, exist_ok=True)
    headers = work / f"{tag}.headers"
    headers.write_text("".join(f"{k}: {v}\n" for k, v in request.headers.items()))
    body = work / f"{tag}.body"
    body.write_bytes(request.body or b"")
    report = work / f"{tag}.json"
    report.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_HEADERS": str(headers),
        "BENCH_BODY": str(body) if request.body else "",
        "BENCH_KEY_MARK": KEY_MARK
        if request.key_mark and KEY_MARK.encode() in body.read_bytes()
        else "",
        "BENCH_REPORT": str(report),
    }
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{duration:g}s",
        "--timeout",
        "30s",
        "--script",
        str(LUA),
        f"http://127.0.0.1:{port}{request.path}",
    ]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    data = json.loads(report.read_text())
    seconds = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    latency = data["latency_us"]
    return Load(
        requests=data["requests"],
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
        errors=errors,
    )


def own_ceiling(row: Row, size: tuple[int, int], port: int, bare_url: str, args) -> None:
    """Load the bare page of the endpoint's size (rows read, bytes sent) right after it."""
    row.size = size
    request = Request("GET", f"/?rows={size[0]}&bytes={size[1]}")
    status, _, _ = Client(port=port).send(request)
    if problem := check(request, status, b""):
        raise RuntimeError(problem)
    row.ceiling = measure(port, request, args, f"bare-{row.endpoint.name}")
    row.ceiling_cpu = bare_cpu_ms(bare_url, request.path)
    say(
        f"  its own ceiling ({size[0]:,} rows, {size[1] / 1024:.0f} KB): "
        f"{row.ceiling.rps:.0f} requests/s, p99 {row.ceiling.p99_ms:.0f} ms"
    )


def measure(port, request, args, tag) -> Load:
    wrk(port, request, args.warmup, 2, tag + "-warmup")
    return wrk(port, request, args.duration, args.connections, tag)


def start_time(env: dict[str, str], runs: int = 5) -> tuple[float, float]:
    """Median seconds (import to first response, spawn to exit) of a fresh interpreter
    that imports retrain, creates the app and serves GET /login through the test client."""
    code = (
        "import time; t = time.perf_counter()\n"
        "import retrain\n"
        "app = retrain.create_app()\n"
        "status = app.test_client().get('/login').status_code\n"
        "print(time.perf_counter() - t, status)\n"
    )
    inner, outer = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        outer.append(time.perf_counter() - started)
        seconds, status = result.stdout.split()
        if status != "200":
            raise RuntimeError(f"start-up probe answered {status}")
        inner.append(float(seconds))
    return statistics.median(inner), statistics.median(outer)


# --- the machine -----------------------------------------------------------------------------


def machine(backend: str) -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    try:
        postgres = pg_admin("SHOW server_version")[0][0]
    except Exception as error:  # only a description: say why it is missing
        postgres = f"not reachable ({type(error).__name__})"
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    gunicorn = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--version"], capture_output=True, text=True
    )
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres,
        "gunicorn": (gunicorn.stdout or gunicorn.stderr).strip().split()[-1].rstrip(")"),
        "wrk": (wrk_version.stdout or wrk_version.stderr).split()[1],
        "database of this run": backend,
    }


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Row:
    endpoint: Endpoint
    load: Load | None = None
    small: Count | None = None
    large: Count | None = None
    note: str = ""
    size: tuple[int, int] | None = None  # (rows, bytes) of its own ceiling; None: the 20-row
    ceiling: Load | None = None  # the bare page of that size, loaded right after the endpoint
    ceiling_cpu: float = 0.0  # its CPU ms per request in-process


def background_text(worker: JobWorker, load: Load) -> str:
    """What the upload's load left to the worker, and how long the worker took after it."""
    waiting, seconds = worker.drain()
    left = worker.waiting()
    verdict = "met" if load.p50_ms <= TARGET_UPLOAD_P50_MS else "missed"
    return (
        f"Photo check in the background: {load.requests:,} uploads answered (p50 "
        f"{load.p50_ms:.0f} ms; target <= {TARGET_UPLOAD_P50_MS} ms: {verdict}); one RQ "
        f"worker beside the app had {waiting:,} checks still to do when the load stopped and "
        f"finished them {seconds:.1f} s later"
        + (f" ({left:,} left after the wait)." if left else ".")
    )


def page_rows(endpoint: Endpoint, manifest: dict) -> int | None:
    """How many rows the endpoint's own ceiling reads (issue 17, part 4): 20 for Today (as
    the 20-row page); the caseload's patients; the 5-year patient's record (sessions,
    SAQs, visits) for the review and the API's progress. None: no page of its own."""
    history = manifest["long_history"]
    record = history["sessions"] + history["saqs"] + history["visits"]
    return {
        "today": 20,
        "caseload": manifest["size"]["caseload"],
        "review": record,
        "api_progress": record,
    }.get(endpoint.name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help=f"use PostgreSQL at {PG_SERVER}")
    parser.add_argument("--duration", type=float, default=10, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--regenerate", action="store_true", help="make the clinics again")
    parser.add_argument("--only", help="comma-separated endpoint names (default: all)")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each endpoint")
    parser.add_argument(
        "--explain", action="store_true", help="query plans of each endpoint's SELECTs, then stop"
    )
    parser.add_argument("--show-queries", action="store_true", help="print every statement")
    parser.add_argument(
        "--debug-sizes", action="store_true", help="tiny clinics, to try the runner quickly"
    )
    args = parser.parse_args(argv)
    names = [e.name for e in ENDPOINTS]
    only = set(args.only.split(",")) if args.only else set(names)
    if unknown := only - set(names):
        parser.error(f"unknown endpoints {sorted(unknown)}; known: {', '.join(names)}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk (make bench does it)")
    backend = "postgresql" if args.postgres else "sqlite"
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    load_before = load_average()
    say(f"Benchmark on {backend}; load average {load_before}")

    sizes = (SMALL, TINY) if args.debug_sizes else (DEFAULT, SMALL)
    large = ensure_clinic(sizes[0], backend, args.regenerate)
    small = ensure_clinic(sizes[1], backend, args.regenerate)
    jpeg = photo_jpeg()
    if args.explain:
        explain(run_copy(large, "explain"), large.manifest, jpeg, only)
        drop_copies(backend)
        return 0

    say("Counting SQL statements per request (small clinic, then large) ...")
    small_url, large_url = run_copy(small, "small"), run_copy(large, "large")
    counts_small = count_queries(
        small_url, small.manifest, OUT / "instance-count", jpeg, only, timed=False
    )
    counts_large = count_queries(
        large_url, large.manifest, OUT / "instance-count", jpeg, only, timed=True
    )
    large_url = run_copy(large, "large")  # the load runs on an untouched copy
    if args.show_queries:
        for name, count in counts_large.items():
            say(f"\n{name}: {count.statements if count else 'missing'} statements")
            for statement in count.listing if count else []:
                say(f"   {statement[:160]}")

    if args.profile:
        profile(large_url, large.manifest, jpeg, only)

    rows = {e.name: Row(e) for e in ENDPOINTS if e.name in only}
    for name, row in rows.items():
        row.small, row.large = counts_small.get(name), counts_large.get(name)
        if row.large is None:
            row.note = "endpoint missing: skipped"

    instance = OUT / f"instance-run-{backend}"
    shutil.rmtree(instance, ignore_errors=True)
    env = {f"RETRAIN_{k}": v for k, v in app_config(large_url, instance).items()}
    env["RETRAIN_ENV"] = "production"
    # Production requires these; the upload queues the photo check for the bench's own
    # worker (JobWorker), the pages send no mail, rate limits stay counted in memory.
    env["RETRAIN_REDIS_URL"] = BENCH_REDIS_URL
    env["RETRAIN_RATELIMIT_STORAGE_URI"] = "memory://"
    env["RETRAIN_MAIL_SMTP_HOST"] = "127.0.0.1"
    env["RETRAIN_MAIL_FROM"] = "retrain@bench.invalid"
    env["RETRAIN_AUDIT_HMAC_KEY"] = SECRET + " (audit)"
    # Reminders (issue 14) refuse a production start without these; no page here pushes.
    env["RETRAIN_PUBLIC_URL"] = "http://127.0.0.1"
    env["RETRAIN_VAPID_PRIVATE_KEY"] = "x" * 43  # never parsed: nothing is sent
    env["RETRAIN_VAPID_SUBJECT"] = "mailto:retrain@bench.invalid"
    inner_start, outer_start = start_time(env)

    bare_url = (
        f"sqlite:///{OUT / 'bare.sqlite3'}"
        if backend == "sqlite"
        else PG_SERVER + "retrain_bench_bare"
    )
    if backend == "postgresql" and not pg_admin(
        "SELECT 1 FROM pg_database WHERE datname = 'retrain_bench_bare'"
    ):
        pg_admin('CREATE DATABASE "retrain_bench_bare"')
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bare_app.py"), "--init", bare_url],
        check=True,
        cwd=ROOT,
    )
    bare_cpu = bare_cpu_ms(bare_url)
    bare_server = Server(
        "benchmarks.bare_app:create_app()",
        {"BARE_DATABASE_URL": bare_url},
        "/",
        OUT / "gunicorn-bare.log",
    )
    app_server = None
    worker = JobWorker(env, OUT / "jobs-worker.log")
    background = ""
    try:
        bare_request = Request("GET", "/")
        say("Loading the bare page ...")
        bare_first = measure(bare_server.port, bare_request, args, "bare-1")
        say(f"  bare page: {bare_first.rps:.0f} requests/s")
        app_server = Server("retrain:create_app()", env, "/healthz", OUT / "gunicorn-app.log")
        say(f"App started by gunicorn in {app_server.started_s:.2f} s (spawn to /healthz)")
        for name, row in rows.items():
            if row.large is None:
                continue
            client = Client(port=app_server.port)
            request = prepare(row.endpoint, large.manifest, client, jpeg)
            if request is None:
                row.note = "endpoint missing: skipped"
                continue
            request = with_cookie(request, client)
            status, _, body = client.send(request.with_fresh_key())
            if problem := check(request, status, body):
                raise RuntimeError(problem)
            say(f"Loading {row.endpoint.label} ...")
            row.load = measure(app_server.port, request, args, name)
            say(
                f"  {row.load.rps:7.1f} requests/s, median {row.load.p50_ms:.0f} ms, "
                f"p95 {row.load.p95_ms:.0f} ms, p99 {row.load.p99_ms:.0f} ms, "
                f"errors {row.load.errors}"
            )
            if (count := page_rows(row.endpoint, large.manifest)) is not None:
                own_ceiling(row, (count, len(body)), bare_server.port, bare_url, args)
            if name == "upload":
                background = background_text(worker, row.load)
                say(f"  {background}")
        bare_last = measure(bare_server.port, bare_request, args, "bare-2")
        say(f"  bare page again: {bare_last.rps:.0f} requests/s")
        app_rss = app_server.worker_rss_mb()
        bare_rss = bare_server.worker_rss_mb()
    finally:
        bare_server.stop()
        worker.stop()
        if app_server is not None:
            app_server.stop()

    drop_copies(backend)
    load_after = load_average()
    result = Result(
        backend=backend,
        when=datetime.now(UTC),
        machine=machine(backend),
        load_before=load_before,
        load_after=load_after,
        args=args,
        large=large,
        small=small,
        rows=list(rows.values()),
        bare=(bare_first, bare_last),
        bare_cpu=bare_cpu,
        app_rss=app_rss,
        bare_rss=bare_rss,
        start=(inner_start, outer_start, app_server.started_s),
        minutes=(time.perf_counter() - began) / 60,
        background=background,
    )
    text = result.markdown()
    say("\n" + text)
    if not args.no_write:
        write_section(backend, text)
        say(f"Written to {RESULTS.relative_to(ROOT)}")
    grown = result.grown()
    if grown:
        loud(
            "SQL STATEMENTS GROW WITH THE DATA: "
            + "; ".join(
                f"{r.endpoint.label}: {r.small.statements} -> {r.large.statements}" for r in grown
            )
        )
        return 2
    if any(r.load and r.load.errors for r in result.rows):
        loud("SOME REQUESTS FAILED during the load: see the errors column")
        return 1
    return 0


# --- query plans -----------------------------------------------------------------------------


def explain(url: str, manifest: dict, jpeg: bytes, only) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT one request to each endpoint sends
    (EXPLAIN QUERY PLAN on SQLite), into benchmarks/out/explain/, heaviest first."""
    from sqlalchemy import event

    from retrain import create_app
    from retrain.extensions import db

    instance = OUT / "instance-explain"
    shutil.rmtree(instance, ignore_errors=True)
    app = create_app(app_config(url, instance))
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    folder = OUT / "explain"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    summary = []
    for endpoint in (*ENDPOINTS, HISTORY):
        if endpoint.name not in only and endpoint is not HISTORY:
            continue
        client = Client(flask_client=app.test_client(use_cookies=False))
        request = prepare(endpoint, manifest, client, jpeg)
        if request is None:
            continue
        client.send(request.with_fresh_key())
        seen: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany, seen=seen):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            client.send(request.with_fresh_key())
        finally:
            event.remove(engine, "before_cursor_execute", record)
        plans = []
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in seen:
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
                cursor.execute(prefix + statement, parameters)
                lines = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
                took = 0.0
                for line in lines:
                    if line.startswith("Execution Time:"):
                        took = float(line.split()[2])
                plans.append((took, statement, parameters, lines))
            raw.rollback()
        finally:
            raw.close()
        plans.sort(key=lambda plan: -plan[0])
        with open(folder / f"{endpoint.name}.txt", "w") as out:
            out.write(f"{endpoint.label}: {request.method} {request.path}\n\n")
            for took, statement, parameters, lines in plans:
                out.write(f"-- {took:.3f} ms\n{statement}\n-- parameters: {parameters!r}\n")
                out.write("\n".join(lines) + "\n\n")
                summary.append((took, endpoint.name, " ".join(statement.split())[:110]))
        say(f"  plans of {endpoint.label}: {(folder / endpoint.name).relative_to(ROOT)}.txt")
    with app.app_context():
        db.engine.dispose()
    if postgres:
        say("\nHeaviest statements (execution time inside PostgreSQL):")
        for took, name, statement in sorted(summary, reverse=True)[:12]:
            say(f"  {took:8.3f} ms  {name:<13} {statement}")


# --- profiling -------------------------------------------------------------------------------


def profile(url: str, manifest: dict, jpeg: bytes, only) -> None:
    """pyinstrument profiles (text) of 20 requests to each endpoint, in-process."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        loud("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
        return
    from retrain import create_app

    instance = OUT / "instance-profile"
    shutil.rmtree(instance, ignore_errors=True)
    app = create_app(app_config(url, instance))
    folder = OUT / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for endpoint, client, request in prepared(app, manifest, jpeg, only):
        if request is None:
            continue
        client.send(request.with_fresh_key())
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(20):
            client.send(request.with_fresh_key())
        profiler.stop()
        path = folder / f"{endpoint.name}.txt"
        path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        say(f"  profile of {endpoint.label}: {path.relative_to(ROOT)}")


# --- the report ------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    when: datetime
    machine: dict
    load_before: str
    load_after: str
    args: argparse.Namespace
    large: Clinic
    small: Clinic
    rows: list[Row]
    bare: tuple[Load, Load]
    bare_cpu: float
    app_rss: list[tuple[float, float]]
    bare_rss: list[tuple[float, float]]
    start: tuple[float, float, float]
    minutes: float
    background: str = ""  # the photo checks the upload left to the worker

    @property
    def bare_rps(self) -> float:
        return statistics.mean(load.rps for load in self.bare)

    def grown(self) -> list[Row]:
        return [
            r for r in self.rows if r.small and r.large and r.large.statements > r.small.statements
        ]

    def markdown(self) -> str:
        a = self.args
        lines = [
            f"<!-- results: {self.backend} -->",
            f"## {'SQLite' if self.backend == 'sqlite' else 'PostgreSQL'}"
            f" ({self.when:%Y-%m-%d %H:%M} UTC)",
            "",
            f"`{self.command()}`: {a.duration:g} s per endpoint after {a.warmup:g} s of "
            f"warm-up, {a.connections} connections (wrk, 1 thread), gunicorn with 2 sync "
            f"workers, RETRAIN_ENV=production; the run took {self.minutes:.1f} min.",
            f"Load average (1, 5, 15 min) before: {self.load_before}; after: {self.load_after}.",
            "",
            "| | |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v} |" for k, v in self.machine.items()]
        lines += ["", self.clinic_text(), ""]
        lines += [
            "| endpoint | requests/s | p50 ms | p95 ms | p99 ms | p99 / p50 | errors "
            "| ratio to 20-row page | CPU ms in-process | CPU ratio | SQL queries small / large "
            "| statements | targets |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        b1, b2 = self.bare
        lines.append(
            f"| Bare page: Flask + SQLAlchemy + Jinja, 20 rows (before / after the app) "
            f"| {b1.rps:.0f} / {b2.rps:.0f} | {b1.p50_ms:.1f} / {b2.p50_ms:.1f} "
            f"| {b1.p95_ms:.1f} / {b2.p95_ms:.1f} | {b1.p99_ms:.1f} / {b2.p99_ms:.1f} | "
            f"| {b1.errors + b2.errors} | 1 | {self.bare_cpu:.1f} | 1 | 1 / 1 | 1 | |"
        )
        for row in self.rows:
            lines.append(self.row_text(row))
        lines += ["", *self.ceiling_table(), "", self.memory_text(), "", self.start_text(), ""]
        if self.background:
            lines += [self.background, ""]
        lines += self.verdicts()
        lines.append(f"<!-- end: {self.backend} -->")
        return "\n".join(lines)

    def command(self) -> str:
        return "make bench" + (" BENCH_ARGS=--postgres" if self.args.postgres else "")

    def clinic_text(self) -> str:
        m = self.large.manifest
        rows = m["rows"]
        history = m["long_history"]
        seconds = m["seconds"]
        small_rows = self.small.manifest["rows"]
        return (
            f"Clinic `{m['key']}` (made {m['generated_at'][:10]} in {seconds['total']:.0f} s on "
            f"{self.backend}): {m['size']['staff']} staff, {rows['patients']:,} patients, "
            f"{rows['practice_sessions'] + history['sessions']:,} practice sessions "
            f"({rows['practice_items']:,} exercise rows), "
            f"{rows['questionnaire_responses'] + history['saqs']:,} SAQs, "
            f"{rows['injection_visits'] + history['visits']:,} injection visits, "
            f"{rows['snapshots']:,} snapshot records; the 5-year patient has "
            f"{history['sessions']:,} sessions, {history['saqs']} SAQs, "
            f"{history['visits']} cycles. "
            f"Small clinic for the query counts: {small_rows['patients']} patients, "
            f"{small_rows['practice_sessions'] + self.small.manifest['long_history']['sessions']:,}"
            " sessions."
        )

    def target_ratio(self, row: Row) -> float:
        """The throughput the target reads: against the page's own ceiling where it has
        one of more than 20 rows (caseload, review, API progress), else the 20-row page."""
        if row.ceiling is not None and row.size and row.size[0] > 20:
            return row.load.rps / row.ceiling.rps
        return row.load.rps / self.bare_rps

    def misses(self, row: Row) -> list[str]:
        misses = []
        if self.target_ratio(row) < TARGET_RATIO:
            misses.append("throughput")
        if row.load.p99_ms >= TARGET_TAIL * row.load.p50_ms:
            misses.append("tail")
        if row.large and row.large.queries > TARGET_QUERIES:
            misses.append("queries")
        if row in self.grown():
            misses.append("**QUERIES GROW**")
        return misses

    def row_text(self, row: Row) -> str:
        e = row.endpoint
        if row.load is None:
            return f"| {e.label} | | | | | | | | | | | | {row.note} |"
        load, ratio = row.load, row.load.rps / self.bare_rps
        small = row.small.queries if row.small else "?"
        large = row.large.queries if row.large else "?"
        statements = row.large.statements if row.large else "?"
        cpu = row.large.cpu_ms if row.large else 0.0
        cpu_ratio = f"{self.bare_cpu / cpu:.2f}" if cpu else ""
        misses = self.misses(row)
        verdict = "met" if not misses else "missed: " + ", ".join(misses)
        tail = load.p99_ms / load.p50_ms if load.p50_ms else 0.0
        return (
            f"| {e.label} | {load.rps:.1f} | {load.p50_ms:.0f} | {load.p95_ms:.0f} "
            f"| {load.p99_ms:.0f} | {tail:.1f} | {load.errors} | {ratio:.2f} | {cpu:.1f} "
            f"| {cpu_ratio} | {small} / {large} | {statements} | {verdict} |"
        )

    def ceiling_table(self) -> list[str]:
        """Each page against a bare page of its own size (issue 17, part 4)."""
        rows = [r for r in self.rows if r.load and r.ceiling]
        if not rows:
            return []
        lines = [
            "Each page against its own ceiling: the bare page reading the same number of "
            "rows in one query and sending the same number of bytes, loaded right after it "
            "(Today: 20 rows, as the 20-row page, but its own bytes).",
            "",
            "| endpoint | rows, KB | ceiling requests/s | ceiling p50 / p95 / p99 ms "
            "| ceiling errors | page requests/s | ratio to own ceiling | ratio to 20-row page "
            "| CPU ms: page / ceiling | CPU ratio to own ceiling |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            c, load = r.ceiling, r.load
            cpu = r.large.cpu_ms if r.large else 0.0
            cpu_ratio = f"{r.ceiling_cpu / cpu:.2f}" if cpu else ""
            lines.append(
                f"| {r.endpoint.label} | {r.size[0]:,}, {r.size[1] / 1024:.0f} "
                f"| {c.rps:.0f} | {c.p50_ms:.1f} / {c.p95_ms:.1f} / {c.p99_ms:.1f} | {c.errors} "
                f"| {load.rps:.1f} | {load.rps / c.rps:.2f} | {load.rps / self.bare_rps:.2f} "
                f"| {cpu:.1f} / {r.ceiling_cpu:.1f} | {cpu_ratio} |"
            )
        return lines

    def memory_text(self) -> str:
        def text(rss):
            return ", ".join(f"{now:.0f} MB (peak {peak:.0f})" for now, peak in rss)

        worst = max((now for now, _ in self.app_rss), default=0.0)
        verdict = "met" if worst <= TARGET_RSS_MB else "missed"
        return (
            f"Memory per worker after the run (VmRSS from /proc): app {text(self.app_rss)}; "
            f"bare page {text(self.bare_rss)}. Target <= {TARGET_RSS_MB} MB: {verdict}."
        )

    def start_text(self) -> str:
        inner, outer, served = self.start
        verdict = "met" if inner < TARGET_START_S else "missed"
        return (
            f"App start: {inner:.2f} s from `import retrain` to the first response (GET /login "
            f"through the test client in a fresh interpreter, median of 5; {outer:.2f} s with "
            f"the interpreter's own start); gunicorn from spawn until /healthz answered: "
            f"{served:.2f} s. Target < {TARGET_START_S} s: {verdict}."
        )

    def verdicts(self) -> list[str]:
        missed = [r for r in self.rows if r.load and self.target_ratio(r) < TARGET_RATIO]
        tails = [r for r in self.rows if r.load and "tail" in self.misses(r)]
        heavy = [r for r in self.rows if r.large and r.large.queries > TARGET_QUERIES]
        out = []
        if missed:
            out.append(
                f"Below {TARGET_RATIO:.0%} of their ceiling (own size where it has one, "
                "else the 20-row page): " + ", ".join(r.endpoint.label for r in missed) + "."
            )
        if tails:
            out.append(
                f"p99 not under {TARGET_TAIL} x p50: "
                + ", ".join(r.endpoint.label for r in tails)
                + "."
            )
        if heavy:
            out.append(
                f"More than {TARGET_QUERIES} queries: "
                + ", ".join(f"{r.endpoint.label} ({r.large.queries})" for r in heavy)
                + "."
            )
        grown = self.grown()
        if grown:
            out.append(
                "**Queries grow with the data: "
                + ", ".join(r.endpoint.label for r in grown)
                + ".**"
            )
        else:
            out.append("Queries per request are the same on the small and the large clinic.")
        return out + [""]


def write_section(backend: str, text: str) -> None:
    """Replace this database's section of RESULTS.md (the other one is kept)."""
    header = (
        "# Benchmark results\n\n"
        "Written by `make bench` (benchmarks/run.py; SQLite) and "
        "`make bench BENCH_ARGS=--postgres` (PostgreSQL); see benchmarks/README.md for how "
        "each figure is measured and docs/performance.md for what they mean.\n\n"
    )
    current = RESULTS.read_text() if RESULTS.exists() else header
    pattern = re.compile(rf"<!-- results: {backend} -->.*?<!-- end: {backend} -->", re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _: text, current)
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(current)


if __name__ == "__main__":
    sys.exit(main())
