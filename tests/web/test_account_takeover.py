"""Issue 12, finding 1: nobody but the account's owner can set its password.

An admin or a care-team member used to get a working "new link" for an account that
already had a password: opening it set a new password and logged them in as that person.
Now a link is shown only for a first invitation (no password yet) and never to an admin
for a patient; a forgotten password is reset by an e-mail to the account's own address.
"""

import re

from sqlalchemy import func, select

from retrain.extensions import db
from retrain.infrastructure import mail
from retrain.models import AuditEvent, Invitation, User

from ..conftest import csrf_from, login, post_form

# A password reset e-mail on the patient's "who opened my record", in their words.
RESET_LINE = (
    '<td data-label="What">sent you an e-mail to set a new password</td>'
    '<td data-label="Why">Running your account</td>'
)
LINK = re.compile(r"https?://[^/\"\s]+(/(?:invitation|password/reset)/[A-Za-z0-9_\-]+)")


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


def invitations() -> int:
    return db.session.scalar(select(func.count(Invitation.id)))


def password_of(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


# Admins -----------------------------------------------------------------------------------


def test_an_admin_cannot_make_a_link_for_an_account_with_a_password(client, as_user, factories):
    as_user("admin")
    patient = factories.make_patient()
    therapist = factories.make_user("therapist")
    for user in (patient.user, therapist):
        before = password_of(user.id)
        response = post_form(client, f"/admin/accounts/{user.id}/invitation", {}, page="/admin/")
        assert response.status_code == 302
        page = client.get("/admin/").get_data(as_text=True)
        assert "has already set a password" in page
        assert links_in(page) == []
        assert password_of(user.id) == before
    assert invitations() == 0
    assert mail.sent_messages() == []


def test_an_admin_is_never_shown_a_link_for_a_patient(client, as_user, factories):
    as_user("admin")
    patient = factories.make_patient(password_hash=None)  # invited, no password yet
    response = post_form(client, f"/admin/accounts/{patient.id}/invitation", {}, page="/admin/")
    assert response.status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert "their therapist or clinician" in page
    assert links_in(page) == [] and invitations() == 0


def test_an_admin_still_invites_staff_who_have_no_password(client, as_user, factories):
    as_user("admin")
    staff = factories.make_user("clinician", password_hash=None)
    response = post_form(client, f"/admin/accounts/{staff.id}/invitation", {}, page="/admin/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(links_in(html)) == 1
    assert 'class="qr-code"' in html and 'data-copy-from="invitation-link"' in html


def test_an_admin_sends_a_reset_email_to_the_account_owner(client, as_user, factories, app):
    admin = as_user("admin")
    patient = factories.make_patient()
    before = password_of(patient.id)
    response = post_form(client, f"/admin/accounts/{patient.id}/password-reset", {}, page="/admin/")
    assert response.status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert "sent to" in page and links_in(page) == []
    [message] = mail.sent_messages()
    assert message["To"] == patient.user.email
    assert password_of(patient.id) == before
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
    ).all()
    assert "password_reset_email" in actions
    # The patient sees it, in words, as the running of their account.
    patient_client = app.test_client()
    login(patient_client, patient.user.email)
    mine = patient_client.get("/my-data").get_data(as_text=True)
    assert f'{admin.name} <span class="muted">(clinic administrator)' in mine
    assert RESET_LINE in mine


# Care-team staff ---------------------------------------------------------------------------


def test_staff_no_longer_get_a_reset_link_that_logs_them_in(client, as_user, factories, app):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])  # has a password
    before = password_of(patient.id)
    url = f"/patients/{patient.id}/invitation"
    # The old way: the confirmation box on the invitation endpoint made a working link.
    response = post_form(client, url, {"confirm": "y"}, page=f"/patients/{patient.id}")
    assert response.status_code == 302
    assert links_in(client.get(f"/patients/{patient.id}").get_data(as_text=True)) == []
    assert invitations() == 0 and password_of(patient.id) == before


def test_staff_trigger_a_reset_email_that_the_patient_can_see(client, as_user, factories, app):
    therapist = as_user("therapist", name="Tess Therapist")
    patient = factories.make_patient(care_team=[therapist])
    before = password_of(patient.id)
    url = f"/patients/{patient.id}/password-reset"
    refused = post_form(client, url, {}, page=f"/patients/{patient.id}")  # box not ticked
    assert refused.status_code == 302 and mail.sent_messages() == []

    response = post_form(client, url, {"confirm": "y"}, page=f"/patients/{patient.id}")
    assert response.status_code == 302
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "e-mail" in page and links_in(page) == []
    minutes = app.config["PASSWORD_RESET_VALID_MINUTES"]
    assert f"It works once, for {minutes} minutes." in page  # the flash, and the e-mail:
    assert password_of(patient.id) == before
    [message] = mail.sent_messages()
    assert f"{minutes} minutes" in message.get_content()
    assert message["To"] == patient.user.email
    [path] = links_in(message.get_content())

    # The patient sees who did it on "who opened my record" (not only their page views) ...
    patient_client = app.test_client()
    login(patient_client, patient.user.email)
    mine = patient_client.get("/my-data").get_data(as_text=True)
    assert "Tess Therapist" in mine and RESET_LINE in mine
    # ... and the link is theirs: it sets their new password.
    form = app.test_client()
    page = form.get(path)
    assert page.status_code == 200
    done = form.post(
        path,
        data={
            "password": "a calm blue lake",
            "confirm": "a calm blue lake",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert done.status_code == 302
    assert password_of(patient.id) != before


def test_the_first_invitation_keeps_its_link_until_a_password_is_set(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist], password_hash=None)
    url = f"/patients/{patient.id}/invitation"
    response = post_form(client, url, {}, page=f"/patients/{patient.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(links_in(html)) == 1
    assert 'class="qr-code"' in html and 'data-copy-from="invitation-link"' in html

    db.session.get(User, patient.id).password_hash = "set"
    db.session.commit()
    refused = post_form(client, url, {}, page=f"/patients/{patient.id}")
    assert refused.status_code == 302
    assert invitations() == 1


def test_a_reset_email_is_refused_off_the_care_team(client, as_user, factories):
    as_user("therapist")
    other = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[other])
    url = f"/patients/{patient.id}/password-reset"
    response = post_form(client, url, {"confirm": "y"}, page="/therapist/")
    assert response.status_code == 404
    assert mail.sent_messages() == [] and invitations() == 0
