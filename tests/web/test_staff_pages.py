"""The staff pages: caseload, adding a patient, the patient page, invitation links."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from retrain import formatting
from retrain.extensions import db
from retrain.models import (
    CareTeamMember,
    Exercise,
    Invitation,
    Patient,
    PracticeItem,
    PracticeSession,
    Programme,
    User,
)
from retrain.models.base import utcnow
from retrain.usecases import patients, programmes
from retrain.usecases.local_time import patient_today

from ..conftest import TEST_PASSWORD, csrf_from, post_form


def first_exercise() -> Exercise:
    return db.session.scalar(
        select(Exercise).where(Exercise.retired_at.is_(None)).order_by(Exercise.id)
    )


def prescribe(patient, therapist, *, days_ago=0, reps=10):
    return programmes.save_programme(
        therapist,
        patient.id,
        patient_today(patient.id) - timedelta(days=days_ago),
        [{"exercise_id": first_exercise().id, "reps": reps, "times_per_day": 2}],
    )


def log_session(patient, *, hours_ago=1, note=None, rating=3):
    session = PracticeSession(
        patient_id=patient.id,
        performed_at=utcnow() - timedelta(hours=hours_ago),
        effort=2,
        synkinesis_rating=rating,
        note=note,
        source="form",
        items=[PracticeItem(exercise_id=first_exercise().id, reps_done=10, sets_done=1)],
    )
    db.session.add(session)
    db.session.commit()
    return session


def table_row(html: str, name: str) -> str:
    """The caseload table row that names this patient."""
    rows = [row for row in html.split("<tr>") if f">{name}</a>" in row]
    assert len(rows) == 1, f"no single row for {name}"
    return rows[0].split("</tr>")[0]


def invitation_path(html: str) -> str:
    match = re.search(r'>https?://[^/"<]+(/invitation/[A-Za-z0-9_\-]+)</textarea>', html)
    assert match, "no invitation link on the page"
    return match.group(1)


# Caseload ----------------------------------------------------------------------------------


def test_caseload_lists_only_own_patients_and_flags_three_quiet_days(client, as_user, factories):
    therapist = as_user("therapist")
    quiet = factories.make_patient(care_team=[therapist], name="Quinn Quiet")
    busy = factories.make_patient(care_team=[therapist], name="Bea Busy")
    new = factories.make_patient(care_team=[therapist], name="Nia New")
    stranger = factories.make_patient(
        care_team=[factories.make_user("therapist")], name="Sid Stranger"
    )
    prescribe(quiet, therapist, days_ago=10)
    prescribe(busy, therapist, days_ago=10)
    log_session(busy)

    response = client.get("/therapist/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sid Stranger" not in html and f"/patients/{stranger.id}" not in html
    assert 'class="table-wrap"' in html  # scrolls sideways on a phone
    assert "No session for 3 days" in table_row(html, "Quinn Quiet")
    assert "No session for 3 days" not in table_row(html, "Bea Busy")
    assert "No programme yet" in table_row(html, "Nia New")
    assert f'href="/patients/{new.id}"' in table_row(html, "Nia New")
    assert html.index("Bea Busy") < html.index("Nia New") < html.index("Quinn Quiet")
    assert 'href="/therapist/patients/new"' in html


def test_clinician_caseload_has_its_own_columns(client, as_user, factories):
    clinician = as_user("clinician")
    patient = factories.make_patient(care_team=[clinician], name="Cleo Clinic")
    html = client.get("/clinician/").get_data(as_text=True)
    assert f'href="/patients/{patient.id}/review"' in html and "Adherence, 28 days" in html
    assert "Projected wear-off" in html and "No injection yet" in html
    assert 'href="/clinician/patients/new"' in html


def test_an_empty_caseload_invites_adding_a_patient(client, as_user):
    as_user("therapist")
    html = client.get("/therapist/").get_data(as_text=True)
    assert "No patients on your caseload yet" in html


# Adding a patient --------------------------------------------------------------------------


def test_add_a_patient_and_the_invitation_link_signs_them_in(client, as_user, app):
    therapist = as_user("therapist")
    response = post_form(
        client,
        "/therapist/patients/new",
        {"name": "Pia Palsy", "email": "Pia.Palsy@Example.org", "affected_side": "right"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "works <strong>once</strong> and for <strong>7 days</strong>" in html
    path = invitation_path(html)

    user = db.session.scalar(select(User).where(User.email == "pia.palsy@example.org"))
    assert user.role == "patient" and user.password_hash is None
    assert db.session.get(Patient, user.id).affected_side == "right"
    assert db.session.scalar(
        select(CareTeamMember).where(
            CareTeamMember.patient_id == user.id, CareTeamMember.staff_id == therapist.id
        )
    )

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "Pia Palsy" in page.get_data(as_text=True)
    landed = invitee.post(
        path,
        data={
            "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
        follow_redirects=True,
    )
    assert landed.status_code == 200 and landed.request.path == "/today"
    assert app.test_client().get(path).status_code == 404  # used once


def test_a_clinician_adds_a_patient_too(client, as_user):
    clinician = as_user("clinician")
    response = post_form(
        client,
        "/clinician/patients/new",
        {"name": "Cal Cheek", "email": "cal@example.org", "affected_side": "both"},
    )
    assert response.status_code == 200 and "/invitation/" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "cal@example.org"))
    assert db.session.scalar(
        select(CareTeamMember).where(
            CareTeamMember.patient_id == user.id, CareTeamMember.staff_id == clinician.id
        )
    )


@pytest.mark.parametrize("typed", ["sam@example.org", "SAM@Example.ORG", "  Sam@example.org "])
def test_a_duplicate_email_in_any_case_is_refused_beside_the_field(
    client, as_user, factories, typed
):
    as_user("therapist")
    factories.make_user("clinician", email="sam@example.org")
    before = db.session.scalar(select(func.count(User.id)))
    response = post_form(
        client,
        "/therapist/patients/new",
        {"name": "Sam Again", "email": typed, "affected_side": "left"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "already exists" in html
    assert "/invitation/" not in html
    assert db.session.scalar(select(func.count(User.id))) == before


def test_add_patient_needs_every_field(client, as_user):
    as_user("therapist")
    html = post_form(
        client, "/therapist/patients/new", {"name": "", "email": "x@example.org"}
    ).get_data(as_text=True)
    assert 'id="name-error"' in html and "Choose the affected side." in html
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


# The patient page --------------------------------------------------------------------------


def test_patient_page_shows_programme_history_sessions_and_figures(client, as_user, factories):
    therapist = as_user("therapist", name="Tess Therapist")
    patient = factories.make_patient(care_team=[therapist], name="Pat Patient")
    prescribe(patient, therapist, days_ago=20, reps=8)
    prescribe(patient, therapist, days_ago=0, reps=12)
    log_session(patient, note="My cheek pulled a little.", rating=4)

    response = client.get(f"/patients/{patient.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pat Patient" in html
    assert "Version 2" in html and "Version 1" in html and "in force now" in html
    assert "by Tess Therapist" in html
    assert "My cheek pulled a little." in html and "The patient's notes" in html
    assert "Adherence, 28 days" in html
    assert f'href="/patients/{patient.id}/programme/edit"' in html
    assert "Make a new invitation link" not in html  # this patient has a password


def test_patient_page_puts_the_programme_first_with_one_primary_action(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    prescribe(patient, therapist, days_ago=3)
    log_session(patient, rating=6)
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    main = html[html.index("<main") :]
    assert main.count("button primary") == 1  # "Change programme"
    assert html.index("Current programme") < html.index("Programme history")
    assert html.index("Programme history") < html.index("Session log")
    assert 'id="practice-chart"' in html and "Synkinesis felt (0-10)" in html
    assert "More for this patient" in html


def test_the_session_log_is_paged_by_ten(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    prescribe(patient, therapist, days_ago=30)
    for hours in range(1, 13):
        log_session(patient, hours_ago=hours * 30, note=f"log entry {hours:02d}")
    first = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert first.count("log entry") == 10 and "log entry 01" in first
    assert "12 sessions in all" in first and "Page 1 of 2" in first
    assert f'href="/patients/{patient.id}?log=2#sessions-heading"' in first
    second = client.get(f"/patients/{patient.id}?log=2").get_data(as_text=True)
    assert second.count("log entry") == 2 and "log entry 12" in second
    assert "Last session" in second and "None yet" not in second  # figures stay whole
    assert client.get(f"/patients/{patient.id}?log=99").status_code == 200
    assert client.get(f"/patients/{patient.id}?log=x").status_code == 200


def test_patient_page_loads_with_a_fixed_number_of_queries(app, factories):
    therapist = factories.make_user("therapist")
    small = factories.make_patient(care_team=[therapist])
    large = factories.make_patient(care_team=[therapist])
    prescribe(small, therapist)
    log_session(small)
    for days_ago in (30, 20, 10, 0):
        prescribe(large, therapist, days_ago=days_ago)
    for hours in range(1, 8):
        log_session(large, hours_ago=hours * 5)

    def queries_for(patient):
        patient_id = patient.id
        db.session.expire_all()
        seen = []

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            overview = patients.view_patient(therapist, patient_id, with_chart=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), overview

    small_count, small_view = queries_for(small)
    large_count, large_view = queries_for(large)
    assert len(large_view.history) == 4 and len(large_view.sessions) == 7
    assert small_count == large_count


def test_a_clinician_sees_the_patient_page_read_only(client, as_user, factories):
    therapist = factories.make_user("therapist")
    clinician = as_user("clinician")
    patient = factories.make_patient(care_team=[therapist, clinician], name="Ria Read")
    prescribe(patient, therapist)
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Ria Read" in html and "Version 1" in html
    assert "/programme/edit" not in html and "Change programme" not in html


def test_a_new_invitation_link_replaces_the_old_one(client, as_user, app):
    as_user("therapist")
    first = post_form(
        client,
        "/therapist/patients/new",
        {"name": "Lee Lost", "email": "lee@example.org", "affected_side": "left"},
    ).get_data(as_text=True)
    old_path = invitation_path(first)
    user = db.session.scalar(select(User).where(User.email == "lee@example.org"))

    page = client.get(f"/patients/{user.id}").get_data(as_text=True)
    assert "Has not set a password yet" in page and "Make a new invitation link" in page
    response = post_form(client, f"/patients/{user.id}/invitation", {}, page=f"/patients/{user.id}")
    assert response.status_code == 200
    new_path = invitation_path(response.get_data(as_text=True))
    assert new_path != old_path
    assert app.test_client().get(old_path).status_code == 404
    assert app.test_client().get(new_path).status_code == 200


def test_a_password_reset_is_an_email_and_needs_the_confirmation(client, as_user, factories):
    from retrain.infrastructure import mail

    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])  # has a password
    url = f"/patients/{patient.id}/password-reset"
    refused = post_form(client, url, {}, page=f"/patients/{patient.id}")
    assert refused.status_code == 302
    assert "Tick the box" in client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert mail.sent_messages() == []

    response = post_form(client, url, {"confirm": "y"}, page=f"/patients/{patient.id}")
    assert response.status_code == 302
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "/invitation/" not in page and "/password/reset/" not in page
    assert len(mail.sent_messages()) == 1


# Access ------------------------------------------------------------------------------------


def test_a_patient_off_the_care_team_is_404_everywhere_and_nothing_is_written(
    client, as_user, factories
):
    as_user("therapist")
    other = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[other])
    programmes.save_programme(
        other, patient.id, patient_today(patient.id), [{"exercise_id": first_exercise().id}]
    )
    base = f"/patients/{patient.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/programme/edit").status_code == 404
    data = {
        "starts_on": patient_today(patient.id).isoformat(),
        "items-0-exercise_id": str(first_exercise().id),
        "submit": "y",
    }
    assert post_form(client, f"{base}/programme/edit", data, page="/therapist/").status_code == 404
    assert post_form(client, f"{base}/invitation", {}, page="/therapist/").status_code == 404
    reset = post_form(client, f"{base}/password-reset", {"confirm": "y"}, page="/therapist/")
    assert reset.status_code == 404
    assert db.session.scalar(select(func.count(Programme.id))) == 1
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert client.get("/patients/999999").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/therapist/",
        "/therapist/patients/new",
        "/therapist/templates",
        "/therapist/templates/new",
        "/clinician/",
        "/clinician/patients/new",
        "/patients/{own}",
        "/patients/{own}/programme/edit",
    ],
)
def test_a_patient_gets_403_on_staff_pages(client, as_user, url):
    patient = as_user("patient")
    assert client.get(url.format(own=patient.id)).status_code == 403


def test_a_patient_cannot_post_to_staff_pages(client, as_user):
    patient = as_user("patient")
    response = post_form(
        client,
        "/therapist/patients/new",
        {"name": "X", "email": "x@example.org", "affected_side": "left"},
        page="/today",
    )
    assert response.status_code == 403
    response = post_form(client, f"/patients/{patient.id}/invitation", {}, page="/today")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_a_therapist_cannot_use_the_clinician_pages(client, as_user):
    as_user("therapist")
    assert client.get("/clinician/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/therapist/", "/clinician/", "/patients/1", "/therapist/templates"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# Formatting --------------------------------------------------------------------------------


def test_counts_and_percentages_read_plainly():
    assert formatting.count(14.0) == "14"
    assert formatting.count(10.5) == "10.5"
    assert formatting.count(20 / 7) == "2.9"
    assert formatting.percent(None) == "no figure"
    assert formatting.percent(83.6) == "84 %"
