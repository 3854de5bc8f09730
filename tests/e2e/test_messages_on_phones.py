"""Issue 16 part 4 on a 360 px phone in headless Chromium: the patient's thread with the
unread count in the navigation, a message with markup sent and shown as text, and the
care team's view of the thread with the caseload's unread line. Screenshots go under
docs/screenshots/ when RETRAIN_SCREENSHOTS=1, else to the temporary directory."""

import os
import tempfile
from pathlib import Path

import pytest

from .conftest import needs_chromium, open_menu
from .test_pages_on_phones import PHONE, PHONE_CHECKS, log_in_as, prepare

pytestmark = [pytest.mark.browser, needs_chromium]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS = DOCS if os.environ.get("RETRAIN_SCREENSHOTS") else Path(tempfile.gettempdir())
MARKUP = "Thanks! <b>Is</b> <script>alert(1)</script> twice a day enough?"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"16-{name}.png"), full_page=True)


def test_the_patient_reads_and_writes_on_a_phone(live_server, browser):
    prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "patient")
    page.goto(f"{base}/today")
    badge = page.locator(".nav-toggle .count-badge")  # on the folded menu of a phone
    assert badge.inner_text().startswith("1")  # the clinician's reply, unread (demo)
    open_menu(page)
    page.get_by_role("link", name="Messages").click()
    assert page.locator(".message.new").count() == 1
    assert page.locator("nav .count-badge").count() == 0  # read now
    page.get_by_label("Your message").fill(MARKUP)
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url(lambda url: url.endswith("#latest"))
    latest = page.locator("#latest .message-body")
    assert latest.inner_text() == MARKUP  # as typed: no bold, no script
    assert page.locator("#latest b, #latest script").count() == 0
    assert "Not seen yet" in page.locator("#latest").inner_text()
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    assert browser.errors == []
    shoot(page, "messages-patient")


def test_the_care_team_sees_unread_threads_and_answers(live_server, browser):
    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "therapist")
    page.goto(f"{base}/therapist/")
    unread = page.locator("a.unread")
    assert unread.count() == 1 and unread.inner_text() == "1 unread message"  # Robin (demo)
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    page.goto(f"{base}/patients/{clinic.patient_id}/messages")
    assert "Seen by Pat Rivera" in page.locator(".message.mine").first.inner_text()
    page.get_by_label("About a practice session (optional)").select_option(index=1)
    page.get_by_label("Your message").fill("Your last session looked steady. Well done.")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url(lambda url: url.endswith("#latest"))
    assert "About the practice session of" in page.locator("#latest").inner_text()
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    assert browser.errors == []
    shoot(page, "messages-staff")
