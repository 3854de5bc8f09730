"""Issue 12's audit pages on a 360 px phone: the patient's "who looked at your record"
(who, what, when, why) and the admin's trail with names and record numbers. Screenshots
go to docs/screenshots/ with RETRAIN_SCREENSHOTS=1, else to the temporary directory."""

import pytest

from .conftest import needs_chromium
from .test_clinician_on_phones import SCREENSHOTS
from .test_pages_on_phones import PHONE, PHONE_CHECKS, log_in_as, prepare

pytestmark = [pytest.mark.browser, needs_chromium]


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"i12-{name}.png"), full_page=True)


def test_who_looked_and_the_admins_trail_on_a_phone(live_server, browser):
    prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "therapist")
    page.goto(f"{base}/therapist/")
    page.get_by_role("link", name="Pat Rivera").first.click()  # patient@demo.retrain
    page.wait_for_url("**/patients/*")

    log_in_as(page, base, "patient")
    page.goto(f"{base}/my-data")
    table = page.locator("table", has_text="looked at your record")
    assert table.count() == 1 and "Your care" in table.inner_text()
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    shoot(page, "who-looked")

    log_in_as(page, base, "admin")
    page.goto(f"{base}/admin/audit")
    body = page.locator("table").inner_text()
    assert "record no." in body and "Tess Okafor" in body
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    shoot(page, "admin-audit")
    assert browser.errors == []
