"""The audit trail on the critical path (before issue 12) against the sealed-later design.

For each database (SQLite, and PostgreSQL when a server answers at 127.0.0.1:5432) and
each design, on the demo clinic (`flask demo`):

- before: the code of the commit before issue 12's audit work (BEFORE, extracted with
  `git archive` into benchmarks/out/), where every access check appends a chained row
  and commits before the page's work (a global advisory lock on PostgreSQL);
- after: this checkout, where a page view's row is written after the page, unsealed,
  and the sealer (a thread job every 5 s in each worker) chains it under the HMAC key;

it measures with wrk (1 thread) against gunicorn (sync workers, RETRAIN_ENV development
so the thread jobs backend runs the sealer):

- page throughput: GET /today as a patient and GET /patients/<id> as their therapist
  (each an audited view), gunicorn -w2, 8 connections;
- concurrent writers: POST /session/new as a patient (a practice session saved, its
  audit row written), gunicorn -w4, 8 connections;

then, for the new design, seals and verifies the chain (every row in it). Run by
`make bench` after the pages (benchmarks/run.py; AUDIT_BENCH_ARGS passes its options) or
alone:

    .venv/bin/python benchmarks/bench_audit.py [--duration 10] [--rounds 3] [--sqlite-only]
"""

# ruff: noqa: S603, S607 - this script starts gunicorn, wrk, git and flask by fixed paths

import argparse
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import (  # noqa: E402 - after the path is set
    HIGH_LIMIT,
    KEY_MARK,
    OUT,
    PG_SERVER,
    ROOT,
    SECRET,
    VENV_BIN,
    Client,
    Load,
    Request,
    form_fields,
    free_port,
    gunicorn_extra,
    login,
    pg_admin,
    with_cookie,
    write_section,
    wrk,
)

BEFORE = "4dd0a85"  # main before issue 12's audit work
PASSWORD = "retrain-demo"  # noqa: S105 - the demo clinic's (retrain/cli/demo.py)
PATIENT, THERAPIST = "patient@demo.retrain", "therapist@demo.retrain"
CONNECTIONS = 8


def old_tree() -> Path:
    """The code before issue 12's audit work, extracted once."""
    tree = OUT / f"audit-before-{BEFORE}"
    if not (tree / "retrain").exists():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", BEFORE, "retrain", "migrations", "templates", "static"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        vendor = ROOT / "static" / "vendor"  # built assets are not in git
        shutil.copytree(vendor, tree / "static" / "vendor", dirs_exist_ok=True)
    return tree


