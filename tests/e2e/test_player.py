"""The guided player in a real browser: run a session, save it, find it in history."""

import json

import pytest
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Exercise, PracticeSession

from ..conftest import TEST_PASSWORD
from ..web.practice_helpers import make_exercise, make_programme
from .conftest import FAKE_CAMERA, needs_chromium, open_menu

pytestmark = [pytest.mark.browser, needs_chromium]


def make_patient_with_programme(live_server, *, hold_seconds, rest_seconds, reps=1):
    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        exercise = make_exercise(
            "Gentle smile",
            instructions="Sit in front of a mirror.\nSlowly lift both mouth corners.",
            hold_back="Keep your eyes open and soft.",
        )
        make_programme(
            patient.id,
            [exercise],
            reps=reps,
            sets=1,
            hold_seconds=hold_seconds,
            rest_seconds=rest_seconds,
            times_per_day=1,
        )
        ids = patient.id, exercise.id
        db.session.remove()  # end the transaction: the server thread writes next
    return ids


def log_in(page, base_url):
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill("player@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/today")


@pytest.mark.browser_smoke  # runs on PostgreSQL too
def test_player_runs_a_session_and_saves_it(live_server, browser):
    from playwright.sync_api import expect

    patient_id, exercise_id = make_patient_with_programme(
        live_server, hold_seconds=1, rest_seconds=1
    )
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.get_by_role("link", name="Start today's session").click()
    page.wait_for_url(f"{base}/session/player")

    # Sped up for the test: the server honours ?speed only when TESTING.
    page.goto(f"{base}/session/player?speed=10")
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-fallback")).to_be_hidden()
    page.get_by_role("button", name="Start").click()

    expect(page.locator("#exercise-name")).to_have_text("Gentle smile")
    expect(page.locator("#exercise-hold-back")).to_have_text("Keep your eyes open and soft.")
    expect(page.locator("#exercise-steps li")).to_have_count(2)
    expect(page.locator("#player-counter")).to_have_text("1 repetition to do")
    page.get_by_role("button", name="Begin this exercise").click()

    # One repetition of hold 1 s (no rest after the last one), then the summary.
    expect(page.locator("#player-summary")).to_be_visible()
    expect(page.locator("#summary-title")).to_be_focused()
    expect(page.locator("#player-announcer")).to_contain_text("Session finished")
    reps = page.locator("#items-0-reps_done")
    expect(reps).to_have_value("1")
    expect(page.locator("#items-0-skipped")).not_to_be_checked()

    page.get_by_label("2 · easy").check()
    page.locator("#synkinesis_rating-3").check()
    page.get_by_label("Note (optional)").fill("Smooth and slow today.")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"{base}/today")
    expect(page.get_by_text("Your session is saved")).to_be_visible()
    expect(page.get_by_text("1 of 1")).to_be_visible()

    with live_server.app.app_context():
        stored = db.session.scalars(select(PracticeSession)).all()
        assert len(stored) == 1
        session = stored[0]
        assert session.patient_id == patient_id and session.source == "player"
        assert (session.effort, session.synkinesis_rating) == (2, 3)
        assert session.note == "Smooth and slow today."
        assert [(i.exercise_id, i.reps_done, i.sets_done, i.skipped) for i in session.items] == [
            (exercise_id, 1, 1, False)
        ]
        db.session.remove()

    open_menu(page)
    page.get_by_role("link", name="History").click()
    page.wait_for_url(f"{base}/history")
    expect(page.get_by_text("Smooth and slow today.")).to_be_visible()
    expect(page.get_by_text("Gentle smile: 1 repetition")).to_be_visible()
    assert browser.errors == []  # no CSP violation, no script error


def test_pause_resume_and_skip(live_server, browser):
    from playwright.sync_api import expect

    make_patient_with_programme(live_server, hold_seconds=60, rest_seconds=5, reps=3)
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/session/player")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Begin this exercise").click()
    expect(page.locator("#player-phase")).to_have_text("Move slowly and hold")
    expect(page.locator("#player-counter")).to_have_text("Repetition 1 of 3")

    pause = page.locator("#player-pause")
    pause.click()
    expect(page.locator("#player-phase")).to_have_text("Paused")
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(pause).to_have_text("Resume")
    pause.press("Enter")  # keyboard works as well as taps
    expect(page.locator("#player-phase")).to_have_text("Move slowly and hold")
    expect(pause).to_have_text("Pause")

    page.get_by_role("button", name="Skip exercise").click()
    expect(page.locator("#player-summary")).to_be_visible()
    # Nothing was done: no praise for it.
    expect(page.locator("#summary-title")).to_have_text(
        "Session ended. No exercise was done this time."
    )
    expect(page.locator("#items-0-reps_done")).to_have_value("0")
    expect(page.locator("#items-0-skipped")).to_be_checked()
    assert browser.errors == []


