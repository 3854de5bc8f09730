"""One-time links (issue 12, finding 4): a link made before an account was closed does
not work again when the account is reopened. (Two redemptions of one link at the same
moment: tests/load/test_invitation_race.py.)"""

from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Invitation, User

from ..conftest import csrf_from, post_form


def _new_staff_link(client) -> tuple[User, str]:
    response = post_form(
        client,
        "/admin/staff/new",
        {"name": "Nia New", "email": "nia@example.org", "role": "therapist"},
    )
    html = response.get_data(as_text=True)
    token = html.split("/invitation/")[1].split('"')[0]
    return db.session.scalar(select(User).where(User.email == "nia@example.org")), token


def _set_active(client, user, active: bool) -> None:
    response = post_form(
        client,
        f"/admin/accounts/{user.id}/active",
        {"active": "1" if active else "0"},
        page="/admin/",
    )
    assert response.status_code == 302


def _redeem(app, token):
    browser = app.test_client()
    page = browser.get(f"/invitation/{token}")
    if page.status_code != 200:
        return page
    return browser.post(
        f"/invitation/{token}",
        data={
            "password": "a calm blue lake",
            "confirm": "a calm blue lake",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )


def test_a_link_made_before_a_deactivation_does_not_work_after_a_reactivation(app, client, as_user):
    as_user("admin")
    staff, token = _new_staff_link(client)
    _set_active(client, staff, False)
    assert app.test_client().get(f"/invitation/{token}").status_code == 404
    _set_active(client, staff, True)

    assert _redeem(app, token).status_code == 404
    assert db.session.get(User, staff.id).password_hash is None
    links = db.session.scalars(select(Invitation).where(Invitation.user_id == staff.id)).all()
    assert [link.used_at is not None for link in links] == [True]

    # A new link made after the reactivation works.
    post_form(client, f"/admin/accounts/{staff.id}/invitation", {}, page="/admin/")
    html = client.get("/admin/").get_data(as_text=True)
    fresh = db.session.scalars(
        select(Invitation).where(Invitation.user_id == staff.id, Invitation.used_at.is_(None))
    ).all()
    assert len(fresh) == 1, html[:200]


def test_a_patients_link_is_void_after_their_account_is_closed_and_reopened(
    app, client, as_user, factories
):
    from retrain.infrastructure import invitations

    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    token = invitations.issue(patient.user, therapist)
    db.session.commit()
    as_user("admin")
    _set_active(client, patient.user, False)
    _set_active(client, patient.user, True)
    assert _redeem(app, token).status_code == 404
    assert db.session.get(User, patient.id).password_hash is not None  # the factory's, unchanged