def environment(url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRAIN_")}
    env.update(
        RETRAIN_DATABASE_URL=url,
        RETRAIN_INSTANCE_PATH=str(instance),
        RETRAIN_SECRET_KEY=SECRET,
        RETRAIN_AUDIT_HMAC_KEY=secrets.token_hex(32),
        RETRAIN_LOGIN_RATE_LIMIT=HIGH_LIMIT,
        RETRAIN_JOBS_BACKEND="thread",
        RETRAIN_MAIL_BACKEND="outbox",
    )
    return env


def flask(tree: Path, env: dict, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "retrain", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 and not check:
        return result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed in {tree}:\n{result.stderr[-2000:]}")
    return result.stdout


class Gunicorn:
    def __init__(self, tree: Path, env: dict, workers: int, log: Path):
        self.port = free_port()
        command = [
            str(VENV_BIN / "gunicorn"),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"),
            *("--error-logfile", str(log), *gunicorn_extra(), "retrain:create_app()"),
        ]
        self.process = subprocess.Popen(
            command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def logged_in(port: int, email: str) -> Client:
    client = Client(port=port)
    login(client, email, PASSWORD)
    return client


def save_request(client: Client) -> Request:
    status, _, body = client.get("/session/new")
    if status != 200:
        raise RuntimeError(f"GET /session/new answered {status}")
    fields = form_fields(body.decode())
    fields.update(effort="3", synkinesis_rating="4", note="", idempotency_key=KEY_MARK)
    fields.update(performed_date="", performed_time="")
    body = urllib.parse.urlencode(fields).encode()
    content = {"Content-Type": "application/x-www-form-urlencoded"}
    return Request("POST", "/session/new", content, body, expect=302, key_mark=True)


def patient_id(port: int) -> int:
    """The demo patient's id, from the therapist's caseload links."""
    client = logged_in(port, THERAPIST)
    _, _, body = client.get("/therapist/")
    return int(re.search(r'href="/patients/(\d+)', body.decode())[1])


def prepare(tree: Path, url: str, folder: Path) -> dict:
    """A fresh database at the tree's head with the demo clinic; the servers' settings."""
    fresh(url)
    shutil.rmtree(folder, ignore_errors=True)  # the instance too: its audit checkpoints
    folder.mkdir(parents=True)
    env = environment(url, folder / "instance")
    flask(tree, env, "db", "upgrade")
    flask(tree, env, "demo")
    return env


# Run in the tree's own folder (so its `retrain` is imported): the statements of one GET
# of each page: how many, how many advisory locks, and where the first write (the audit
# row) comes: before the page's reads, or after them.
COUNTER = """
import json, re, sys
from sqlalchemy import event
from retrain import create_app
from retrain.extensions import db
app = create_app()
seen = []
def record(_c, _cur, statement, *_a):
    seen.append(" ".join(statement.split()).upper())
def login(client, email):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    client.post("/login", data={"email": email, "password": "retrain-demo", "csrf_token": token})
out = {}
for who in ("patient", "therapist"):
    client = app.test_client()
    login(client, who + "@demo.retrain")
    if who == "patient":
        url = "/today"
    else:
        html = client.get("/therapist/").get_data(as_text=True)
        url = "/patients/" + re.search(r'href="/patients/(\\d+)', html)[1]
    client.get(url)
    with app.app_context():
        engine = db.engine
    seen.clear()
    event.listen(engine, "before_cursor_execute", record)
    assert client.get(url).status_code == 200
    event.remove(engine, "before_cursor_execute", record)
    writes = [i for i, s in enumerate(seen) if s.startswith(("INSERT", "UPDATE", "COMMIT"))]
    out[url.split("/")[1]] = {
        "statements": len(seen),
        "advisory locks": sum("PG_ADVISORY" in s for s in seen),
        "first write or commit at": (writes[0] + 1) if writes else None,
    }
print(json.dumps(out))
"""


def statement_counts(tree: Path, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", COUNTER], cwd=tree, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(name: str, tree: Path, env: dict, folder: Path, duration: float) -> dict:
    results = {}
    server = Gunicorn(tree, env, 2, folder / "gunicorn-w2.log")
    try:
        patient = logged_in(server.port, PATIENT)
        therapist = logged_in(server.port, THERAPIST)
        pid = patient_id(server.port)
        pages = {
            "Today (patient), -w2": with_cookie(Request("GET", "/today"), patient),
            "patient page (therapist), -w2": with_cookie(
                Request("GET", f"/patients/{pid}"), therapist
            ),
        }
        for page, request in pages.items():
            wrk(server.port, request, 2, 2, f"audit-{name}-warm")
            results[page] = wrk(server.port, request, duration, CONNECTIONS, f"audit-{name}")
    finally:
        server.stop()
    server = Gunicorn(tree, env, 4, folder / "gunicorn-w4.log")
    try:
        writer = logged_in(server.port, PATIENT)
        request = with_cookie(save_request(writer), writer)
        results["save a session (8 writers), -w4"] = wrk(
            server.port, request, duration, CONNECTIONS, f"audit-{name}-save"
        )
    finally:
        server.stop()
    return results


def databases(sqlite_only: bool):
    yield "SQLite", lambda tag: f"sqlite:///{OUT / f'audit-{tag}.sqlite3'}"
    if sqlite_only:
        return
    try:
        pg_admin("SELECT 1")
    except Exception:  # no server: SQLite only
        return
    yield "PostgreSQL", lambda tag: PG_SERVER + f"retrain_bench_audit_{tag}"


def fresh(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')


VERDICTS: list[str] = []  # `flask audit verify` after each database's runs
COUNTS: list[str] = []  # statements of one request per page and design


def run(duration: float, sqlite_only: bool, rounds: int) -> list[tuple[str, str, str, Load]]:
    """Each database: both designs prepared, then measured in turns (before, after,
    before, after...) so a busy machine weighs on both alike; each figure is the median
    of its rounds by requests per second."""
    rows = []
    designs = (("before", old_tree()), ("after", ROOT))
    for backend, url_for in databases(sqlite_only):
        folders = {name: OUT / f"audit-{backend}-{name}" for name, _ in designs}
        envs = {name: prepare(tree, url_for(name), folders[name]) for name, tree in designs}
        for name, tree in designs:
            counts = statement_counts(tree, envs[name])
            COUNTS.append(f"{backend}, {name}: {json.dumps(counts)}")
            print("  " + COUNTS[-1], flush=True)
        runs: dict[tuple[str, str], list[Load]] = {}
        for round_number in range(rounds):
            for name, tree in designs:
                print(f"audit bench: {backend}, {name}, round {round_number + 1}", flush=True)
                found = measure(name, tree, envs[name], folders[name], duration)
                for what, load in found.items():
                    runs.setdefault((name, what), []).append(load)
                    print(f"  {what}: {load.rps:.1f} req/s, p50 {load.p50_ms:.0f} ms", flush=True)
        chain = flask(ROOT, envs["after"], "audit", "seal")
        chain += flask(ROOT, envs["after"], "audit", "verify", check=False)
        VERDICTS.append(f"{backend}: " + " ".join(chain.split()))
        print("  after: " + VERDICTS[-1], flush=True)
        for (name, what), loads in runs.items():
            rows.append((backend, name, what, sorted(loads, key=lambda x: x.rps)[len(loads) // 2]))
    return sorted(rows, key=lambda row: (row[0], row[2], row[1] != "before"))


def table(rows) -> str:
    lines = [
        "| database | design | what | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for backend, design, what, load in rows:
        lines.append(
            f"| {backend} | {design} | {what} | {load.rps:.0f} | {load.p50_ms:.1f} | "
            f"{load.p95_ms:.1f} | {load.p99_ms:.1f} | {load.errors} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    text = table(run(args.duration, args.sqlite_only, args.rounds))
    print(text)
    if not args.no_write:
        write_section("audit", section(text, args))


def section(text: str, args) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "<!-- results: audit -->",
            f"## The audit trail before and after issue 12 ({when})",
            "",
            "benchmarks/bench_audit.py: the demo clinic; wrk, 1 thread, 8 connections,"
            f" {args.duration:g} s per figure; the median of {args.rounds} rounds taken in"
            " turns (before, after, ...); gunicorn sync workers. *before*: the code of"
            f" {BEFORE} (an audit row chained and committed on every access check, before"
            " the page); *after*: this checkout (one row per page view written after the"
            " page, sealed later). Load average when the table was written:"
            f" {load:.1f} on this machine.",
            "",
            text,
            "",
            "Statements of one request (in-process, after a warm-up request; the first write"
            " or commit is the audit row's):",
            "",
            *(f"- {count}" for count in COUNTS),
            "",
            "Chain after the runs (sealed, then `flask audit verify`):",
            "",
            *(f"- {verdict}" for verdict in VERDICTS),
            "<!-- end: audit -->",
        ]
    )


if __name__ == "__main__":
    main()
