"""Two app servers behind one address (docs/deploy.md, "More than one app server").

Two gunicorn instances (4 workers each, --preload) on different ports, each with its own
instance folder, share PostgreSQL, Redis and one photo folder (SNAPSHOT_FOLDER, as an
NFS mount would be). Then:
- a login made on one server is good on the other (the login row is in PostgreSQL and
  both have the same secret key);
- failed logins are counted once across both (Flask-Limiter's storage is Redis): the
  limit's worth of attempts spread over both servers, and the next is refused;
- jobs queued once run once, with two workers taking from the same queue;
- a photo uploaded through one server is served, the same bytes, by the other;
- each server's /metrics adds up all of its worker processes (multiprocess mode).
PostgreSQL and Redis only: SQLite is the single-server database.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from retrain import create_app
from retrain.extensions import db
from tests.conftest import make_config, only_in_its_pass
from tests.infrastructure.test_jobs_rq import REDIS_URL, redis_answers

from .browser import Browser, form_with
from .conftest import _dispose, _tool, gunicorn, run_flask, server_environment
from .databases import fresh_postgres_database
from .seeding import PASSWORD, seed

pytestmark = pytest.mark.load

LIMIT = 4  # failed logins per minute (per address and per account)
PINGS = 6
TOKEN = "metrics-" + secrets.token_hex(8)


def _environments(tmp_path: Path, url: str) -> tuple[dict, dict]:
    shared = server_environment(tmp_path / "a", url)
    shared.update(
        RETRAIN_REDIS_URL=REDIS_URL,
        RETRAIN_JOBS_BACKEND="rq",
        RETRAIN_JOBS_QUEUE=f"two-servers-{uuid.uuid4().hex[:8]}",
        RETRAIN_RATELIMIT_KEY_PREFIX=f"two-servers-{uuid.uuid4().hex[:8]}",
        RETRAIN_LOGIN_RATE_LIMIT=f"{LIMIT} per minute",
        RETRAIN_SNAPSHOT_FOLDER=str(tmp_path / "shared-photos"),
        RETRAIN_METRICS_TOKEN=TOKEN,
    )
    envs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        (folder / "prometheus").mkdir(parents=True)
        envs.append(
            {
                **shared,
                "RETRAIN_INSTANCE_PATH": str(folder),
                "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
            }
        )
    return envs[0], envs[1]


def _login(browser: Browser, email: str, password: str):
    form = form_with(browser.get("/login").text, "password")
    return browser.post("/login", form.fill({"email": email, "password": password}))


def _upload(browser: Browser, data: bytes) -> int:
    """POST a photo as the capture page does (multipart, JSON answer); its snapshot id."""
    token = form_with(browser.get("/snapshots").text, "csrf_token")
    csrf = dict(token.fill())["csrf_token"]
    boundary = uuid.uuid4().hex
    parts = [
        *(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in (("csrf_token", csrf), ("expression", "rest"), ("mirrored", "false"))
        ),
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="face.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=60)
    try:
        connection.request(
            "POST",
            "/snapshots/upload",
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Accept": "application/json",
                "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
            },
        )
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    assert answer.status == 200, body[:300]
    return json.loads(body)["snapshot_id"]


def _get_bytes(browser: Browser, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=30)
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        connection.request("GET", path, headers={"Cookie": cookie})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _scrape(base_url: str) -> str:
    browser = Browser(base_url)
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=30)
    try:
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        answer = connection.getresponse()
        assert answer.status == 200
        return answer.read().decode()
    finally:
        connection.close()


def _count(text: str, endpoint: str) -> float:
    pattern = re.compile(
        r'^retrain_request_seconds_count\{[^}]*endpoint="'
        + re.escape(endpoint)
        + r'"[^}]*\} (\S+)',
        re.M,
    )
    return sum(float(v) for v in pattern.findall(text))


def _workers_at_once(env_a: dict, env_b: dict) -> None:
    """Two job workers (one per server's folder) emptying the same queue together."""
    command = [_tool("flask"), "--app", "retrain", "jobs", "worker", "--burst"]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        for env in (env_a, env_b)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]


