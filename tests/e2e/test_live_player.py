"""Live feedback in the guided player, in phone-sized headless Chromium fed by a fake
camera that plays a real face (tests/e2e/face_video.py): the face's right mouth corner
moves and its right eye narrows, every 8 s. The patient's affected side is the right.

Frames per second and the measure code's time are printed (run with -s), never
asserted: this machine is not a phone (docs/live-feedback.md).
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import CareTeamMember, Exercise, Patient, PracticeSession
from retrain.security import PLAYER_CSP

from ..conftest import TEST_PASSWORD
from ..web.practice_helpers import make_programme
from .conftest import FAKE_CAMERA, needs_chromium
from .face_video import write_video
from .test_live_feedback import RUNTIME_DIRS
from .test_player import log_in

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.skipif(
        not RUNTIME_DIRS, reason="face-mesh runtime not in static/vendor (make copies it from npm)"
    ),
]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS = DOCS if os.environ.get("RETRAIN_SCREENSHOTS") else Path(tempfile.gettempdir())
VIDEO = Path(tempfile.gettempdir()) / "retrain-live-player-face.y4m"


FACE_CAMERA = [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={VIDEO}"]


@pytest.fixture(autouse=True)
def face_video():
    """The fake camera's video, made before the browser starts (autouse fixtures run first)."""
    if not VIDEO.exists():
        write_video(VIDEO)


def patient_with_smile_programme(live_server, *, reps, hold_seconds, rest_seconds):
    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        db.session.get(Patient, patient.id).affected_side = "right"
        smile = db.session.scalar(select(Exercise).where(Exercise.slug == "closed-lip-smile"))
        make_programme(
            patient.id,
            [smile],
            reps=reps,
            sets=1,
            hold_seconds=hold_seconds,
            rest_seconds=rest_seconds,
            times_per_day=1,
        )
        db.session.commit()
        ids = patient.id, smile.id
        db.session.remove()
    return ids


