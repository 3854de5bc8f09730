"""Live feedback (static/js/live/) in headless Chromium, on a fake camera showing a real face.

A static test page (tests/e2e/live_page/), not a Flask page, runs Face Mesh from the
files `make` copies to static/vendor/face_mesh/<version>/, calibrates on the resting
face and scores back-to-back holds while the video's face smiles on its right side and
narrows that eye (tests/e2e/face_video.py). Speeds are printed (run with -s), never
asserted: this machine is not a phone (docs/live-feedback.md).
"""

import json
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from retrain.security import CSP

from ..conftest import only_in_its_pass
from .conftest import CHROMIUM, CHROMIUM_ARGS, FAKE_CAMERA, PHONE, needs_chromium
from .face_video import write_video

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor" / "face_mesh"
RUNTIME_DIRS = sorted(p for p in VENDOR.glob("*") if (p / "face_mesh.js").is_file())
# What Face Mesh needs from the page's policy: its WebAssembly glue builds functions
# with new Function (embind), so 'unsafe-eval' is required, not only 'wasm-unsafe-eval'.
FACE_MESH_CSP = CSP.replace(
    "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'"
)
# The files a browser with WebAssembly SIMD loads, once (then from its cache).
LOADED_ONCE = {
    "face_mesh.js",
    "face_mesh.binarypb",
    "face_mesh_solution_packed_assets_loader.js",
    "face_mesh_solution_packed_assets.data",
    "face_mesh_solution_simd_wasm_bin.js",
    "face_mesh_solution_simd_wasm_bin.wasm",
}

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.skipif(
        not RUNTIME_DIRS, reason="face-mesh runtime not in static/vendor (make copies it from npm)"
    ),
]


class Handler(SimpleHTTPRequestHandler):
    """/page/ the test page, /live/ our modules, /vendor/ the runtime; the CSP of the server."""

    routes = {
        "/page/": ROOT / "tests" / "e2e" / "live_page",
        "/live/": ROOT / "static" / "js" / "live",
        "/vendor/": RUNTIME_DIRS[-1] if RUNTIME_DIRS else VENDOR,
    }
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        for prefix, folder in self.routes.items():
            if path.startswith(prefix):
                name = path[len(prefix) :]
                if "/" in name or name.startswith("."):
                    break
                return str(folder / name)
        return str(ROOT / "missing")

    def end_headers(self):
        self.send_header("Content-Security-Policy", self.server.csp)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def page_server():
    """Serves the test page; set .csp to the policy the pages get (the app's by default)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.csp = CSP
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def chromium(request):
    """Launches headless Chromium with extra flags; yields a function that opens a page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browsers = []

        def open_page(*flags):
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + list(flags)
            )
            browsers.append(browser)
            return browser.new_context(viewport=PHONE).new_page()

        try:
            yield open_page
        finally:
            for browser in browsers:
                browser.close()


def wait_for_report(page, statuses, timeout=120):
    """Polls window.liveReport (the app's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = page.evaluate("() => window.liveReport")
        if report and report["status"] in statuses:
            return report
        page.wait_for_timeout(250)
    report = page.evaluate("() => window.liveReport")
    raise AssertionError(f"page did not reach {statuses}: {report}")


def test_a_fake_camera_face_is_calibrated_and_its_narrowing_eye_flagged(
    tmp_path, page_server, chromium
):
    only_in_its_pass("sqlite")  # no database involved: once per `make test` is enough
    video = write_video(tmp_path / "face.y4m")
    page = chromium(*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}")
    page_server.csp = FACE_MESH_CSP
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url)))
    sizes = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, int(r.headers["content-length"])))
    origin = f"http://127.0.0.1:{page_server.server_port}"
    page.goto(f"{origin}/page/index.html")
    report = wait_for_report(page, {"done", "error", "unavailable"}, timeout=180)
    assert report["status"] == "done", report

    assert report["faces"] >= 0.9 * report["frames"], "a face in (nearly) every frame"
    scored = [hold for hold in report["holds"] if hold["scored"]]
    assert len(scored) >= 3, report["holds"]
    flagged = [h for h in scored if h["target"]["reached"] and not h["clean"]]
    assert flagged, f"the smile with the narrowing right eye is flagged: {report['holds']}"
    assert max(h["holdBack"]["value"] for h in flagged) >= 0.25
    resting = [h for h in scored if h["clean"] and not h["target"]["reached"]]
    assert resting, "a hold at rest is clean and reaches no target"
    summary = report["summary"]["closed-lip-smile"]
    assert summary["repsScored"] == len(scored)
    assert 0 < summary["cleanReps"] < summary["repsScored"]

    # Privacy: nothing but our own files was asked for, and nothing was sent.
    assert all(url.startswith(origin + "/") for _, url in requests), requests
    assert {method for method, _ in requests} == {"GET"}
    runtime = {url.rsplit("/", 1)[1]: size for url, size in sizes.items() if "/vendor/" in url}
    assert set(runtime) == LOADED_ONCE

    stats = report["stats"]
    print(
        f"\nlive feedback in headless Chromium: {stats['fps']:.1f} fps,"
        f" Face Mesh {stats['frameMs']:.0f} ms per frame, measures {report['measureMs']:.2f} ms"
        f" per frame; reduced to every other frame: {stats['reduced']};"
        f" calibrated after {report['calibratedAfterFrames']} frames;"
        f" downloaded once: {sum(runtime.values())} bytes ({json.dumps(runtime)})"
    )
    print(
        "holds (mouth corner, eye narrowing):",
        [(round(h["target"]["value"], 3), round(h["holdBack"]["value"], 3)) for h in scored],
    )


def test_live_feedback_says_unavailable_without_its_files_or_under_a_strict_policy(
    page_server, chromium
):
    only_in_its_pass("sqlite")
    page = chromium()
    origin = f"http://127.0.0.1:{page_server.server_port}"
    page.goto(f"{origin}/page/index.html?assets=/vendor/missing-version/&camera=no")
    report = wait_for_report(page, {"unavailable", "loaded", "error"})
    assert (report["status"], report["reason"]) == ("unavailable", "files-missing")

    # The app's own policy (no 'unsafe-eval'): the runtime cannot start, and says so.
    page.goto(f"{origin}/page/index.html?camera=no")
    report = wait_for_report(page, {"unavailable", "loaded", "error"})
    assert (report["status"], report["reason"]) == ("unavailable", "failed"), report
    assert "unsafe-eval" in report["detail"]
