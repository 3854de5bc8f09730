"""Fixtures in the flaskr style: app, client, runner, plus login and CSRF helpers.

The schema is built once per test run by the real migrations (so tests run against
what production gets), then copied into each test's own SQLite file.
"""

import re
import shutil

import pytest
from flask.testing import FlaskClient

from retrain import create_app
from retrain.extensions import db

TEST_PASSWORD = "correct horse battery staple"

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST_KIB": 1024, "ARGON2_PARALLELISM": 1}


def make_config(instance, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'retrain.sqlite3'}",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        **FAST_HASHING,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database file at the head migration with the built-in exercises loaded."""
    from flask_migrate import upgrade

    from retrain.services import exercises

    instance = tmp_path_factory.mktemp("template")
    app = create_app(make_config(instance))
    with app.app_context():
        upgrade()
        exercises.sync_builtins()
        db.engine.dispose()
    return instance / "retrain.sqlite3"


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, so its own database session.

    The test's session commits first: that ends its transaction (on SQLite a BEGIN
    IMMEDIATE holds the write lock) and expires its objects, so after the request the
    test reads what the request really stored, not a cached copy.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path, migrated_template):
    shutil.copy(migrated_template, tmp_path / "retrain.sqlite3")
    app = create_app(make_config(tmp_path))
    app.test_client_class = IsolatedClient
    with app.app_context():
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
