"""Recording a visit (issue 13, part 4): the date starts at today, the form says whether
the visit is a top-up, copies the last visit's sites, groups the muscles by face region,
keeps lot and dilution, and asks to confirm a new cycle within 12 weeks."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from retrain.errors import Invalid
from retrain.extensions import db
from retrain.models import InjectionVisit
from retrain.usecases import injections
from retrain.usecases.local_time import patient_today

from ..conftest import post_form
from .test_injections import count, new_url, visit_data


@pytest.fixture
def clinic(as_user, factories):
    clinician = as_user("clinician", name="Dr Ada Clin")
    patient = factories.make_patient(care_team=[clinician], name="Pat Palsy")
    return clinician, patient


def record(clinician, patient, days_ago, **extra):
    today = patient_today(patient.id)
    values = {
        "product": "onabotulinumtoxinA",
        "sites": [
            {"muscle": "orbicularis oculi", "side": "left", "units": "5"},
            {"muscle": "mentalis", "side": "right", "units": "2.5"},
        ],
        "today": today,
        **extra,
    }
    return injections.create_visit(
        clinician, patient.id, injected_on=today - timedelta(days=days_ago), **values
    )


def checked(html: str) -> str:
    """The value of the kind radio that is checked."""
    pattern = r'<input checked id="kind-\d" name="kind" type="radio" value="(\w+)">'
    return re.search(pattern, html)[1]


def saved(patient) -> list[tuple[int, str]]:
    today = patient_today(patient.id)
    return [
        ((today - v.injected_on).days, v.kind)
        for v in db.session.scalars(
            select(InjectionVisit)
            .where(InjectionVisit.patient_id == patient.id)
            .order_by(InjectionVisit.injected_on)
        )
    ]


def test_a_new_visit_starts_today_with_one_row_and_grouped_muscles(client, clinic):
    _, patient = clinic
    html = client.get(new_url(patient.id)).get_data(as_text=True)
    today = patient_today(patient.id).isoformat()
    assert f'name="injected_on" type="date" value="{today}"' in html
    assert 'name="sites-0-muscle"' in html and 'name="sites-1-muscle"' not in html
    assert '<optgroup label="Upper face"><option value="frontalis">' in html
    assert '<optgroup label="Neck"><option value="platysma">' in html
    assert "This is the first visit, so it starts a new cycle." in html
    assert checked(html) == "new_cycle"
    assert "Copy the last visit" not in html  # nothing to copy yet


def test_the_form_proposes_a_top_up_within_28_days_of_the_cycles_first_visit(client, clinic):
    clinician, patient = clinic
    record(clinician, patient, 20)
    html = client.get(new_url(patient.id)).get_data(as_text=True)
    assert "it is 20 days after the cycle that began on" in html
    assert "so it will be a top-up unless you choose otherwise" in html
    assert checked(html) == "top_up"
    response = post_form(client, new_url(patient.id), visit_data(patient_today(patient.id)))
    assert response.status_code == 302
    assert saved(patient) == [(20, "new_cycle"), (0, "top_up")]


def test_the_clinician_may_make_it_a_new_cycle_after_confirming_the_short_interval(client, clinic):
    clinician, patient = clinic
    record(clinician, patient, 20)
    data = visit_data(patient_today(patient.id), kind="new_cycle")
    response = post_form(client, new_url(patient.id), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(InjectionVisit) == 1
    assert "This new cycle comes 20 days after the last full treatment" in html
    assert "sooner than the usual 12 weeks" in html
    response = post_form(client, new_url(patient.id), {**data, "confirm_short_interval": "y"})
    assert response.status_code == 302
    assert saved(patient) == [(20, "new_cycle"), (0, "new_cycle")]


@pytest.mark.parametrize(("days_ago", "warned"), [(83, True), (84, False)])
def test_a_new_cycle_under_12_weeks_after_the_last_full_treatment_needs_confirming(
    clinic, days_ago, warned
):
    clinician, patient = clinic
    record(clinician, patient, days_ago)
    if warned:
        with pytest.raises(Invalid) as error:
            record(clinician, patient, 0)
        assert error.value.field == "confirm_short_interval"
        record(clinician, patient, 0, confirm_short_interval=True)
    else:
        record(clinician, patient, 0)
    assert saved(patient) == [(days_ago, "new_cycle"), (0, "new_cycle")]


def test_the_interval_counts_from_the_cycles_first_visit_not_its_top_up(clinic):
    clinician, patient = clinic
    record(clinician, patient, 100)
    record(clinician, patient, 80)  # 20 days later: a top-up by the rule
    record(clinician, patient, 0)  # 100 days after the cycle's first visit: no warning
    assert saved(patient) == [(100, "new_cycle"), (80, "top_up"), (0, "new_cycle")]


def test_a_top_up_outside_the_window_is_refused(client, clinic):
    clinician, patient = clinic
    record(clinician, patient, 40)
    response = post_form(
        client, new_url(patient.id), visit_data(patient_today(patient.id), kind="top_up")
    )
    assert "A top-up is a visit 1 to 28 days after the first visit of its cycle" in (
        response.get_data(as_text=True)
    )
    assert count(InjectionVisit) == 1


def test_the_window_is_the_clinics(app, clinic):
    clinician, patient = clinic
    app.config["TOP_UP_DAYS"] = 14
    record(clinician, patient, 20)
    record(clinician, patient, 0, confirm_short_interval=True)
    assert saved(patient) == [(20, "new_cycle"), (0, "new_cycle")]


def test_copy_the_last_visits_sites_keeps_the_date_and_saves_nothing(client, clinic):
    clinician, patient = clinic
    record(clinician, patient, 100, product="incobotulinumtoxinA")
    page = client.get(new_url(patient.id)).get_data(as_text=True)
    assert "The last visit was" in page and "incobotulinumtoxinA (Xeomin), 2 sites" in page
    data = visit_data(patient_today(patient.id), note="Same map, less in the eye.")
    del data["submit"]
    response = post_form(client, new_url(patient.id), {**data, "copy_last": "Copy"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(InjectionVisit) == 1
    assert '<option selected value="incobotulinumtoxinA">' in html
    assert 'name="sites-1-units" type="text" value="2.5"' in html
    assert 'name="sites-0-units" type="text" value="5"' in html
    assert "Same map, less in the eye." in html
    assert f'value="{patient_today(patient.id).isoformat()}"' in html


def test_lot_and_dilution_are_kept_and_shown(client, clinic):
    _, patient = clinic
    data = visit_data(patient_today(patient.id), lot=" C5012AB ", dilution="4")
    response = post_form(client, new_url(patient.id), data)
    assert response.status_code == 302
    visit = db.session.scalar(select(InjectionVisit))
    assert (visit.lot, visit.dilution) == ("C5012AB", 4.0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "C5012AB" in page and "4 U per 0.1 mL" in page and "New cycle" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dilution", "0", "Enter the units per 0.1 mL as a number above 0"),
        ("dilution", "abc", "Enter the units per 0.1 mL as a number above 0"),
        ("dilution", "2.555", "Enter the dilution with at most 2 decimals."),
        ("dilution", "101", "Enter the units per 0.1 mL as a number above 0 and at most 100"),
        ("lot", "L" * 41, "Enter the lot number in at most 40 characters."),
        ("kind", "booster", "Choose a top-up or a new cycle."),
    ],
)
def test_bad_lot_dilution_or_kind_changes_nothing(client, clinic, field, value, message):
    _, patient = clinic
    response = post_form(
        client, new_url(patient.id), visit_data(patient_today(patient.id), **{field: value})
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(InjectionVisit) == 0


def test_editing_the_kind_is_kept_in_the_history(client, clinic):
    clinician, patient = clinic
    record(clinician, patient, 30)
    top_up = record(clinician, patient, 10)
    assert top_up.kind == "top_up"
    edit = f"/patients/{patient.id}/injections/{top_up.id}/edit"
    assert checked(client.get(edit).get_data(as_text=True)) == "top_up"
    data = visit_data(
        patient_today(patient.id) - timedelta(days=10),
        rows=[("orbicularis oculi", "left", "5"), ("mentalis", "right", "2.5")],
        kind="new_cycle",
        confirm_short_interval="y",
    )
    assert post_form(client, edit, data).status_code == 302
    page = client.get(f"/patients/{patient.id}/injections/{top_up.id}").get_data(as_text=True)
    assert "Was a top-up, now a new cycle." in page
