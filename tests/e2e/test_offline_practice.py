"""The installable app in real headless Chromium: the manifest and the service worker
register; a whole session done and saved with the network off is sent exactly once when
it returns, even when the page is reloaded in the middle of sending it; a refused
session shows its reason; the player offers to carry on; log-out clears the outbox and
the cached pages; a reminder pushed to the service worker is shown and reported shown.

context.set_offline(True) cuts the page and the service worker off alike (Playwright
1.65 applies it to service workers too), so what works offline here is what the
service worker kept. Chromium's Background Sync, though, may fire as soon as a sync is
asked for, whatever the emulated network: the page tests turn it off (NO_BACKGROUND_SYNC)
so that only the page sends, and one test fires the sync event itself (through the
DevTools protocol) with no page of ours open, so that only the service worker sends.

The emulation is applied to a service worker asynchronously when Chromium restarts it,
so a request may slip through it now and then: while the tests' network is "down" the
server answers the outbox 503 as well (network_down / network_up), and a session can
only be stored once the test brings the network back.
"""

import contextlib
import json
import threading

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import PracticeSession, Programme

from ..web.practice_helpers import make_exercise, make_programme
from .conftest import needs_chromium, open_menu
from .test_player import log_in

pytestmark = [pytest.mark.browser, needs_chromium]

PLAYER = "/session/player?speed=10"
NO_BACKGROUND_SYNC = (
    "Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', {get: () => undefined})"
)
OUTBOX = "app_shell.send_saved_session"


def patient_with_programme(live_server, exercises=("Gentle smile",), hold_seconds=1):
    from tests import factories

    with live_server.app.app_context():
        patient = factories.make_user("patient", email="player@example.org", name="Pat Player")
        made = [make_exercise(name) for name in exercises]
        make_programme(
            patient.id,
            made,
            reps=1,
            sets=1,
            hold_seconds=hold_seconds,
            rest_seconds=1,
            times_per_day=1,
        )
        ids = patient.id, [exercise.id for exercise in made]
        db.session.remove()
    return ids


def stored_sessions(live_server) -> list:
    with live_server.app.app_context():
        rows = db.session.execute(select(PracticeSession.id, PracticeSession.idempotency_key)).all()
        db.session.remove()
    return rows


def kept_by_the_service_worker(page, base):
    """Wait until the service worker controls the page and has kept Today and the player.
    From here on only the page sends the outbox (see the module's notes)."""
    page.add_init_script(NO_BACKGROUND_SYNC)
    page.goto(f"{base}/today")
    # The worker may claim pages while one is still loading: once it is active, a fresh
    # load of Today is surely one it controls.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}/today")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for path in ("/today", PLAYER):
        page.goto(f"{base}{path}")
    page.wait_for_function(
        """async () => {
            const names = (await caches.keys()).filter((n) => n.startsWith("retrain-pages-"));
            if (names.length !== 1) return false;
            const cache = await caches.open(names[0]);
            return (await cache.keys()).length >= 2;
        }"""
    )


def wait_for_empty_outbox(page) -> bool:
    """True once the outbox on the phone is empty (Today reloads itself after sending,
    so a read may meet a page on its way out: read again)."""
    for _ in range(100):
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state()
            if page.evaluate("RetrainOutbox.list(document.body.dataset.user)") == []:
                return True
        page.wait_for_timeout(100)
    return False


def network_down(page, live_server):
    """Offline for the browser, and the outbox refused by the server (see the notes)."""
    app = live_server.app
    app.config.setdefault("TEST_REAL_OUTBOX", app.view_functions[OUTBOX])
    app.view_functions[OUTBOX] = lambda **kwargs: ("Offline in this test", 503)
    page.context.set_offline(True)


def network_up(page, live_server, view=None):
    """Back online; the outbox answered by `view` (by default the real one)."""
    app = live_server.app
    app.view_functions[OUTBOX] = view or app.config["TEST_REAL_OUTBOX"]
    page.context.set_offline(False)


def saved_offline(page, live_server):
    """Log in, let the service worker keep the pages, then offline: a whole session in
    the player, saved on the phone."""
    base = live_server.url
    log_in(page, base)
    kept_by_the_service_worker(page, base)
    network_down(page, live_server)
    page.goto(f"{base}{PLAYER}")  # from the service worker's copy
    do_session_and_save(page)


