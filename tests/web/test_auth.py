from sqlalchemy import select

from retrain.extensions import db
from retrain.models import LoginSession

from ..conftest import csrf_token, login, post_form


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data and b'name="password"' in response.data


def test_login_and_logout(client, factories):
    user = factories.make_user("therapist", email="t@example.org")
    response = login(client, "T@Example.org")
    assert response.status_code == 302
    assert client.get("/therapist/").status_code == 200
    response = post_form(client, "/logout", {}, page="/therapist/")
    assert response.status_code == 302
    assert client.get("/therapist/").status_code == 302  # back to login
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None


def test_wrong_password_same_message_as_unknown_account(client, factories):
    factories.make_user("therapist", email="known@example.org")
    wrong = login(client, "known@example.org", "not the password")
    unknown = login(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert b"do not match an active account" in wrong.data
    assert b"do not match an active account" in unknown.data


def test_post_without_csrf_is_refused(client, factories):
    factories.make_user("therapist", email="t@example.org")
    response = client.post("/login", data={"email": "t@example.org", "password": "x" * 10})
    assert response.status_code == 400


def test_cookie_replayed_after_logout_fails(client, factories):
    factories.make_user("patient", email="p@example.org")
    login(client, "p@example.org")
    cookie = client.get_cookie("session").value
    post_form(client, "/logout", {}, page="/today")
    client.set_cookie("session", cookie)
    assert client.get("/today").status_code == 302


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_csrf_token_helper_reads_login(client):
    assert len(csrf_token(client)) > 20
