"""Fixtures in the flaskr style: app, client, runner, plus login and CSRF helpers.

The schema is built once per test process by the real migrations (so tests run against
what production gets), then copied into each test's own SQLite file; on PostgreSQL each
process (each pytest-xdist worker) has a database of its own, emptied before each test.
"""

import os
import re
import shutil

import pytest
from flask.testing import FlaskClient
from hypothesis import settings

from retrain import create_app
from retrain.extensions import db
from tests import databases

# Which tests run in which pass of make test, and on which pytest-xdist worker.
pytest_plugins = ["tests.passes"]

# For Hypothesis tests without settings of their own (tests/property/ and the schemathesis
# run have theirs): no deadline, as no test times anything and a busy machine must fail
# none; the same examples on every run; no example database written.
settings.register_profile("retrain", deadline=None, derandomize=True, database=None)
settings.load_profile("retrain")

TEST_PASSWORD = "correct horse battery staple"

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST_KIB": 1024, "ARGON2_PARALLELISM": 1}


# Set to a PostgreSQL URL to run the whole suite there (make test does, when a server answers).
BASE_POSTGRES_URL = os.environ.get("RETRAIN_TEST_DATABASE_URL")
# Under pytest-xdist (make test runs two workers) each worker has a database of its own.
POSTGRES_URL = databases.worker_url(BASE_POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER"))
on_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs RETRAIN_TEST_DATABASE_URL")
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite-specific")


def only_in_its_pass(backend: str) -> None:
    """Tests that bring their own database run once: SQLite variants in the SQLite pass
    of `make test`, PostgreSQL variants in the PostgreSQL pass."""
    this_pass = "postgresql" if POSTGRES_URL else "sqlite"
    if backend != this_pass:
        pytest.skip(f"the {backend} variant runs in the {backend} pass of make test")


def make_config(instance, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": POSTGRES_URL or f"sqlite:///{instance / 'retrain.sqlite3'}",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PASSWORD_RESET_RATE_LIMIT": "1000 per minute",
        **FAST_HASHING,
    }
    config.update(overrides)
    return config


# What production needs besides the test settings; config.load refuses to start without
# it. Nothing connects to these hosts when the app starts.
PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "x" * 64,
    "AUDIT_HMAC_KEY": "y" * 64,
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "RATELIMIT_STORAGE_URI": "memory://",
    "MAIL_SMTP_HOST": "smtp.invalid",
    "MAIL_FROM": "Retrain <retrain@clinic.example>",
    "PUBLIC_URL": "https://retrain.clinic.example",
    "VAPID_PRIVATE_KEY": "x" * 43,
    "VAPID_SUBJECT": "mailto:it@clinic.example",
}


@pytest.fixture(scope="session")
def worker_database():
    """Under pytest-xdist on PostgreSQL: this worker's database, made afresh, dropped after."""
    if POSTGRES_URL == BASE_POSTGRES_URL:  # SQLite, or a single process in the given database
        yield
        return
    databases.create_database(POSTGRES_URL)
    yield
    databases.drop_database(POSTGRES_URL)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, worker_database):
    """The database at the head migration with the built-in exercises loaded.

    SQLite: a file that each test copies. PostgreSQL: this process's test database itself,
    emptied of everything first, which each test then empties back to this state.
    """
    from sqlalchemy import text

    from retrain.schema import upgrade
    from retrain.usecases import exercises

    instance = tmp_path_factory.mktemp("template")
    app = create_app(make_config(instance))
    with app.app_context():
        if POSTGRES_URL:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        exercises.sync_builtins()
        db.engine.dispose()
    return instance / "retrain.sqlite3"


def reset_postgres():
    """Back to the migrated state: every table emptied, built-in exercises reloaded."""
    from sqlalchemy import text

    from retrain.usecases import exercises

    # DELETE and a sequence restart, not TRUNCATE ... RESTART IDENTITY: the same empty
    # tables and ids from 1, in 11 ms instead of 95 ms (TRUNCATE replaces every table's
    # files), which is about 80 s over the PostgreSQL pass.
    sequences = db.session.scalars(
        text(
            "SELECT sequence_name FROM information_schema.sequences"
            " WHERE sequence_schema = current_schema()"
        )
    )
    children_first = reversed(db.metadata.sorted_tables)
    deletes = [f'DELETE FROM "{table.name}"' for table in children_first]  # noqa: S608 - ours
    restarts = [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
    db.session.execute(text("; ".join(deletes + restarts)))
    db.session.commit()
    exercises.sync_builtins()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, so its own database session.

    The test's session commits first: that ends its transaction (on SQLite a BEGIN
    IMMEDIATE holds the write lock) and expires its objects, so after the request the
    test reads what the request really stored, not a cached copy.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        kwargs.setdefault("buffered", True)  # streamed bodies are read inside the context
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path, migrated_template):
    if not POSTGRES_URL:
        shutil.copy(migrated_template, tmp_path / "retrain.sqlite3")
    app = create_app(make_config(tmp_path))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if POSTGRES_URL:
            reset_postgres()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def csrf_token(client, url="/login") -> str:
    """The CSRF token a real browser would find on ``url``."""
    return csrf_from(client.get(url).get_data(as_text=True))


def post_form(client, url, data, *, page=None, **kwargs):
    """POST like a browser: read the form page first, send its CSRF token back."""
    data = {**data, "csrf_token": csrf_token(client, page or url)}
    return client.post(url, data=data, **kwargs)


def login(client, email, password=TEST_PASSWORD):
    return post_form(client, "/login", {"email": email, "password": password})


@pytest.fixture
def factories(app):
    from tests import factories as module

    return module


@pytest.fixture
def as_user(client, factories):
    """Log the test client in as a fresh user of ``role``; returns the user."""

    def _as(role, **kwargs):
        user = factories.make_user(role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, "login failed in fixture"
        return user

    return _as
