"""Issue 13 on a 360 px phone in headless Chromium: both caseloads become cards with the
state first, and the injection visit form adds rows, totals the units live and proposes
top-up or new cycle as the date changes. Each test saves a screenshot of what it checked:
under docs/screenshots/ when RETRAIN_SCREENSHOTS=1 (to refresh the docs' pictures), else
in the temporary directory, so a test run leaves the repository as it was."""

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import needs_chromium
from .test_pages_on_phones import IN_VIEW, PHONE, PHONE_CHECKS, log_in_as, prepare

pytestmark = [pytest.mark.browser, needs_chromium]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS = DOCS if os.environ.get("RETRAIN_SCREENSHOTS") else Path(tempfile.gettempdir())

# Each card of the caseload: its box, and the tops of the state cell and of the others.
CARDS = """
() => [...document.querySelectorAll('table.table-cards tbody tr')].map((row) => {
  const box = row.getBoundingClientRect();
  const cells = [...row.querySelectorAll('td')].filter((td) => td.offsetHeight > 0);
  return {
    left: box.left, right: box.right, display: getComputedStyle(row).display,
    name: row.querySelector('th').innerText.trim(),
    first: cells.length ? cells[0].dataset.label : null,
    state: cells.length ? cells[0].innerText.trim() : '',
    headerShown: document.querySelector('table.table-cards thead').offsetHeight > 1,
  };
})
"""


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"i13-{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("role", "first", "count"), [("clinician", "State", 3), ("therapist", "Attention", 4)]
)
def test_the_caseload_is_a_column_of_cards_with_the_state_first(
    live_server, browser, role, first, count
):
    prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, role)
    page.goto(f"{base}/{role}/")
    cards = page.evaluate(CARDS)
    assert len(cards) == count, cards  # the demo's three; the therapist's newly invited too
    for card in cards:
        assert card["display"] == "block" and not card["headerShown"], card
        assert card["left"] >= 0 and card["right"] <= PHONE["width"], card
        assert card["first"] == first and card["state"], card
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    assert browser.errors == []
    shoot(page, f"caseload-{role}")

    # Filter and sort from the form on the phone (the headers are hidden there).
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Sort by").select_option("name")
    page.get_by_label("Order").select_option("desc")
    with page.expect_navigation():  # read the cards of the new page, not the old one
        page.get_by_role("button", name="Show").click()
    names = [card["name"] for card in page.evaluate(CARDS)]
    assert names == sorted(names, key=str.casefold, reverse=True)
    page.get_by_label("Search by name").fill("SAM")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert [card["name"] for card in page.evaluate(CARDS)] == ["Sam Chen"]


def test_recording_a_visit_on_a_phone(live_server, browser):
    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "clinician")
    page.goto(f"{base}/patients/{clinic.patient_id}/injections/new")
    today = page.locator("input[name=injected_on]").input_value()
    assert today and date.fromisoformat(today) <= date.today() + timedelta(days=1)
    assert page.locator(".site-row").count() == 1
    # The demo patient's latest cycle began 12 days ago: today is proposed as a top-up.
    assert page.locator("input[name=kind][value=top_up]").is_checked()

    page.get_by_label("Product").select_option("onabotulinumtoxinA")
    page.locator("select[name='sites-0-muscle']").select_option("orbicularis oculi")
    page.locator("select[name='sites-0-side']").select_option("left")
    page.locator("input[name='sites-0-units']").fill("2,5")
    page.get_by_role("button", name="Add a site").click()  # no round trip
    assert page.locator(".site-row").count() == 2
    assert page.evaluate("document.activeElement.name") == "sites-1-muscle"
    page.locator("select[name='sites-1-muscle']").select_option("mentalis")
    page.locator("input[name='sites-1-units']").fill("5")
    total = page.locator("#visit-total")
    assert total.inner_text() == "This visit: 7.5 U of onabotulinumtoxinA (Botox)."

    # A date 40 days after the cycle's first visit is proposed as a new cycle.
    later = (date.fromisoformat(today) - timedelta(days=12 - 40)).isoformat()
    page.locator("input[name=injected_on]").fill(later)
    page.locator("input[name=injected_on]").dispatch_event("change")
    assert page.locator("input[name=kind][value=new_cycle]").is_checked()
    assert "40 days after the first visit" in page.locator("#kind-hint").inner_text()
    page.locator("input[name=injected_on]").fill(today)
    page.locator("input[name=injected_on]").dispatch_event("change")
    assert page.locator("input[name=kind][value=top_up]").is_checked()

    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    assert browser.errors == []
    shoot(page, "visit-form")

    # Copy the last visit's sites (a server round trip): its three rows, units editable.
    page.get_by_role("button", name="Copy the last visit's sites").click()
    page.wait_for_load_state("load")
    assert page.locator(".site-row").count() == 3
    assert page.locator("input[name='sites-2-units']").input_value() == "10"
    assert page.evaluate(IN_VIEW, "#site-rows")  # back at the sites, not the page's top
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(f"{base}/patients/{clinic.patient_id}/injections/*")
    assert "Top-up" in page.locator("main").inner_text()


def test_the_review_opens_on_what_decides_the_visit(live_server, browser):
    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "clinician")
    page.goto(f"{base}/patients/{clinic.patient_id}/review")
    first = page.locator(".review-now")
    text = first.inner_text()
    for heading in ("Days since the injection", "Latest SAQ", "Projected wear-off",
                    "Last Sunnybrook", "Last cycle's response"):  # fmt: skip
        assert heading in text
    assert "Record no. " in page.locator(".review-head").inner_text()
    box = first.bounding_box()
    assert box["y"] < PHONE["height"]  # it starts on the first screen
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    assert browser.errors == []
    page.set_viewport_size({"width": PHONE["width"], "height": 1400})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "i13-review.png"))


def test_the_import_preview_on_a_phone(live_server, browser):
    from .test_pages_on_phones import AXE, axe_violations

    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    log_in_as(page, base, "clinician")
    page.goto(f"{base}/patients/{clinic.patient_id}/history-import")
    rows = [
        "record,date,product,muscle,side,units,lot,score,q1,q2,q3,q4,q5,q6,q7,q8,q9",
        "saq,2019-03-02,,,,,,,2,3,2,2,3,2,2,1,2",
        "saq,2019-05-10,,,,,,48.9,,,,,,,,,",
        "visit,2019-03-02,onabotulinumtoxinA,orbicularis oculi,left,2.5,C5012AB,,,,,,,,,,",
        "visit,2019-03-16,onabotulinumtoxinA,nose,left,2,C5012AB,,,,,,,,,,",
    ]
    page.get_by_label("Or paste the CSV here").fill("\n".join(rows))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("load")
    preview = page.locator("#preview").inner_text()
    assert "1 line has errors" in preview and "Unknown muscle 'nose'" in preview
    assert "SAQ, score 48.9 (score only)" in preview
    assert page.evaluate(PHONE_CHECKS, PHONE["width"]) == []
    if AXE.exists():
        assert axe_violations(page) == []
    assert browser.errors == []
    shoot(page, "import-preview")