def test_ending_the_session_early_keeps_what_was_done_and_skips_the_rest(live_server, browser):
    from playwright.sync_api import expect

    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        names = ("Gentle smile", "Lip press", "Eyebrow lift")
        make_programme(
            patient.id,
            [make_exercise(name) for name in names],
            reps=1,
            sets=1,
            hold_seconds=1,
            rest_seconds=1,
            times_per_day=1,
        )
        db.session.remove()
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/session/player?speed=10")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Begin this exercise").click()
    expect(page.locator("#exercise-name")).to_have_text("Lip press")  # the first one is done
    page.get_by_role("button", name="End the session here").click()
    expect(page.locator("#player-summary")).to_be_visible()
    expect(page.locator("#summary-title")).to_have_text("Session finished. Well done.")
    expect(page.locator("#items-0-reps_done")).to_have_value("1")
    expect(page.locator("#items-0-skipped")).not_to_be_checked()
    for index in (1, 2):
        expect(page.locator(f"#items-{index}-reps_done")).to_have_value("0")
        expect(page.locator(f"#items-{index}-skipped")).to_be_checked()
    assert browser.errors == []


def test_without_javascript_the_plain_form_is_offered(live_server, browser):
    from playwright.sync_api import expect

    make_patient_with_programme(live_server, hold_seconds=1, rest_seconds=1)
    page, base = browser.page, live_server.url
    # No service worker either: it would serve player.js from its cache.
    page.context.route("**/sw.js", lambda route: route.abort())
    log_in(page, base)
    page.context.route("**/static/js/player.js", lambda route: route.abort())
    page.goto(f"{base}/session/player")
    expect(page.locator("#player-fallback")).to_be_visible()
    expect(page.locator("#player")).to_be_hidden()
    page.get_by_role("link", name="Log your session with the plain form").click()
    page.wait_for_url(f"{base}/session/new")
    expect(page.get_by_label("Repetitions done")).to_have_value("1")


@pytest.mark.parametrize("browser", [FAKE_CAMERA], indirect=True)
def test_mirror_shows_the_camera_mirrored_and_stops_at_the_end(live_server, browser):
    from playwright.sync_api import expect

    make_patient_with_programme(live_server, hold_seconds=60, rest_seconds=5)
    page, base = browser.page, live_server.url
    log_in(page, base)
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if r.method != "GET" else None)
    page.goto(f"{base}/session/player")
    page.get_by_role("button", name="Start").click()
    toggle = page.get_by_role("button", name="Show mirror")
    toggle.click()
    video = page.locator("#mirror-video")
    expect(video).to_be_visible()
    expect(video).to_have_class("mirror")
    expect(page.locator("#mirror-toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("document.getElementById('mirror-video').srcObject !== null")

    page.get_by_role("button", name="Skip exercise").click()  # the only exercise: the end
    expect(page.locator("#player-summary")).to_be_visible()
    expect(video).to_be_hidden()
    assert page.evaluate("document.getElementById('mirror-video').srcObject") is None
    assert uploads == []  # nothing was sent anywhere
    assert browser.errors == []


# Records each beep and vibration with the exercise on screen (no real sound or buzz).
RECORD_CUES = """
window.__cues = [];
const onScreen = () => (document.getElementById('exercise-name') || {}).textContent;
Object.defineProperty(navigator, 'vibrate', {
  configurable: true,
  value: (pattern) => { window.__cues.push(['vibrate', onScreen()]); return true; },
});
window.AudioContext = class {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    const cues = window.__cues;
    return { frequency: {}, connect() {}, stop() {},
             start() { cues.push(['beep', onScreen()]); } };
  }
  createGain() { return { gain: {}, connect() {} }; }
};
"""


def run_eyes_closed_then_smile(page, base):
    """A session of two one-repetition exercises: the eye closure, then a smile."""
    from playwright.sync_api import expect

    page.goto(f"{base}/session/player?speed=20")
    page.get_by_role("button", name="Start").click()
    for name in ("Gentle eye closure without smiling", "Small smile with soft eyes"):
        expect(page.locator("#exercise-name")).to_have_text(name)
        page.get_by_role("button", name="Begin this exercise").click()
    expect(page.locator("#player-summary")).to_be_visible()
    return [tuple(cue) for cue in page.evaluate("window.__cues")]


@pytest.mark.parametrize("remembered", [None, {"sound": False, "vibrate": False}])
def test_eyes_closed_exercises_beep_and_vibrate_until_the_patient_chooses(
    live_server, browser, remembered
):
    """Issue 16 part 7: with no choice made on this device, the eye closure beeps and
    vibrates at each phase change and the smile does not; once the patient has chosen
    (both boxes off here), nothing cues."""
    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        slugs = ("gentle-eye-closure", "closed-lip-smile")
        by_slug = {e.slug: e for e in db.session.scalars(select(Exercise))}
        make_programme(
            patient.id,
            [by_slug[slug] for slug in slugs],
            reps=2,
            sets=1,
            hold_seconds=1,
            rest_seconds=1,
            times_per_day=1,
        )
        patient_id = patient.id
        db.session.remove()
    page, base = browser.page, live_server.url
    page.add_init_script(RECORD_CUES)
    log_in(page, base)
    if remembered is not None:
        page.evaluate(
            "([key, value]) => localStorage.setItem(key, value)",
            [f"retrain-cues-{patient_id}", json.dumps(remembered)],
        )
    cues = run_eyes_closed_then_smile(page, base)
    if remembered is None:
        closure = "Gentle eye closure without smiling"
        # Two repetitions with a rest between: three phase changes, each a beep and a buzz.
        assert cues.count(("beep", closure)) == 3 and cues.count(("vibrate", closure)) == 3
        assert not [cue for cue in cues if cue[1] != closure], cues
    else:
        assert cues == []
    assert browser.errors == []
