"""A form sent back with a problem brings that problem into view (static/js/app.js): on a
long page the answer would otherwise open at its top, the message far below, and the
form would look as if nothing happened (a patient would think the session was saved)."""

import pytest
from sqlalchemy import func, select

from .conftest import needs_chromium
from .test_pages_on_phones import FOCUSED_PROBLEM, PHONE, log_in_as, prepare

pytestmark = [pytest.mark.browser, needs_chromium]


def count(live_server, model) -> int:
    from retrain.extensions import db

    with live_server.app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return found


def test_a_refused_repetition_count_far_down_the_session_form_is_shown(live_server, browser):
    from retrain.models import PracticeSession

    prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "patient")
    before = count(live_server, PracticeSession)
    page.goto(f"{base}/session/new")
    reps = page.get_by_label("Repetitions done")
    assert reps.count() >= 2
    reps.last.fill("-3")
    page.evaluate("for (const form of document.forms) form.noValidate = true")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save session").click()
    seen = page.evaluate(FOCUSED_PROBLEM)
    assert seen["problem"] and seen["onScreen"], seen
    assert seen["scrolled"] > 0  # the row is below the first screen of a 360 px phone
    assert count(live_server, PracticeSession) == before


def test_a_decision_without_its_date_at_the_foot_of_the_review_is_shown(live_server, browser):
    from retrain.models import ReinjectionDecision

    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "clinician")
    before = count(live_server, ReinjectionDecision)
    page.goto(f"{base}/patients/{clinic.patient_id}/review")
    page.get_by_label("Wait until a date").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Record decision").click()
    seen = page.evaluate(FOCUSED_PROBLEM)
    assert seen["problem"] and seen["onScreen"], seen
    assert "date" in seen["text"].lower()
    assert seen["scrolled"] > 3 * PHONE["height"]  # the review is many screens long
    assert count(live_server, ReinjectionDecision) == before
