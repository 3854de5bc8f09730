from sqlalchemy import select

from retrain.extensions import db
from retrain.models import AuditEvent

from ..conftest import login


def events():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def test_logins_are_recorded_without_the_email_tried(client, factories):
    user = factories.make_user("therapist", email="t@example.org")
    login(client, "t@example.org", "wrong password here")
    login(client, "t@example.org")
    rows = events()
    assert [(e.action, e.outcome, e.actor_id) for e in rows] == [
        ("login", "refused", None),
        ("login", "ok", user.id),
    ]
    assert all("t@example.org" not in (e.target or "") for e in rows)


def test_role_refusal_is_recorded(client, as_user):
    patient = as_user("patient")
    assert client.get("/admin/").status_code == 403
    last = events()[-1]
    assert (last.action, last.outcome, last.actor_id, last.target) == (
        "enter_section",
        "refused",
        patient.id,
        "admin.accounts_list",
    )


def test_every_response_has_a_request_id(client):
    assert len(client.get("/login").headers["X-Request-ID"]) == 32
