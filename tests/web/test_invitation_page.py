"""Issue 16 part 3: the invitation page: the whole link, a copy button, a QR code, "Send
by e-mail", and "Write their programme" as the next step. The QR code is decoded in the
browser test (tests/e2e/test_invitation_page.py)."""

import re

from sqlalchemy import select

from retrain.extensions import db
from retrain.infrastructure import mail
from retrain.models import AuditEvent, User

from ..conftest import csrf_from, post_form

LINK = re.compile(r">(https?://[^<\s]+/invitation/([A-Za-z0-9_\-]+))</textarea>")


def add_patient(client, name="Lee Lost", email="lee@example.org", role="therapist"):
    response = post_form(
        client,
        f"/{role}/patients/new",
        {"name": name, "email": email, "affected_side": "left"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link, token = LINK.search(html).groups()
    user = db.session.scalar(select(User).where(User.email == email))
    return html, link, token, user


def test_the_page_offers_copy_qr_email_and_the_programme_next(client, as_user):
    as_user("therapist")
    html, link, token, user = add_patient(client)
    assert "Lee Lost is added" in html
    assert 'data-copy-from="invitation-link"' in html and "js/copy-link.js" in html
    assert "<script>" not in html.replace("<script src=", "")  # no inline script
    assert 'class="qr-code"' in html and "<title>QR code of Lee Lost" in html
    assert f'name="token" value="{token}"' in html and "Send by e-mail" in html
    assert "lee@example.org" in html
    primary = re.search(r'<a class="button primary" href="([^"]+)">([^<]+)</a>', html)
    assert primary.groups() == (f"/patients/{user.id}/programme/edit", "Write their programme")
    assert mail.sent_messages() == []  # nothing is sent until asked


def test_a_clinician_is_led_to_the_patient_page_instead(client, as_user):
    as_user("clinician")
    html, _link, _token, user = add_patient(client, role="clinician")
    assert "Write their programme" not in html
    primary = re.search(r'<a class="button primary" href="([^"]+)">', html)
    assert primary.group(1) == f"/patients/{user.id}"


def test_send_by_email_sends_the_link_to_the_patient_only(client, as_user):
    therapist = as_user("therapist", name="Tess Therapist")
    html, link, token, user = add_patient(client)
    response = client.post(
        f"/patients/{user.id}/invitation/email",
        data={"csrf_token": csrf_from(html), "token": token, "new": "1"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The link is on its way to lee@example.org." in page
    assert LINK.search(page).group(1) == link and "Lee Lost is added" in page
    [message] = mail.sent_messages()
    assert message["To"] == "lee@example.org"
    body = message.get_content()
    assert link in body and "Tess Therapist" in body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email_invitation"))
    assert (event.actor_id, event.patient_id) == (therapist.id, user.id)


def test_a_link_is_sent_only_to_its_own_patient_and_only_while_it_works(client, as_user):
    as_user("therapist")
    html, _, token_a, patient_a = add_patient(client)
    _, _, token_b, patient_b = add_patient(client, "Bo Other", "bo@example.org")
    csrf = csrf_from(html)
    for patient_id, token in (
        (patient_b.id, token_a),  # another patient's link
        (patient_a.id, "not-a-token"),
        (patient_a.id, ""),
        (patient_a.id, "x" * 5000),
    ):
        response = client.post(
            f"/patients/{patient_id}/invitation/email", data={"csrf_token": csrf, "token": token}
        )
        assert response.status_code == 302
        assert "no longer works" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.get(User, patient_a.id).password_hash = "set"
    db.session.commit()
    response = client.post(
        f"/patients/{patient_a.id}/invitation/email", data={"csrf_token": csrf, "token": token_a}
    )
    assert response.status_code == 302
    assert mail.sent_messages() == []


def test_off_the_care_team_it_is_404_and_nothing_is_sent(client, as_user, factories, app):
    as_user("therapist")
    html, _, token, user = add_patient(client)
    other = app.test_client()
    stranger = factories.make_user("therapist")
    from ..conftest import login

    login(other, stranger.email)
    csrf = csrf_from(other.get("/therapist/").get_data(as_text=True))
    response = other.post(
        f"/patients/{user.id}/invitation/email", data={"csrf_token": csrf, "token": token}
    )
    assert response.status_code == 404
    assert mail.sent_messages() == []
