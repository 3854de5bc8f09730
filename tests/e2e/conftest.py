"""Browser tests: the app served from a real server thread, driven by headless Chromium.

Debian's Chromium (/usr/bin/chromium) is used; `playwright install` is never run. The
tests are skipped, with the reason, when that browser is missing.
"""

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from retrain import create_app
from retrain.extensions import db

from ..conftest import POSTGRES_URL, make_config, reset_postgres

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
EXPECT_TIMEOUT_MS = 15_000
# A synthetic camera that needs no permission prompt, for the mirror.
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
)


@dataclass
class LiveServer:
    app: Flask
    url: str


@dataclass
class Browser:
    page: object  # playwright.sync_api.Page
    errors: list[str]  # console errors and uncaught exceptions, CSP violations included


@pytest.fixture
def live_server(tmp_path, migrated_template):
    """The app on 127.0.0.1 (a free port) in a thread, on its own copy of the test DB."""
    if not POSTGRES_URL:
        shutil.copy(migrated_template, tmp_path / "retrain.sqlite3")
    app = create_app(make_config(tmp_path))
    if POSTGRES_URL:
        with app.app_context():
            reset_postgres()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser(request):
    """A fresh phone-sized (390 x 844) page in headless Chromium, with its console errors.

    Extra Chromium flags may be passed with indirect parametrisation (see FAKE_CAMERA).
    """
    from playwright.sync_api import expect, sync_playwright

    # How long expect() waits for the page (5 s by default): longer, so that a machine
    # busy with other tests (make test runs two at once) makes no test fail.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    args = CHROMIUM_ARGS + list(getattr(request, "param", []))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield Browser(page, errors)
        finally:
            context.close()
            browser.close()


def open_menu(page) -> None:
    """On a phone the navigation folds behind "Menu" (issue 16): unfold it when folded."""
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
