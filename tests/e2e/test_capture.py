"""Guided snapshot capture in a real browser, with Chromium's fake camera.

The fake camera shows a moving test pattern, not a face, so the stored photo must
carry the "no face" quality flag instead of measures.
"""

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Snapshot
from retrain.usecases import snapshots

from ..conftest import TEST_PASSWORD
from .conftest import FAKE_CAMERA, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

EMAIL = "camera@example.org"


def consenting_patient(live_server) -> int:
    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email=EMAIL, name="Cam Era")
        snapshots.give_consent(patient, patient.id)
        patient_id = patient.id
        db.session.remove()  # end the transaction: the server thread writes next
    return patient_id


def log_in(page, base_url):
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/today")


@pytest.mark.browser_smoke  # runs on PostgreSQL too
@pytest.mark.parametrize("browser", [FAKE_CAMERA], indirect=True)
def test_capture_one_expression_from_the_fake_camera(live_server, browser):
    from playwright.sync_api import expect

    patient_id = consenting_patient(live_server)
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/snapshots/capture")

    capture = page.locator("#capture")
    expect(capture).to_be_visible()
    expect(page.locator("#capture-expression")).to_have_text("Rest")
    expect(page.locator("#capture-video")).to_have_class("mirror")
    expect(page.locator(".face-guide")).to_be_visible()
    start = page.get_by_role("button", name="Take photo")
    expect(start).to_be_enabled(timeout=15_000)  # enabled once the camera delivers frames

    start.click()
    expect(page.locator("#capture-count")).to_be_visible()  # the 3-2-1 countdown
    use = page.get_by_role("button", name="Use this photo")
    expect(use).to_be_visible(timeout=15_000)
    expect(page.locator("#capture-still")).to_be_visible()
    expect(page.get_by_role("button", name="Retake")).to_be_visible()

    use.click()
    result = page.locator("#capture-result")
    expect(result).to_contain_text("Saved", timeout=20_000)
    expect(result).to_contain_text("could not find a face")
    expect(page.get_by_role("button", name="Next expression")).to_be_visible()
    snapshot_id = int(result.get_attribute("data-snapshot-id"))

    with live_server.app.app_context():
        row = db.session.scalar(select(Snapshot).where(Snapshot.id == snapshot_id))
        assert row is not None and row.patient_id == patient_id
        assert row.expression == "rest"
        assert row.uploaded_mirrored is False
        assert [f["code"] for f in row.quality["flags"]][:1] == ["no_face"]
        assert row.measures.get("geometry") is None
        folder = Path(live_server.app.instance_path) / "snapshots"
        photo = (folder / row.storage_key).read_bytes()
        assert (folder / row.thumbnail_key).is_file()
        image = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
        assert (image.shape[1], image.shape[0]) == (row.width, row.height)
        db.session.remove()

    page.get_by_role("button", name="Next expression").click()
    expect(page.locator("#capture-expression")).to_have_text("Brow raise")
    assert browser.errors == []


@pytest.mark.parametrize("browser", [FAKE_CAMERA], indirect=True)
def test_the_page_shows_the_photo_check_when_the_background_job_is_done(
    live_server, browser, monkeypatch
):
    """The check runs after the answer (issue 17): here it starts 2 s after the upload,
    so the page says it is checking, lets the patient go on, then shows the result."""
    from playwright.sync_api import expect

    consenting_patient(live_server)
    app = live_server.app

    def later(func, *args):
        def run():
            with app.app_context():
                func(*args)
                db.session.remove()

        threading.Timer(2.0, run).start()

    monkeypatch.setattr(snapshots.jobs, "enqueue", later)
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/snapshots/capture")
    start = page.get_by_role("button", name="Take photo")
    expect(start).to_be_enabled(timeout=15_000)
    start.click()
    page.get_by_role("button", name="Use this photo").click(timeout=15_000)
    result = page.locator("#capture-result")
    expect(result).to_contain_text("Checking the photo", timeout=20_000)
    expect(page.get_by_role("button", name="Next expression")).to_be_visible()
    expect(result).to_contain_text("could not find a face", timeout=20_000)
    expect(page.get_by_role("button", name="Retake")).to_be_visible()
    assert browser.errors == []


def test_without_a_camera_the_plain_form_remains(live_server, browser):
    """No fake device: getUserMedia fails, the file form is what is left."""
    consenting_patient(live_server)
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/snapshots/capture")
    from playwright.sync_api import expect

    expect(page.locator("#capture-problem")).to_be_visible(timeout=15_000)
    expect(page.locator("#capture")).to_be_hidden()
    file_input = page.locator('input[type="file"]')
    expect(file_input).to_have_attribute("capture", "user")
    expect(file_input).to_have_attribute("accept", "image/*")
