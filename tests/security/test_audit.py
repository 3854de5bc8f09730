from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import AuditEvent
from retrain.usecases.local_time import patient_today

from ..conftest import csrf_from, login
from ..web.test_injections import new_url, visit_data


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


# What happened, not what was checked (issue 12, part 2) -----------------------------


def rows_of(response_or_call) -> list[tuple]:
    """The audit rows a request wrote: (action, outcome, reason, patient)."""
    before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    response_or_call()
    return [
        (e.action, e.outcome, e.reason, e.patient_id)
        for e in events()
        if e.id > before and e.action != "login"
    ]


@pytest.fixture
def clinic(as_user, factories):
    clinician = as_user("clinician", name="Dr Ada Clin")
    patient = factories.make_patient(care_team=[clinician], name="Pat Palsy")
    return clinician, patient


def test_a_page_view_is_one_view_however_many_checks(client, clinic):
    _, patient = clinic
    assert rows_of(lambda: client.get(f"/patients/{patient.id}")) == [
        ("view", "ok", None, patient.id)
    ]


def test_a_form_display_is_a_view_not_a_write(client, clinic):
    _, patient = clinic
    assert rows_of(lambda: client.get(new_url(patient.id))) == [("view", "ok", None, patient.id)]


def test_a_saved_visit_is_one_write(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=2)
    token = csrf_from(client.get(new_url(patient.id)).get_data(as_text=True))
    data = {**visit_data(day), "csrf_token": token}
    response = []
    rows = rows_of(lambda: response.append(client.post(new_url(patient.id), data=data)))
    assert response[0].status_code == 302
    assert rows == [("record_injection", "saved", None, patient.id)]


def test_a_refused_save_is_a_refusal_with_its_reason(client, clinic):
    _, patient = clinic
    tomorrow = patient_today(patient.id) + timedelta(days=1)
    token = csrf_from(client.get(new_url(patient.id)).get_data(as_text=True))
    data = {**visit_data(tomorrow), "csrf_token": token}
    rows = rows_of(lambda: client.post(new_url(patient.id), data=data))
    assert rows == [("record_injection", "refused", "invalid", patient.id)]


def test_a_save_that_fails_with_an_error_is_still_recorded(client, clinic, monkeypatch):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=2)
    token = csrf_from(client.get(new_url(patient.id)).get_data(as_text=True))

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("retrain.usecases.injections._day_taken", broken_save)
    data = {**visit_data(day), "csrf_token": token}
    rows = rows_of(lambda: client.post(new_url(patient.id), data=data))
    assert rows == [("record_injection", "failed", "error", patient.id)]


def test_another_patients_record_is_a_refusal_even_though_the_request_ends_in_404(
    client, clinic, factories
):
    stranger = factories.make_patient()
    response = []
    rows = rows_of(lambda: response.append(client.get(f"/patients/{stranger.id}")))
    assert response[0].status_code == 404
    assert rows == [("view", "refused", "not_allowed", stranger.id)]


def test_an_export_is_an_export(client, clinic):
    _, patient = clinic
    rows = rows_of(lambda: client.get(f"/patients/{patient.id}/export.csv"))
    assert rows == [("export", "ok", None, patient.id)]


def test_sign_out_is_recorded(client, clinic):
    clinician, _ = clinic
    token = csrf_from(client.get("/today").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    last = events()[-1]
    assert (last.action, last.outcome, last.actor_id) == ("logout", "ok", clinician.id)


def test_a_form_button_that_saves_nothing_is_recorded_as_nothing_saved(client, clinic):
    _, patient = clinic
    data = visit_data(patient_today(patient.id), rows=[("mentalis", "left", "2")])
    del data["submit"]
    token = csrf_from(client.get(new_url(patient.id)).get_data(as_text=True))
    data.update(more_rows="Add a site", csrf_token=token)
    rows = rows_of(lambda: client.post(new_url(patient.id), data=data))
    assert rows == [("record_injection", "unchanged", None, patient.id)]


def test_opening_the_programme_editor_and_saving_is_one_view_and_one_prescribe(
    client, as_user, factories
):
    from ..web.test_programmes import builder_data, edit_url, item, library

    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    (exercise,) = library(1)
    page = []
    assert rows_of(lambda: page.append(client.get(edit_url(patient.id)))) == [
        ("view", "ok", None, patient.id)
    ]
    data = builder_data([item(exercise.id)], starts_on=patient_today(patient.id))
    data["csrf_token"] = csrf_from(page[0].get_data(as_text=True))
    assert rows_of(lambda: client.post(edit_url(patient.id), data=data)) == [
        ("prescribe", "saved", None, patient.id)
    ]
