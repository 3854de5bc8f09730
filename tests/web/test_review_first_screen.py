"""The reinjection review's first screen and its print (issue 13, part 7), and the
patient's own page with a top-up, on a record with known figures."""

from datetime import timedelta

import pytest

from retrain.extensions import db
from retrain.models import InjectionSite, InjectionVisit, QuestionnaireResponse
from retrain.usecases.local_time import patient_today


def visit(patient_id, days_ago, kind="new_cycle", units=5.0):
    db.session.add(
        InjectionVisit(
            patient_id=patient_id,
            injected_on=patient_today(patient_id) - timedelta(days=days_ago),
            product="onabotulinumtoxinA",
            kind=kind,
            sites=[InjectionSite(muscle="mentalis", side="left", units=units)],
        )
    )


def saq(patient_id, days_ago, score):
    db.session.add(
        QuestionnaireResponse(
            patient_id=patient_id,
            instrument="saq",
            answered_on=patient_today(patient_id) - timedelta(days=days_ago),
            answers=[],
            score=score,
        )
    )


@pytest.fixture
def record(as_user, factories):
    """Cycle 1 (200 days ago) got worse: 40 before, 60 at day 21. Cycle 2 (100 days ago)
    had a top-up on its day 14 (mentalis 5 + 2); 20 days in, 30 against a baseline of 60."""
    clinician = as_user("clinician", name="Dr Ada Injector")
    patient = factories.make_patient(care_team=[clinician], name="Pat Palsy")
    visit(patient.id, 200)
    visit(patient.id, 100)
    visit(patient.id, 86, "top_up", units=2.0)
    for days_ago, score in ((201, 40.0), (179, 60.0), (100, 60.0), (80, 30.0)):
        saq(patient.id, days_ago, score)
    db.session.commit()
    return patient


def test_the_first_screen_holds_what_decides_the_visit(client, record):
    html = client.get(f"/patients/{record.id}/review").get_data(as_text=True)
    first = html[
        html.index('class="card review-now"') : html.index('aria-labelledby="cycles-heading"')
    ]
    assert "What decides this visit" in first and '<span class="big-number">100</span>' in first
    assert "30.0 points lower (better) than the baseline of 60.0" in first
    assert "Cycle 1: -20.0 (-50 %): worse, beyond measurement noise" in first
    assert "No Sunnybrook grading recorded yet." in first
    assert f"Record no. {record.id} · Prepared by Dr Ada Injector on" in html
    # The cycles table: the worse cycle marked, the top-up and its doses.
    assert '<tr class=" worse-cycle">' in html and "Got worse" in html
    assert "Top-up " in html and "(day 14)" in html
    assert "mentalis L 5 + 2" in html and "first visit + top-up" in html


def test_the_patients_page_says_the_treatment_had_a_top_up(app, record):
    from ..conftest import login

    patient = app.test_client()
    assert login(patient, record.user.email).status_code == 302
    html = patient.get("/progress").get_data(as_text=True)
    assert "Day 100" in html and "with a top-up on" in html