def wait_for_live_state(page, states, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.locator("#player").get_attribute("data-live-state")
        if state in states:
            return state
        page.wait_for_timeout(250)
    status = page.locator("#live-status").text_content()
    raise AssertionError(f"live feedback did not reach {states}: {state} ({status})")


@pytest.mark.parametrize("browser", [pytest.param(FACE_CAMERA, id="fake-face")], indirect=True)
def test_live_feedback_calibrates_scores_and_saves(live_server, browser):
    from playwright.sync_api import expect

    patient_id, _ = patient_with_smile_programme(
        live_server, reps=4, hold_seconds=3, rest_seconds=1
    )
    page, base = browser.page, live_server.url
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, base)
    response = page.goto(f"{base}/session/player")
    assert response.headers["content-security-policy"] == PLAYER_CSP
    live = page.get_by_label("Live feedback from the camera")
    expect(live).not_to_be_checked()  # off by default
    expect(page.locator("#live-explain")).to_contain_text("no picture or video leaves it")
    live.check()
    assert wait_for_live_state(page, {"ready", "unavailable"}) == "ready"
    page.screenshot(path=str(SCREENSHOTS / "15-player-live-ready.png"), full_page=True)

    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Begin this exercise").click()
    gauge = page.locator("#live-gauge")
    expect(gauge).to_be_visible()
    expect(page.locator("#live-gauge-label")).to_have_text("Keep still: eye")
    expect(page.locator("#live-gauge-text")).to_have_text(
        re.compile("Measuring|Within your limit|Over your limit|Not measuring")
    )
    page.screenshot(path=str(SCREENSHOTS / "15-player-live-hold.png"), full_page=True)
    rep = page.locator("#live-rep")
    expect(rep).to_be_visible(timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "15-player-live-rep.png"), full_page=True)
    expect(page.locator("#player-summary")).to_be_visible(timeout=60_000)
    expect(page.locator("#live-summary-list li")).to_have_count(1)
    expect(page.locator("#live-summary-list")).to_contain_text(
        "measured repetitions within your limit"
    )
    page.screenshot(path=str(SCREENSHOTS / "15-player-live-summary.png"), full_page=True)
    stats = page.evaluate("() => window.RetrainLive.stats")
    print(f"\nlive player: {stats}")
    scored = int(page.locator("#items-0-live_reps_scored").input_value())
    assert 1 <= scored <= 4

    page.get_by_label("2 · easy").check()
    page.locator("#synkinesis_rating-3").check()
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"{base}/today")
    with live_server.app.app_context():
        (session,) = db.session.scalars(select(PracticeSession)).all()
        (item,) = session.items
        assert session.patient_id == patient_id and item.reps_done == 4
        assert item.live_reps_scored == scored
        assert 0 <= item.live_clean_reps <= scored
        assert item.live_median_hold_back is not None and item.live_fps > 0
        saved = (item.live_reps_scored, item.live_clean_reps, item.live_fps)
        from tests import factories

        therapist = factories.make_user("therapist", email="ther@example.org")
        db.session.add(CareTeamMember(patient_id=patient_id, staff_id=therapist.id))
        db.session.commit()
        db.session.remove()
    assert browser.errors == []

    # The API gives the numbers to the care team.
    token = page.request.post(
        f"{base}/api/v1/tokens", data={"email": "ther@example.org", "password": TEST_PASSWORD}
    ).json()["token"]
    listed = page.request.get(
        f"{base}/api/v1/patients/{patient_id}/sessions",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    live = listed["items"][0]["items"][0]["live"]
    assert (live["reps_scored"], live["clean_reps"], live["fps"]) == saved

    # The therapist's pages: a link on the patient page, the trend on the progress page.
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill("ther@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/patients/{patient_id}")
    page.get_by_role("link", name="Live feedback by exercise").click()
    section = page.locator(".live-trends")
    expect(section.get_by_role("heading", name="Small smile with soft eyes")).to_be_visible()
    expect(section.locator("svg[role=img]")).to_have_count(1)
    section.get_by_text("the weeks as a table").click()
    expect(section.locator("tbody tr")).to_have_count(1)
    expect(section.locator("tbody")).to_contain_text(f"{saved[1]} of {saved[0]}")
    section.screenshot(path=str(SCREENSHOTS / "15-therapist-live-trend.png"))


@pytest.mark.parametrize("browser", [pytest.param(FAKE_CAMERA, id="camera")], indirect=True)
def test_without_webassembly_the_player_says_so_and_works_as_before(live_server, browser):
    from playwright.sync_api import expect

    patient_with_smile_programme(live_server, reps=1, hold_seconds=1, rest_seconds=0)
    page, base = browser.page, live_server.url
    page.add_init_script("delete window.WebAssembly")  # a browser without WebAssembly
    log_in(page, base)
    page.goto(f"{base}/session/player?speed=10")
    page.get_by_label("Live feedback from the camera").click()  # unticks itself at once
    assert wait_for_live_state(page, {"ready", "unavailable"}, timeout=60) == "unavailable"
    expect(page.locator("#live-unavailable")).to_contain_text(
        "Live feedback is unavailable: this browser cannot run it. The session works as usual"
    )
    expect(page.get_by_label("Live feedback from the camera")).to_be_disabled()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Begin this exercise").click()
    expect(page.locator("#player-summary")).to_be_visible()
    expect(page.locator("#live-gauge")).to_be_hidden()
    expect(page.locator("#items-0-live_reps_scored")).to_have_value("")


def test_the_cue_choice_is_remembered_on_this_device(live_server, browser):
    """Issue 16 part 7: the patient's sound and vibration choice survives a reload."""
    from playwright.sync_api import expect

    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        closure = db.session.scalar(select(Exercise).where(Exercise.slug == "gentle-eye-closure"))
        make_programme(patient.id, [closure], reps=1, times_per_day=1)
        patient_id = patient.id
        db.session.remove()
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/session/player")
    expect(page.locator("#cues-hint")).to_contain_text("beep (and vibrate")
    sound = page.get_by_label("Beep when the phase changes")
    expect(sound).not_to_be_checked()
    assert sound.evaluate("box => box.indeterminate")  # eyes-closed ones beep by themselves
    sound.check()
    assert not sound.evaluate("box => box.indeterminate")
    page.reload()
    expect(page.get_by_label("Beep when the phase changes")).to_be_checked()
    assert page.evaluate("() => Object.keys(localStorage)") == [f"retrain-cues-{patient_id}"]
    # Live feedback's soft tone too: on unless this patient turned it off on this phone.
    tone = page.locator("#opt-live-tone")
    assert tone.evaluate("box => box.checked")
    page.evaluate(f"() => localStorage.setItem('retrain-live-tone-{patient_id}', 'off')")
    page.reload()
    assert not tone.evaluate("box => box.checked")
    tone.evaluate("box => box.click()")  # turned on again: remembered
    assert page.evaluate(f"() => localStorage.getItem('retrain-live-tone-{patient_id}')") == "on"
    assert browser.errors == []
