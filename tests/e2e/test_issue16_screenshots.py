"""The pictures of issue 16's pages in docs/screenshots/16-*.png, taken from today's pages
at 360 x 740 (the programme sheet's print view at 680 x 1000), so they can be made again
after a change instead of going stale. Each page is checked as the phone tour checks it
(PHONE_CHECKS) before it is photographed.

With RETRAIN_SCREENSHOTS=1 the pictures replace those under docs/screenshots/ (as small
PNGs of 64 colours), else they go to the temporary directory. The messages' pictures are
test_messages_on_phones.py's, the invitation's and the password reset's
test_invitation_page.py's.
"""

import os
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from .conftest import needs_chromium, open_menu
from .test_pages_on_phones import PHONE, PHONE_CHECKS, log_in_as, prepare

pytestmark = [pytest.mark.browser, needs_chromium]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS = DOCS if os.environ.get("RETRAIN_SCREENSHOTS") else Path(tempfile.gettempdir())
PRINT_VIEW = {"width": 680, "height": 1000}
# Scroll so that this element is at the top of the picture (a few pixels below it).
SCROLL_TO = "(el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)"


def save(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"16-{name}.png"
    page.screenshot(path=str(path))
    if SCREENSHOTS == DOCS:  # checked into the repository: keep them small
        picture = Image.open(path).convert("RGB")
        picture = picture.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
        picture.save(path, optimize=True)


def shoot(page, name: str, at: str | None = None) -> None:
    """Check the page as the phone tour does, then photograph the screen (at ``at``)."""
    page.wait_for_load_state("load")
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == [], name
    if at:
        page.locator(at).first.evaluate(SCROLL_TO)
    save(page, name)


def test_the_pictures_of_issue_16s_pages(live_server, browser):
    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    patient = f"{base}/patients/{clinic.patient_id}"

    log_in_as(page, base, "patient")
    page.goto(f"{base}/history")
    shoot(page, "history")
    page.goto(f"{base}/progress")
    shoot(page, "my-progress-chart", at="#saq-heading")
    page.goto(f"{base}/programme/sheet")
    shoot(page, "programme-sheet")

    log_in_as(page, base, "therapist")
    page.goto(f"{base}/therapist/")
    open_menu(page)
    shoot(page, "nav-menu-open")
    page.goto(patient)
    shoot(page, "staff-patient-page")
    page.locator("details.more-actions summary").click()
    shoot(page, "staff-patient-more")
    page.goto(patient)
    shoot(page, "staff-patient-chart", at="#practice-chart")
    page.goto(f"{patient}/programme/edit")
    page.get_by_label("Find an exercise").fill("eye")
    shoot(page, "programme-editor-picker", at="#exercise-picker")
    page.goto(f"{patient}/programme/sheet")
    page.emulate_media(media="print")
    page.set_viewport_size(PRINT_VIEW)
    save(page, "programme-sheet-print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)

    log_in_as(page, base, "clinician")
    page.goto(f"{patient}/injections")
    shoot(page, "injections")
    page.goto(f"{patient}/review")
    shoot(page, "review-cycles", at="#cycles-heading")

    log_in_as(page, base, "admin")
    page.goto(f"{base}/admin/")
    shoot(page, "admin-accounts", at="main table")
    page.goto(f"{base}/admin/audit")
    shoot(page, "admin-audit", at="main table tbody")
    page.goto(f"{base}/admin/care-teams")
    shoot(page, "care-teams", at="main table")
    assert browser.errors == []
