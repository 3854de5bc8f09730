from datetime import timedelta

import pytest
from sqlalchemy import select

from retrain.auth.redirects import safe_next
from retrain.extensions import db
from retrain.models import LoginSession

from ..conftest import login, post_form


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "%252F%252Fevil.example",
        "http:/evil.example",
        "\t//evil.example",
        "",
        None,
    ],
)
def test_unsafe_next_is_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/today", "/patients/3?tab=log", "/history#x"])
def test_local_next_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_login_ignores_foreign_next(client, factories, target):
    factories.make_user("therapist", email="t@example.org")
    response = post_form(
        client,
        f"/login?next={target}",
        {"email": "t@example.org", "password": "correct horse battery staple"},
        page="/login",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_local_next(client, factories):
    factories.make_user("therapist", email="t@example.org")
    response = post_form(
        client,
        "/login?next=/exercises/",
        {"email": "t@example.org", "password": "correct horse battery staple"},
        page="/login",
    )
    assert response.headers["Location"] == "/exercises/"


def test_new_session_key_at_each_login(client, factories):
    user = factories.make_user("therapist", email="t@example.org")
    login(client, "t@example.org")
    client.delete_cookie("session")
    login(client, "t@example.org")
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 2 and rows[0].key_hash != rows[1].key_hash


def test_staff_idle_timeout(client, factories):
    user = factories.make_user("therapist", email="t@example.org")
    login(client, "t@example.org")
    assert client.get("/therapist/").status_code == 200
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
    db.session.commit()
    assert client.get("/therapist/").status_code == 302


def test_staff_absolute_lifetime(client, factories):
    user = factories.make_user("therapist", email="t@example.org")
    login(client, "t@example.org")
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    row.created_at = row.created_at - timedelta(hours=13)
    db.session.commit()
    assert client.get("/therapist/").status_code == 302


def test_password_change_ends_other_sessions(app, factories):
    factories.make_user("therapist", email="t@example.org")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "t@example.org")
    login(laptop, "t@example.org")
    response = post_form(
        laptop,
        "/account/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "a different long phrase",
            "confirm": "a different long phrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/therapist/").status_code == 200
    assert phone.get("/therapist/").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", b"at least 8"), ("password1", b"most common"), ("t@example.org", b"e-mail")],
)
def test_weak_new_password_refused(client, factories, password, message):
    factories.make_user("therapist", email="t@example.org")
    login(client, "t@example.org")
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 200 and message in response.data


def test_security_headers(client, factories):
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    assert "Cookie" in page.headers["Vary"]


def test_error_pages_have_no_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data and b"Traceback" not in response.data


def test_unexpected_error_shows_an_error_id(app, client, factories, caplog):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail")

    factories.make_user("therapist", email="boom@example.org")
    login(client, "boom@example.org")
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret detail" not in html and "Traceback" not in html
    error_id = html.split('class="mono">')[1].split("<")[0]
    assert f"error id {error_id}" in caplog.text


def test_a_nul_character_in_a_form_or_query_is_refused_and_changes_nothing(client, as_user):
    """No keyboard types U+0000 and PostgreSQL cannot store it: 400 before any view runs."""
    from retrain.models import PracticeSession

    as_user("patient")
    form = {"effort": "3", "synkinesis_rating": "4"}
    response = post_form(client, "/session/new", {**form, "note": "Felt\x00fine"})
    assert response.status_code == 400
    assert db.session.scalar(select(PracticeSession)) is None
    assert client.get("/history?page=1\x00").status_code == 400
    # The same form without it is saved: the refusal was the NUL, nothing else.
    assert post_form(client, "/session/new", {**form, "note": "Felt fine"}).status_code == 302
    assert db.session.scalar(select(PracticeSession)).note == "Felt fine"
