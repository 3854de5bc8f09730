"""Login, invitation, token and upload throttling (ASVS 6.1.1, 6.3.1).

The limits are counted in a shared store: Redis when one answers at RETRAIN_TEST_REDIS_URL
(CI sets it), otherwise memory, with a fresh key prefix per test so tests never share
counters.
"""

import os
import uuid

import pytest

from retrain import create_app

from ..conftest import POSTGRES_URL, IsolatedClient, csrf_token, make_config, reset_postgres

REDIS_URL = os.environ.get("RETRAIN_TEST_REDIS_URL")


def redis_answers() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


STORES = ["memory"] + (["redis"] if redis_answers() else [])


@pytest.fixture(params=STORES)
def throttled_app(request, tmp_path, migrated_template, app):
    """The app with a limit of 3 attempts a minute, counted in memory or in Redis."""
    import shutil

    from retrain.extensions import db

    if not POSTGRES_URL:
        shutil.copy(migrated_template, tmp_path / "retrain.sqlite3")
    limited = create_app(
        make_config(
            tmp_path,
            LOGIN_RATE_LIMIT="3 per minute",
            UPLOAD_RATE_LIMIT="2 per minute",
            PASSWORD_RESET_RATE_LIMIT="3 per minute",
            RATELIMIT_STORAGE_URI=REDIS_URL if request.param == "redis" else "memory://",
            RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        )
    )
    limited.test_client_class = IsolatedClient
    with limited.app_context():
        if POSTGRES_URL:
            reset_postgres()
        yield limited
        db.session.remove()


def attempt(client, email, address="10.0.0.1"):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"email": email, "password": "wrong password", "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_login_is_throttled_per_address(throttled_app):
    client = throttled_app.test_client()
    codes = [attempt(client, f"user{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    page = attempt(client, "user9@example.org")
    assert b"Too many attempts" in page.data and b"Traceback" not in page.data


def test_login_is_throttled_per_account_across_addresses(throttled_app):
    client = throttled_app.test_client()
    codes = [attempt(client, "victim@example.org", f"10.0.1.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another account from a fresh address is not affected.
    assert attempt(client, "someone@example.org", "10.0.2.1").status_code == 200


def test_token_endpoint_is_throttled_with_json(throttled_app):
    client = throttled_app.test_client()
    codes = []
    for _ in range(4):
        response = client.post(
            "/api/v1/tokens", json={"email": "x@example.org", "password": "wrong password"}
        )
        codes.append(response.status_code)
    assert codes == [401, 401, 401, 429]
    assert response.is_json and response.json["error"]["code"] == "rate_limited"


def test_invitation_is_throttled(throttled_app):
    client = throttled_app.test_client()
    codes = []
    token = csrf_token(client)
    for _ in range(4):
        codes.append(
            client.post("/invitation/not-a-real-token", data={"csrf_token": token}).status_code
        )
    assert codes[-1] == 429 and 429 not in codes[:3]


def ask_reset(client, email, address="10.0.0.1"):
    token = csrf_token(client, "/password/forgot")
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_password_reset_requests_are_throttled_per_address(throttled_app):
    client = throttled_app.test_client()
    codes = [ask_reset(client, f"user{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    page = ask_reset(client, "user9@example.org")
    assert b"Too many attempts" in page.data and b"Traceback" not in page.data


def test_password_reset_requests_are_throttled_per_account_across_addresses(throttled_app):
    """Nobody can flood one person's mailbox: the e-mail asked for is counted, in any case
    and from any address."""
    from retrain.infrastructure import mail

    from .. import factories

    factories.make_user("patient", email="victim@example.org")
    client = throttled_app.test_client()
    emails = [
        "victim@example.org",
        "VICTIM@example.org ",
        "Victim@Example.org",
        "victim@example.org",
    ]
    codes = [ask_reset(client, e, f"10.0.3.{n}").status_code for n, e in enumerate(emails)]
    assert codes == [200, 200, 200, 429]
    assert len(mail.sent_messages()) == 3
    assert ask_reset(client, "someone@example.org", "10.0.4.1").status_code == 200


def test_uploads_are_throttled_per_account(throttled_app):
    from tests import factories
    from tests.conftest import login, post_form

    patient = factories.make_patient(email="photos@example.org")
    patient.photo_consent_at = patient.user.created_at
    from retrain.extensions import db

    db.session.commit()
    client = throttled_app.test_client()
    login(client, "photos@example.org")
    codes = [
        post_form(
            client, "/snapshots/upload", {"expression": "rest"}, page="/snapshots/capture"
        ).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429 and 429 not in codes[:2]
