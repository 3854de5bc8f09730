"""Issue 16 part 5: "Forgot your password?" (ASVS 6.3.8, 6.4.1-6.4.3).

A single-use link that runs out, e-mailed to the account's own address; the same answer
whether or not the address has an account; redeeming it ends every other login and API
token. Throttling is in tests/security/test_throttling.py.
"""

import re
from datetime import timedelta

from sqlalchemy import select

from retrain.auth import link_mail
from retrain.extensions import db
from retrain.infrastructure import jobs, mail
from retrain.models import AuditEvent, Invitation, User
from retrain.models.base import utcnow

from ..conftest import TEST_PASSWORD, csrf_from, login, post_form

RESET = re.compile(r"https?://[^/\s]+(/password/reset/[A-Za-z0-9_\-]+)")
NEW_PASSWORD = "a calm blue lake"


def ask(client, email):
    return post_form(client, "/password/forgot", {"email": email})


def reset_path(message) -> str:
    [path] = RESET.findall(message.get_content())
    return path


def set_password(client, path, password=NEW_PASSWORD):
    page = client.get(path)
    if page.status_code != 200:
        return page
    data = {"password": password, "confirm": password}
    return client.post(path, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_the_login_page_offers_it(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in html and "Forgot your password?" in html
    assert client.get("/password/forgot").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, factories):
    factories.make_user("patient", email="known@example.org")
    factories.make_user("therapist", email="closed@example.org", active=False)
    answers = [ask(client, email) for email in ("known@example.org", "nobody@example.org")]
    answers.append(ask(client, "closed@example.org"))
    assert {a.status_code for a in answers} == {200}
    bodies = {a.get_data(as_text=True) for a in answers}
    assert len(bodies) == 1
    assert "If a Retrain account uses that address" in bodies.pop()
    # Only the open account gets a message; the closed one gets none.
    assert [m["To"] for m in mail.sent_messages()] == ["known@example.org"]


def test_the_request_does_the_same_work_for_every_address(client, factories, monkeypatch):
    """The request only queues a job with the typed address (the lookup is the job's),
    so neither its answer nor its timing depends on whether the account exists."""
    factories.make_user("patient", email="known@example.org")
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args: queued.append((func, args)))
    for email in ("known@example.org", "nobody@example.org"):
        ask(client, email)
    assert queued == [
        (link_mail.send_for_address, ("known@example.org",)),
        (link_mail.send_for_address, ("nobody@example.org",)),
    ]
    assert db.session.scalar(select(Invitation.id)) is None


def test_the_link_sets_a_new_password_once_and_ends_other_logins(client, factories, app):
    user = factories.make_user("patient", email="pat@example.org")
    other_device = app.test_client()
    assert login(other_device, "pat@example.org").status_code == 302
    token = app.test_client().post(
        "/api/v1/tokens", json={"email": "pat@example.org", "password": TEST_PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {token.json['token']}"}
    assert client.get("/api/v1/patients/me/progress", headers=bearer).status_code == 200

    ask(client, "PAT@example.org ")
    [message] = mail.sent_messages()
    assert message["Subject"] == "Set a new password for Retrain"
    path = reset_path(message)
    browser = app.test_client()
    assert "Set a new password" in browser.get(path).get_data(as_text=True)
    done = set_password(browser, path)
    assert done.status_code == 302
    assert browser.get("/today").status_code == 200  # logged in with the new password

    assert other_device.get("/today").status_code == 302  # sent to log in again
    assert client.get("/api/v1/patients/me/progress", headers=bearer).status_code == 401
    assert login(app.test_client(), "pat@example.org", NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), "pat@example.org").status_code == 200  # old one refused

    again = set_password(app.test_client(), path, "another calm lake")
    assert again.status_code == 404
    html = again.get_data(as_text=True)
    assert "This link no longer works" in html and 'href="/password/forgot"' in html
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target == f"user:{user.id}")
    ).all()
    assert "password_reset_email" in actions
    assert "reset_password" in db.session.scalars(select(AuditEvent.action)).all()


def test_the_link_runs_out(client, factories, app):
    factories.make_user("patient", email="pat@example.org")
    ask(client, "pat@example.org")
    invitation = db.session.scalar(select(Invitation))
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(minutes=59) < lifetime <= timedelta(minutes=61)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = set_password(app.test_client(), reset_path(mail.sent_messages()[0]))
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash).where(User.email == "pat@example.org"))


def test_only_the_newest_link_works(client, factories, app):
    factories.make_user("patient", email="pat@example.org")
    ask(client, "pat@example.org")
    ask(client, "pat@example.org")
    first, second = (reset_path(m) for m in mail.sent_messages())
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_a_closed_account_gets_no_mail_and_its_old_link_stops(client, factories, app):
    user = factories.make_user("patient", email="pat@example.org")
    ask(client, "pat@example.org")
    path = reset_path(mail.sent_messages()[0])
    db.session.get(User, user.id).active = False
    db.session.commit()
    ask(client, "pat@example.org")
    assert len(mail.sent_messages()) == 1
    assert set_password(app.test_client(), path).status_code == 404


def test_bad_addresses_get_a_clear_message_and_nothing_is_sent(client):
    for email in ("", "not an address", "x" * 300 + "@example.org"):
        response = ask(client, email)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Check your e-mail" in html or "Enter" in html or "at most 254 characters" in html
    # A NUL character is refused for every form of the app, before the view (security.py).
    assert ask(client, "a\x00b@example.org").status_code == 400
    assert mail.sent_messages() == []
    assert "Enter your e-mail address." in ask(client, "").get_data(as_text=True)


def test_a_new_password_must_still_be_a_good_one(client, factories, app):
    factories.make_user("patient", email="pat@example.org")
    ask(client, "pat@example.org")
    path = reset_path(mail.sent_messages()[0])
    browser = app.test_client()
    response = set_password(browser, path, "password")
    assert response.status_code == 200
    assert browser.get(path).status_code == 200  # a refused password does not use the link


def test_changing_the_password_voids_a_pending_reset_link(client, factories, app):
    factories.make_user("patient", email="pat@example.org")
    ask(client, "pat@example.org")
    path = reset_path(mail.sent_messages()[0])
    browser = app.test_client()
    login(browser, "pat@example.org")
    changed = post_form(
        browser,
        "/account/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert app.test_client().get(path).status_code == 404