def do_session_and_save(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Start").click()
    for _ in range(page.locator("#player-start ol li").count()):
        page.get_by_role("button", name="Begin this exercise").click()
        page.wait_for_function(
            "() => document.getElementById('player-exercise').hidden ||"
            " !document.getElementById('player-counter').textContent.includes('to do')"
        )
    expect(page.locator("#player-summary")).to_be_visible()
    page.get_by_label("2 · easy").check()
    page.locator("#synkinesis_rating-3").check()
    page.get_by_role("button", name="Save session").click()
    expect(page.locator("#save-message")).to_be_visible()  # kept on the phone by now


def test_manifest_and_service_worker_register(live_server, browser):
    patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    log_in(page, base)
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/today"
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{base}/"
    kept_by_the_service_worker(page, base)
    shell = page.evaluate("caches.keys()")
    assert any(name.startswith("retrain-shell-") for name in shell)
    assert browser.errors == []


def test_a_session_saved_offline_is_logged_once_even_if_the_page_reloads_mid_send(
    live_server, browser
):
    from playwright.sync_api import expect

    patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    saved_offline(page, live_server)
    expect(page.locator("#save-message")).to_be_visible()
    expect(page.locator("#save-message")).to_contain_text("saved on this phone, not sent yet")
    expect(page.locator("#summary-form")).to_be_hidden()
    page.goto(f"{base}/today")
    expect(page.locator("#outbox-panel")).to_contain_text("not sent yet")
    assert stored_sessions(live_server) == []

    # Back online, the page sends at once (and Chromium's Background Sync may too). The
    # server holds the first send until the page has been reloaded, so whoever sent it
    # never hears the answer; the reloaded page sends the same entry again.
    arrived, release = threading.Event(), threading.Event()
    answers = []
    real = live_server.app.config["TEST_REAL_OUTBOX"]

    def held(**kwargs):
        db.session.commit()  # hold no transaction (on SQLite: no write lock) while waiting
        arrived.set()
        release.wait(timeout=30)
        response = live_server.app.make_response(real(**kwargs))
        answers.append(response.status_code)
        return response

    network_up(page, live_server, held)
    assert arrived.wait(timeout=30)
    page.reload()  # in the middle of the send
    release.set()
    assert wait_for_empty_outbox(page)  # sent again with the same key
    assert 201 in answers and set(answers) <= {200, 201}  # stored once, then "stored before"
    expect(page.locator("#outbox-panel")).to_have_count(0)
    expect(page.get_by_text("1 of 1")).to_be_visible()
    (stored,) = stored_sessions(live_server)
    assert len(stored.idempotency_key) == 36  # the key made on the phone (a UUID)


def test_a_session_is_sent_when_the_page_is_seen_again(live_server, browser):
    """The phone was back online but the server could not be reached (the send on
    `online` failed); the next time the patient looks at the page, it sends."""
    patient_with_programme(live_server)
    page = browser.page
    saved_offline(page, live_server)
    tries = []
    app = live_server.app

    def unreachable(**kwargs):
        tries.append(1)
        return "Unreachable in this test", 503

    app.view_functions[OUTBOX] = unreachable
    page.context.set_offline(False)  # `online`: the page tries, and fails
    for _ in range(100):
        if tries:
            break
        page.wait_for_timeout(100)
    assert tries and stored_sessions(live_server) == []
    app.view_functions[OUTBOX] = app.config["TEST_REAL_OUTBOX"]  # no event in the page
    page.wait_for_timeout(500)
    assert stored_sessions(live_server) == []  # nothing sends by itself meanwhile
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    assert wait_for_empty_outbox(page)
    assert len(stored_sessions(live_server)) == 1


def test_a_refused_session_shows_its_reason(live_server, browser):
    from playwright.sync_api import expect

    patient_id, _ = patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    saved_offline(page, live_server)
    expect(page.locator("#save-message")).to_contain_text("not sent yet")

    with live_server.app.app_context():  # meanwhile the therapist changes the programme
        old = db.session.scalar(select(Programme).where(Programme.patient_id == patient_id))
        old.ended_on = old.starts_on
        db.session.commit()
        make_programme(patient_id, [make_exercise("Eye closure")], version=2)
        db.session.remove()

    network_up(page, live_server)
    panel = page.locator("#outbox-panel")
    expect(panel).to_contain_text(
        "could not be saved: That exercise is not in your current programme"
    )
    assert stored_sessions(live_server) == []
    page.goto(f"{base}/today")
    expect(panel).to_contain_text("could not be saved")  # kept until the patient removes it
    page.get_by_role("button", name="Remove it from this phone").click()
    expect(panel).to_have_count(0)


def test_the_player_offers_to_carry_on_the_same_day(live_server, browser):
    from playwright.sync_api import expect

    patient_with_programme(live_server, ("Gentle smile", "Eye closure"), hold_seconds=60)
    page, base = browser.page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/session/player")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Skip exercise").click()
    expect(page.locator("#exercise-name")).to_have_text("Eye closure")

    page.reload()  # the tab was closed, or a phone call came
    offer = page.locator(".resume-offer")
    expect(offer).to_contain_text("exercise 2 of 2")
    page.get_by_role("button", name="Carry on where I stopped").click()
    expect(page.locator("#exercise-name")).to_have_text("Eye closure")
    page.get_by_role("button", name="Skip exercise").click()
    expect(page.locator("#player-summary")).to_be_visible()
    expect(page.locator("#items-0-skipped")).to_be_checked()  # remembered from before

    page.reload()
    expect(offer).to_contain_text("did not save it yet")
    page.get_by_role("button", name="Start again").click()
    expect(offer).to_have_count(0)
    page.reload()
    expect(offer).to_have_count(0)
    assert browser.errors == []


