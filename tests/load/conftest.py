"""Load tests: the real server (gunicorn, 4 worker processes) on SQLite and on PostgreSQL.

The database is migrated by the real deploy commands (`flask db upgrade`, `flask
exercises sync`) in a subprocess, seeded through the app's services, then served by
gunicorn started in its own process group, which is always stopped at the end.
PostgreSQL gets a fresh database per run (CREATE DATABASE retrain_load_<random>),
dropped afterwards; the PostgreSQL run is skipped when no server answers.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrain import create_app
from tests.conftest import make_config, only_in_its_pass

from .databases import fresh_postgres_database
from .seeding import Seed, seed

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKERS = 4
STARTUP_SECONDS = 30


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "load: starts a real gunicorn (4 workers) and fires concurrent clients at it",
    )


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    return shutil.which(name) or pytest.fail(f"{name} is not installed (pip install -e .)")


# The audit chain's key: the servers seal with it, the checker verifies with it.
AUDIT_KEY = secrets.token_hex(32)


def server_environment(instance: Path, database_url: str) -> dict[str, str]:
    """The process environment of `flask` and gunicorn: only our RETRAIN_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRAIN_")}
    env.update(
        RETRAIN_INSTANCE_PATH=str(instance),
        RETRAIN_SECRET_KEY=secrets.token_hex(32),
        RETRAIN_AUDIT_HMAC_KEY=AUDIT_KEY,
        RETRAIN_DATABASE_URL=database_url,
        RETRAIN_ARGON2_TIME_COST="1",
        RETRAIN_ARGON2_MEMORY_COST_KIB="1024",
        RETRAIN_ARGON2_PARALLELISM="1",
        RETRAIN_LOGIN_RATE_LIMIT="10000 per minute",
    )
    return env


def run_flask(env: dict, *args: str) -> None:
    result = subprocess.run(
        [_tool("flask"), "--app", "retrain", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stderr}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def gunicorn(env: dict, folder: Path):
    """gunicorn -w 4 --preload in its own process group, all of it stopped on the way out."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = folder / "gunicorn.log"
    command = [
        _tool("gunicorn"),
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "-c",  # production's settings (docs/deploy.md): the app is created before the fork
        "python:retrain.gunicorn_conf",
        "--access-logfile",
        str(folder / "access.log"),
        "retrain:create_app()",
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers
        )
    try:
        _wait_healthy(base_url, process, log)
        yield Server(base_url, log)
    finally:
        _stop_group(process)


def _wait_healthy(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz in {STARTUP_SECONDS} s:\n{log.read_text()}")


def _stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass(frozen=True)
class LoadTarget:
    backend: str  # "sqlite" or "postgresql"
    database_url: str
    base_url: str
    seed: Seed
    server: Server
    folder: Path

    def app(self):
        """An app of our own on the same database, to seed and to count rows; with the
        servers' audit key and checkpoints, to seal and verify their chain."""
        config = make_config(self.folder / "checker", DATABASE_URL=self.database_url)
        config.update(
            AUDIT_HMAC_KEY=AUDIT_KEY,
            AUDIT_CHECKPOINT_DIR=str(self.folder / "audit-checkpoints"),
        )
        return create_app(config)


@pytest.fixture(params=["sqlite", "postgresql"])
def load_target(request, tmp_path):
    """A migrated, seeded database served by a running gunicorn."""
    only_in_its_pass(request.param)
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
        else:
            url = stack.enter_context(fresh_postgres_database())
        env = server_environment(tmp_path, url)
        run_flask(env, "db", "upgrade")
        run_flask(env, "exercises", "sync")
        seeder = create_app(make_config(tmp_path / "seeder", DATABASE_URL=url))
        people = seed(seeder)
        _dispose(seeder)
        server = stack.enter_context(gunicorn(env, tmp_path))
        yield LoadTarget(request.param, url, server.base_url, people, server, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_app(request, tmp_path):
    """An app of our own on a migrated, seeded database (no server): (app, seed)."""
    from retrain.schema import upgrade

    only_in_its_pass(request.param)

    from retrain.usecases import exercises

    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
        else:
            url = stack.enter_context(fresh_postgres_database())
        app = create_app(make_config(tmp_path, DATABASE_URL=url))
        try:
            with app.app_context():
                upgrade()
                exercises.sync_builtins()
            yield app, seed(app, patient_count=2)
        finally:
            _dispose(app)


def _dispose(app) -> None:
    from retrain.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