def _forget(env: dict) -> None:
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    for prefix in (env["RETRAIN_JOBS_QUEUE"], env["RETRAIN_RATELIMIT_KEY_PREFIX"]):
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)


@pytest.fixture
def two_servers(tmp_path):
    only_in_its_pass("postgresql")
    if not redis_answers():
        pytest.skip(f"no Redis answers at RETRAIN_TEST_REDIS_URL={REDIS_URL}")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database("two"))
        env_a, env_b = _environments(tmp_path, url)
        stack.callback(_forget, env_a)
        run_flask(env_a, "db", "upgrade")
        run_flask(env_a, "exercises", "sync")
        seeder = create_app(make_config(tmp_path / "seeder", DATABASE_URL=url))
        people = seed(seeder, patient_count=1)
        with seeder.app_context():
            from retrain.models import User
            from retrain.usecases import snapshots

            patient = db.session.get(User, people.patients[0].id)
            snapshots.give_consent(patient, patient.id)
            db.session.commit()
        _dispose(seeder)
        server_a = stack.enter_context(gunicorn(env_a, tmp_path / "a"))
        server_b = stack.enter_context(gunicorn(env_b, tmp_path / "b"))
        yield server_a, server_b, env_a, env_b, people


def test_two_servers_serve_the_same_users_consistently(two_servers):
    from matplotlib import cbook

    server_a, server_b, env_a, env_b, people = two_servers
    patient = people.patients[0]

    # Log in on A, continue on B with the same cookie.
    on_a = Browser(server_a.base_url)
    assert _login(on_a, patient.email, PASSWORD).status == 302
    on_b = Browser(server_b.base_url)
    on_b.cookies = dict(on_a.cookies)
    todays = 6
    for _ in range(todays):
        page = on_b.get("/today")
        assert page.status == 200, f"B did not know A's login: {page.status} {page.location}"

    # Failed logins spread over both servers are counted once (the valid login counted too).
    answers = []
    for attempt in range(LIMIT):
        browser = Browser((server_a if attempt % 2 else server_b).base_url)
        answers.append(_login(browser, people.therapist.email, "not the password").status)
    assert answers == [200] * (LIMIT - 1) + [429], answers

    # A photo uploaded through A is served by B.
    face = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()
    snapshot_id = _upload(on_a, face)
    status_a, stored_a = _get_bytes(on_a, f"/snapshots/{snapshot_id}/image")
    status_b, stored_b = _get_bytes(on_b, f"/snapshots/{snapshot_id}/image")
    assert (status_a, status_b) == (200, 200)
    assert stored_b == stored_a and stored_b[:2] == b"\xff\xd8"

    # Jobs queued once run once, with a worker beside each server.
    names = [f"two-{n}" for n in range(PINGS)]
    for name in names:
        run_flask(env_a if names.index(name) % 2 else env_b, "jobs", "ping", "--name", name)
    _workers_at_once(env_a, env_b)
    runs = dict.fromkeys(names, 0)
    for env in (env_a, env_b):
        for name in names:
            log = Path(env["RETRAIN_INSTANCE_PATH"]) / "jobs" / f"{name}.log"
            if log.exists():
                runs[name] += len(log.read_text().splitlines())
    assert runs == dict.fromkeys(names, 1), runs

    # Each server's metrics add up its 4 worker processes.
    assert _count(_scrape(server_b.base_url), "patient.today") == todays
    assert _count(_scrape(server_a.base_url), "patient.today") == 0
    assert "Traceback" not in server_a.log_text() + server_b.log_text()
    assert os.listdir(env_b["PROMETHEUS_MULTIPROC_DIR"])  # the workers' files
