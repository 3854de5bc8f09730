"""The programme in the browser (issue 16): the sheet prints to an A4 PDF in headless
Chromium with every exercise on it, and the builder's picker narrows by a search."""

import re

import pytest

from .conftest import needs_chromium
from .test_pages_on_phones import IN_VIEW, PHONE, log_in_as, seed_clinic

pytestmark = [pytest.mark.browser, needs_chromium]

# A4 in PostScript points, as Chromium writes the MediaBox (210 x 297 mm).
A4 = (595.92, 842.88)


def programme_names(app, patient_id):
    from retrain.extensions import db
    from retrain.usecases.programme_reads import current_programme

    with app.app_context():
        names = [item.exercise.name for item in current_programme(patient_id).items]
        db.session.remove()
    return names


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF as Chromium writes it (one MediaBox per page)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_the_programme_sheet_prints_every_exercise_on_a4(live_server, browser, role):
    clinic = seed_clinic(live_server)
    names = programme_names(live_server.app, clinic.patient_id)
    assert len(names) >= 3
    page = browser.page
    log_in_as(page, live_server.url, role)
    path = (
        "/programme/sheet"
        if role == "patient"
        else f"/patients/{clinic.patient_id}/programme/sheet"
    )
    page.goto(live_server.url + path)
    page.emulate_media(media="print")
    # On paper: no navigation and no buttons, every exercise with its steps and cue.
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Print this sheet").is_visible()
    headings = page.locator(".sheet-exercise h2").all_inner_texts()
    assert [re.sub(r"^\d+\. ", "", h) for h in headings] == names
    for block in page.locator(".sheet-exercise").all():
        assert block.is_visible()
        assert block.locator(".sheet-steps li").count() >= 1
        assert "Hold back:" in block.locator(".hold-back").inner_text()
        assert re.search(r"a day, \d days? a week", block.inner_text())
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    assert pdf.startswith(b"%PDF")
    sizes = pdf_pages(pdf)
    assert sizes and all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes), sizes
    assert len(sizes) <= 2, f"{len(sizes)} pages for {len(names)} exercises"
    print(f"{role}: {len(names)} exercises on {len(sizes)} A4 page(s), {len(pdf)} bytes")


def test_the_picker_narrows_by_search_and_enter_adds_the_first_match(live_server, browser):
    clinic = seed_clinic(live_server)
    page = browser.page
    page.set_viewport_size(PHONE)
    log_in_as(page, live_server.url, "therapist")
    page.goto(f"{live_server.url}/patients/{clinic.patient_id}/programme/edit")
    rows_before = page.locator("fieldset.item-row").count()
    search = page.get_by_label("Find an exercise")
    search.fill("neck")  # the region's name matches too: its whole group stays
    assert page.locator(".picker-group:not([hidden]) h3").all_inner_texts() == ["Chin and neck"]
    search.fill("PLATYSMA")
    shown = page.locator(".picker-list li:not([hidden])").all_inner_texts()
    assert [text.split("\n")[0] for text in shown] == ["Neck (platysma) stretch"], shown
    search.fill("no such exercise")
    assert page.locator(".picker-none").is_visible()
    search.fill("platysma")
    first = "Neck (platysma) stretch"
    with page.expect_navigation():
        search.press("Enter")
    assert page.locator("fieldset.item-row").count() == rows_before + 1
    assert first in page.locator("fieldset.item-row legend").last.inner_text()
    # The form comes back at the new row, not at the top of the long builder.
    assert page.url.endswith(f"#item-{rows_before + 1}")
    assert page.evaluate(IN_VIEW, f"#item-{rows_before + 1} legend")
    assert (
        page.locator("fieldset.item-row")
        .last.get_by_label("Repetitions")
        .get_attribute("placeholder")
    )
    assert browser.errors == []
