from sqlalchemy import select

from retrain.extensions import db
from retrain.models import CareTeamMember, Invitation, LoginSession, User

from ..conftest import csrf_from, login, post_form


def test_admin_creates_staff_with_single_use_invitation(client, as_user, app):
    as_user("admin")
    response = post_form(
        client,
        "/admin/staff/new",
        {"name": "New Therapist", "email": "New.T@Example.org", "role": "therapist"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/invitation/" in html
    token = html.split("/invitation/")[1].split("<")[0]
    user = db.session.scalar(select(User).where(User.email == "new.t@example.org"))
    assert user is not None and user.role == "therapist" and user.password_hash is None

    invitee = app.test_client()
    page = invitee.get(f"/invitation/{token}")
    assert page.status_code == 200
    response = invitee.post(
        f"/invitation/{token}",
        data={
            "password": "a calm blue lake",
            "confirm": "a calm blue lake",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert invitee.get("/therapist/").status_code == 200
    # Used once: the same link no longer works.
    assert app.test_client().get(f"/invitation/{token}").status_code == 404


def test_duplicate_email_any_case_is_refused(client, as_user, factories):
    as_user("admin")
    factories.make_user("clinician", email="taken@example.org")
    before = db.session.scalar(select(db.func.count(User.id)))
    response = post_form(
        client, "/admin/staff/new", {"name": "X", "email": "TAKEN@example.org", "role": "therapist"}
    )
    assert b"already exists" in response.data
    assert db.session.scalar(select(db.func.count(User.id))) == before


def test_admin_cannot_create_patients(client, as_user):
    as_user("admin")
    response = post_form(
        client, "/admin/staff/new", {"name": "P", "email": "p@example.org", "role": "patient"}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "p@example.org")) is None


def test_deactivation_ends_sessions_and_blocks_login(client, as_user, factories, app):
    as_user("admin")
    staff = factories.make_user("therapist", email="leaving@example.org")
    other = app.test_client()
    login(other, "leaving@example.org")
    assert other.get("/therapist/").status_code == 200

    response = post_form(
        client, f"/admin/accounts/{staff.id}/active", {"active": "0"}, page="/admin/"
    )
    assert response.status_code == 302
    assert other.get("/therapist/").status_code == 302  # logged out
    assert login(app.test_client(), "leaving@example.org").status_code == 200  # refused
    sessions = db.session.scalars(select(LoginSession).where(LoginSession.user_id == staff.id))
    assert all(s.ended_at is not None for s in sessions)


def test_admin_cannot_deactivate_self(client, as_user):
    admin = as_user("admin")
    post_form(client, f"/admin/accounts/{admin.id}/active", {"active": "0"}, page="/admin/")
    assert db.session.get(User, admin.id).active


def test_reinvite_replaces_old_link(client, as_user, factories):
    as_user("admin")
    staff = factories.make_user("clinician", password_hash=None)
    post_form(client, f"/admin/accounts/{staff.id}/invitation", {}, page="/admin/")
    post_form(client, f"/admin/accounts/{staff.id}/invitation", {}, page="/admin/")
    invitations = db.session.scalars(select(Invitation).where(Invitation.user_id == staff.id)).all()
    assert len(invitations) == 2
    assert sum(1 for i in invitations if i.used_at is None) == 1


def test_care_team_add_and_remove(client, as_user, factories):
    as_user("admin")
    therapist = factories.make_user("therapist")
    patient = factories.make_patient()
    response = post_form(
        client, "/admin/care-teams", {"patient_id": patient.id, "staff_id": therapist.id}
    )
    assert response.status_code == 302
    # Adding twice says so and keeps one row.
    response = post_form(
        client, "/admin/care-teams", {"patient_id": patient.id, "staff_id": therapist.id}
    )
    assert b"already on this patient" in response.data
    rows = db.session.scalars(select(CareTeamMember).where(CareTeamMember.patient_id == patient.id))
    assert len(rows.all()) == 1

    response = post_form(
        client,
        f"/admin/care-teams/{patient.id}/remove/{therapist.id}",
        {},
        page="/admin/care-teams",
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(select(CareTeamMember).where(CareTeamMember.patient_id == patient.id))
        is None
    )


def test_care_team_refuses_patient_as_staff(client, as_user, factories):
    as_user("admin")
    patient = factories.make_patient()
    other = factories.make_patient()
    response = post_form(
        client, "/admin/care-teams", {"patient_id": patient.id, "staff_id": other.id}
    )
    assert b"active therapist or clinician" in response.data
    assert db.session.scalar(select(CareTeamMember)) is None


def test_admin_pages_refused_to_other_roles(client, as_user):
    as_user("therapist")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/care-teams").status_code == 403


def test_each_admin_action_is_audited_by_what_it_did(client, as_user, factories):
    from retrain.models import AuditEvent

    admin = as_user("admin")
    therapist = factories.make_user("therapist", password_hash=None)
    patient = factories.make_patient()
    post_form(
        client, "/admin/staff/new", {"name": "N", "email": "n@example.org", "role": "clinician"}
    )
    post_form(client, f"/admin/accounts/{therapist.id}/active", {"active": "0"}, page="/admin/")
    post_form(client, f"/admin/accounts/{therapist.id}/active", {"active": "1"}, page="/admin/")
    post_form(client, f"/admin/accounts/{therapist.id}/invitation", {}, page="/admin/")
    post_form(client, "/admin/care-teams", {"patient_id": patient.id, "staff_id": therapist.id})
    post_form(
        client,
        f"/admin/care-teams/{patient.id}/remove/{therapist.id}",
        {},
        page="/admin/care-teams",
    )
    new = db.session.scalar(select(User).where(User.email == "n@example.org"))
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == admin.id).order_by(AuditEvent.id)
    ).all()
    assert [(r.action, r.patient_id, r.target) for r in rows if r.action != "login"] == [
        ("create_account", None, f"user:{new.id}"),
        ("deactivate_account", None, f"user:{therapist.id}"),
        ("reactivate_account", None, f"user:{therapist.id}"),
        ("new_invitation", None, f"user:{therapist.id}"),
        ("care_team_add", patient.id, f"user:{therapist.id}"),
        ("care_team_remove", patient.id, f"user:{therapist.id}"),
    ]


def test_a_refused_admin_action_changes_nothing_and_records_nothing(client, as_user, factories):
    from retrain.models import AuditEvent

    as_user("admin")
    closed = factories.make_user("clinician", active=False)
    before = db.session.scalar(select(db.func.count(AuditEvent.id)))
    post_form(client, f"/admin/accounts/{closed.id}/invitation", {}, page="/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Reactivate the account before sending a new link." in page
    assert db.session.scalar(select(Invitation).where(Invitation.user_id == closed.id)) is None
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == before


def test_removing_someone_not_on_the_team_is_404(client, as_user, factories):
    as_user("admin")
    therapist = factories.make_user("therapist")
    patient = factories.make_patient()
    response = post_form(
        client,
        f"/admin/care-teams/{patient.id}/remove/{therapist.id}",
        {},
        page="/admin/care-teams",
    )
    assert response.status_code == 404
