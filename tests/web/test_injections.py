"""Injection visits: who may record them, the rules of a visit, edits with history."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from retrain.errors import Conflict
from retrain.extensions import db
from retrain.models import InjectionSite, InjectionVisit, InjectionVisitRevision
from retrain.usecases import injections
from retrain.usecases.local_time import patient_today

from ..conftest import csrf_from, post_form


def sites_data(*rows):
    """Form fields for site rows: (muscle, side, units)."""
    data = {}
    for index, (muscle, side, units) in enumerate(rows):
        data[f"sites-{index}-muscle"] = muscle
        data[f"sites-{index}-side"] = side
        data[f"sites-{index}-units"] = units
    return data


def visit_data(
    day, product="onabotulinumtoxinA", rows=(("orbicularis oculi", "left", "5"),), **extra
):
    return {
        "injected_on": day.isoformat(),
        "product": product,
        **sites_data(*rows),
        "note": "",
        "submit": "1",
        **extra,
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clinic(as_user, factories):
    """A logged-in clinician and a patient on their care team."""
    clinician = as_user("clinician", name="Dr Ada Clin")
    patient = factories.make_patient(care_team=[clinician], name="Pat Palsy")
    return clinician, patient


def new_url(patient_id):
    return f"/patients/{patient_id}/injections/new"


def test_clinician_records_a_visit_with_its_sites(client, clinic):
    _, patient = clinic
    today = patient_today(patient.id)
    response = post_form(
        client,
        new_url(patient.id),
        visit_data(
            today - timedelta(days=3),
            rows=[
                ("orbicularis oculi", "left", "5"),
                ("mentalis", "right", "2,5"),  # a decimal comma is accepted
                ("", "", ""),  # a blank row is ignored
            ],
            note="Titrating: less in the eye next time if the lid droops.",
        ),
    )
    assert response.status_code == 302
    visit = db.session.scalar(select(InjectionVisit).where(InjectionVisit.patient_id == patient.id))
    assert visit.injected_on == today - timedelta(days=3)
    assert visit.product == "onabotulinumtoxinA"
    assert [(s.muscle, s.side, s.units) for s in visit.sites] == [
        ("orbicularis oculi", "left", 5.0),
        ("mentalis", "right", 2.5),
    ]
    assert response.headers["Location"].endswith(f"/patients/{patient.id}/injections/{visit.id}")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Injection map" in page and "orbicularis oculi" in page and "7.5 U in all" in page
    assert "Recorded by Dr Ada Clin" in page


def test_visit_page_draws_the_face_with_units_and_sides(client, clinic):
    clinician, patient = clinic
    visit = injections.create_visit(
        clinician,
        patient.id,
        injected_on=patient_today(patient.id) - timedelta(days=1),
        product="incobotulinumtoxinA",
        sites=[
            {"muscle": "orbicularis oculi", "side": "left", "units": "4"},
            {"muscle": "platysma", "side": "right", "units": "6"},
        ],
        today=patient_today(patient.id),
    )
    html = client.get(f"/patients/{patient.id}/injections/{visit.id}").get_data(as_text=True)
    start = html.index("<svg")
    svg = html[start : html.index("</svg>", start) + len("</svg>")]
    root = ElementTree.fromstring(svg)  # noqa: S314 - markup the app itself made
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text.startswith("Injection map")
    assert "left 4 U" in root.find("s:desc", ns).text
    labels = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Patient's right", "Patient's left", "4", "6"} <= labels
    # The subject's left is on the viewer's right: the left orbicularis dot is right of centre.
    sites = {
        g.find("s:title", ns).text: float(g.find("s:circle", ns).get("cx"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "face-site"
    }
    assert sites["orbicularis oculi, left: 4 U"] > 160 > sites["platysma, right: 6 U"]
    assert "style=" not in svg


def test_future_date_is_refused_and_nothing_saved(client, clinic):
    _, patient = clinic
    tomorrow = patient_today(patient.id) + timedelta(days=1)
    response = post_form(client, new_url(patient.id), visit_data(tomorrow))
    assert response.status_code == 200
    assert "cannot be in the future" in response.get_data(as_text=True)
    assert count(InjectionVisit) == 0


def test_bad_site_rows_get_messages_beside_them(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=1)
    response = post_form(
        client,
        new_url(patient.id),
        visit_data(
            day,
            rows=[
                ("orbicularis oculi", "left", "0"),
                ("mentalis", "", "2"),
                ("not a muscle", "left", "2"),
                ("platysma", "left", "lots"),
            ],
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Units must be more than 0." in html
    assert "Choose the side: left or right." in html
    assert "Choose a muscle from the list." in html
    assert "Enter the units as a number" in html
    assert 'id="sites-0-units-error"' in html
    assert count(InjectionVisit) == 0 and count(InjectionSite) == 0


def test_a_visit_needs_a_site_and_a_product(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=1)
    response = post_form(client, new_url(patient.id), visit_data(day, product="", rows=[]))
    html = response.get_data(as_text=True)
    assert "Add at least one injection site." in html
    assert "Choose the product that was injected." in html
    assert count(InjectionVisit) == 0


def test_two_visits_on_one_day_are_refused(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=10)
    assert post_form(client, new_url(patient.id), visit_data(day)).status_code == 302
    response = post_form(
        client, new_url(patient.id), visit_data(day, rows=[("mentalis", "left", "2")])
    )
    assert response.status_code == 200
    assert "already an injection visit on" in response.get_data(as_text=True)
    assert count(InjectionVisit) == 1


def test_the_unique_constraint_gives_the_same_message(app, clinic, monkeypatch):
    """Two saves at once: the check passes for both, the database refuses the second."""
    clinician, patient = clinic
    today = patient_today(patient.id)
    day = today - timedelta(days=4)
    values = {
        "injected_on": day,
        "product": "onabotulinumtoxinA",
        "sites": [{"muscle": "mentalis", "side": "left", "units": "2"}],
        "today": today,
    }
    injections.create_visit(clinician, patient.id, **values)
    monkeypatch.setattr(injections, "_day_taken", lambda *args, **kwargs: False)
    with pytest.raises(Conflict, match="already an injection visit"):
        injections.create_visit(clinician, patient.id, **values)
    assert count(InjectionVisit) == 1


def test_high_doses_need_an_explicit_confirmation(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=2)
    data = visit_data(day, rows=[("platysma", "left", "15")])
    response = post_form(client, new_url(patient.id), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "unusually high" in html and "platysma (left) 15 U is more than 10 U" in html
    assert 'id="confirm_high_dose-error"' in html
    assert count(InjectionVisit) == 0

    response = post_form(client, new_url(patient.id), {**data, "confirm_high_dose": "y"})
    assert response.status_code == 302
    assert count(InjectionVisit) == 1


def test_edit_keeps_who_changed_what_and_when(client, clinic, factories):
    clinician, patient = clinic
    today = patient_today(patient.id)
    visit = injections.create_visit(
        clinician,
        patient.id,
        injected_on=today - timedelta(days=20),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "orbicularis oculi", "side": "left", "units": "5"}],
        note="First map.",
        today=today,
    )
    edit_url = f"/patients/{patient.id}/injections/{visit.id}/edit"
    form_page = client.get(edit_url).get_data(as_text=True)
    assert 'value="5"' in form_page  # the form starts from the stored visit
    response = post_form(
        client,
        edit_url,
        visit_data(
            today - timedelta(days=19),
            rows=[("orbicularis oculi", "left", "7.5"), ("mentalis", "right", "2")],
            note="Corrected the date.",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(InjectionVisit, visit.id)
    assert visit.injected_on == today - timedelta(days=19)
    assert [(s.muscle, s.units) for s in visit.sites] == [
        ("orbicularis oculi", 7.5),
        ("mentalis", 2.0),
    ]
    assert visit.updated_at is not None
    revision = db.session.scalar(select(InjectionVisitRevision))
    assert revision.changed_by_id == clinician.id
    assert revision.before == {
        "injected_on": (today - timedelta(days=20)).isoformat(),
        "product": "onabotulinumtoxinA",
        "kind": "new_cycle",
        "lot": None,
        "dilution": None,
        "note": "First map.",
        "sites": [{"muscle": "orbicularis oculi", "side": "left", "units": 5.0}],
    }
    assert count(InjectionSite) == 2  # the old rows are gone, not orphaned

    page = client.get(f"/patients/{patient.id}/injections/{visit.id}").get_data(as_text=True)
    assert "Changed by Dr Ada Clin" in page
    assert "orbicularis oculi (left) was 5 U, now 7.5 U." in page
    assert "mentalis (right) 2 U was added." in page
    assert "Note was: First map." in page


def test_saving_an_unchanged_visit_writes_no_revision(client, clinic):
    clinician, patient = clinic
    today = patient_today(patient.id)
    visit = injections.create_visit(
        clinician,
        patient.id,
        injected_on=today - timedelta(days=5),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "mentalis", "side": "left", "units": "2"}],
        today=today,
    )
    response = post_form(
        client,
        f"/patients/{patient.id}/injections/{visit.id}/edit",
        visit_data(today - timedelta(days=5), rows=[("mentalis", "left", "2")]),
    )
    assert response.status_code == 302
    assert count(InjectionVisitRevision) == 0


def test_editing_onto_another_visits_day_is_refused(client, clinic):
    clinician, patient = clinic
    today = patient_today(patient.id)
    common = {
        "product": "onabotulinumtoxinA",
        "sites": [{"muscle": "mentalis", "side": "left", "units": "2"}],
        "today": today,
    }
    injections.create_visit(clinician, patient.id, injected_on=today - timedelta(days=90), **common)
    second = injections.create_visit(
        clinician, patient.id, injected_on=today - timedelta(days=5), **common
    )
    response = post_form(
        client,
        f"/patients/{patient.id}/injections/{second.id}/edit",
        visit_data(today - timedelta(days=90), rows=[("mentalis", "left", "2")]),
    )
    assert "already an injection visit on" in response.get_data(as_text=True)
    assert db.session.get(InjectionVisit, second.id).injected_on == today - timedelta(days=5)
    assert count(InjectionVisitRevision) == 0


def test_add_more_rows_keeps_what_was_typed_and_saves_nothing(client, clinic):
    _, patient = clinic
    day = patient_today(patient.id) - timedelta(days=1)
    data = visit_data(day, rows=[("mentalis", "left", "2")])
    del data["submit"]
    response = post_form(client, new_url(patient.id), {**data, "more_rows": "Add a site"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="sites-1-units"' in html and 'name="sites-2-units"' not in html  # one more
    assert 'value="2"' in html
    assert count(InjectionVisit) == 0


def test_therapist_may_read_but_not_write(client, as_user, factories):
    therapist = as_user("therapist")
    clinician = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[therapist, clinician])
    today = patient_today(patient.id)
    visit = injections.create_visit(
        clinician,
        patient.id,
        injected_on=today - timedelta(days=5),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "mentalis", "side": "left", "units": "2"}],
        today=today,
    )
    assert client.get(f"/patients/{patient.id}/injections").status_code == 200
    page = client.get(f"/patients/{patient.id}/injections/{visit.id}")
    assert page.status_code == 200 and "Edit this visit" not in page.get_data(as_text=True)

    # The write URLs are refused to the role (403), with a valid CSRF token, and nothing is written.
    token = csrf_from(client.get(f"/patients/{patient.id}/injections").get_data(as_text=True))
    assert client.get(new_url(patient.id)).status_code == 403
    response = client.post(
        new_url(patient.id), data={**visit_data(today - timedelta(days=1)), "csrf_token": token}
    )
    assert response.status_code == 403
    response = client.post(
        f"/patients/{patient.id}/injections/{visit.id}/edit",
        data={**visit_data(today - timedelta(days=2)), "csrf_token": token},
    )
    assert response.status_code == 403
    assert count(InjectionVisit) == 1 and count(InjectionVisitRevision) == 0


def test_patient_cannot_see_or_write_injection_pages(client, as_user):
    patient = as_user("patient")
    assert client.get(f"/patients/{patient.id}/injections").status_code == 403
    assert client.get(new_url(patient.id)).status_code == 403


def test_clinician_off_the_care_team_gets_404_and_nothing_is_written(client, as_user, factories):
    as_user("clinician")
    other_clinician = factories.make_user("clinician")
    stranger = factories.make_patient(care_team=[other_clinician])
    today = patient_today(stranger.id)
    visit = injections.create_visit(
        other_clinician,
        stranger.id,
        injected_on=today - timedelta(days=5),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "mentalis", "side": "left", "units": "2"}],
        today=today,
    )
    token = csrf_from(client.get("/clinician/").get_data(as_text=True))
    assert client.get(f"/patients/{stranger.id}/injections").status_code == 404
    assert client.get(f"/patients/{stranger.id}/injections/{visit.id}").status_code == 404
    assert client.get(new_url(stranger.id)).status_code == 404
    response = client.post(
        new_url(stranger.id), data={**visit_data(today - timedelta(days=1)), "csrf_token": token}
    )
    assert response.status_code == 404
    response = client.post(
        f"/patients/{stranger.id}/injections/{visit.id}/edit",
        data={**visit_data(today - timedelta(days=2)), "csrf_token": token},
    )
    assert response.status_code == 404
    assert count(InjectionVisit) == 1 and count(InjectionVisitRevision) == 0


def test_a_visit_of_another_patient_is_404_even_under_an_allowed_patient(client, clinic, factories):
    clinician, patient = clinic
    other_clinician = factories.make_user("clinician")
    stranger = factories.make_patient(care_team=[other_clinician])
    today = patient_today(stranger.id)
    foreign = injections.create_visit(
        other_clinician,
        stranger.id,
        injected_on=today - timedelta(days=5),
        product="onabotulinumtoxinA",
        sites=[{"muscle": "mentalis", "side": "left", "units": "2"}],
        today=today,
    )
    assert client.get(f"/patients/{patient.id}/injections/{foreign.id}").status_code == 404
    assert client.get(f"/patients/{patient.id}/injections/{foreign.id}/edit").status_code == 404
    response = post_form(
        client,
        f"/patients/{patient.id}/injections/{foreign.id}/edit",
        visit_data(today - timedelta(days=1)),
        page=f"/patients/{patient.id}/injections",
    )
    assert response.status_code == 404
    assert count(InjectionVisitRevision) == 0