def test_log_out_clears_the_outbox_and_the_cached_pages(live_server, browser):
    from playwright.sync_api import expect

    patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    saved_offline(page, live_server)
    page.goto(f"{base}/today")
    # The server cannot take it yet (503), from the page or the service worker alike.
    network_up(page, live_server, lambda: ("Not now", 503))

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    for _ in range(100):  # the page tries to send first, then asks
        if dialogs:
            break
        page.wait_for_timeout(100)
    assert "will be lost" in dialogs[0]
    expect(page.locator("#outbox-panel")).to_contain_text("not sent yet")  # stayed: kept
    assert page.url == f"{base}/today"

    page.once("dialog", lambda dialog: dialog.accept())
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/login")
    assert not [n for n in page.evaluate("caches.keys()") if n.startswith("retrain-pages-")]
    names = page.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))")
    assert "retrain" not in names
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('retrain.'))") == []
    assert stored_sessions(live_server) == []


def service_worker_of(page, base):
    """A DevTools session and the registration id of the app's service worker (root scope),
    to hand it events as the browser would."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    (registration,) = [r for r in registrations if r["scopeURL"] == f"{base}/"]
    return cdp, registration["registrationId"]


def test_background_sync_sends_from_the_service_worker_alone(live_server, browser):
    patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    saved_offline(page, live_server)
    page.goto("about:blank")  # no page of ours runs now: only the service worker can send
    network_up(page, live_server)

    cdp, registration_id = service_worker_of(page, base)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": base,
            "registrationId": registration_id,
            "tag": "retrain-outbox",
            "lastChance": False,
        },
    )
    for _ in range(100):
        if stored_sessions(live_server):
            break
        page.wait_for_timeout(100)
    assert len(stored_sessions(live_server)) == 1


def test_a_pushed_reminder_is_shown_and_reported_by_the_service_worker(live_server, browser):
    """The server's own payload for a due reminder (the tick, with the push service's
    post recorded instead of sent) is delivered to the service worker through the
    DevTools protocol: it shows the notification and reports it shown, so the delivery
    is marked shown and the patient counted as reached by notification."""
    from retrain.companion import sending
    from retrain.infrastructure import webpush
    from retrain.models import Patient, ReminderDelivery, ReminderSettings

    from ..web.reminder_helpers import add_device, set_reminders

    patient_id, _ = patient_with_programme(live_server)
    page, base = browser.page, live_server.url
    page.context.grant_permissions(["notifications"], origin=base)
    log_in(page, base)
    # The worker may have been claiming pages while the login navigated: once it is
    # active, a fresh load of Today is surely one it controls.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}/today")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    payloads = []
    with live_server.app.app_context():
        patient = db.session.get(Patient, patient_id)
        set_reminders(patient, push=True, email=False)
        add_device(patient)
        real_send = webpush.send
        webpush.send = lambda endpoint, p256dh, auth, payload, ttl: payloads.append(payload)
        try:
            sending.tick()
        finally:
            webpush.send = real_send
        db.session.remove()
    (payload,) = payloads

    cdp, registration_id = service_worker_of(page, base)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": base,
            "registrationId": registration_id,
            "data": json.dumps(payload),
        },
    )

    def shown():
        with live_server.app.app_context():
            delivery = db.session.scalar(select(ReminderDelivery))
            settings = db.session.get(ReminderSettings, patient_id)
            found = delivery.shown_at is not None, settings.reached_by
            db.session.remove()
        return found

    for _ in range(100):
        if shown()[0]:
            break
        page.wait_for_timeout(100)
    assert shown() == (True, "push")
