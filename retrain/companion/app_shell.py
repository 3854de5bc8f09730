"""The installable app: its manifest, the service worker (served from the root so its
scope is the whole app), the offline page, the "add to Home Screen" help, and the
endpoint the offline outbox sends saved sessions to."""

import hashlib
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from pydantic import ValidationError

from ..access import require_role
from ..api.core import invalid
from ..api.sessions import IDEMPOTENCY_HEADER, SessionIn, log_session_in
from ..errors import AppError, Invalid
from ..models import PATIENT
from .reminders import json_error

bp = Blueprint("app_shell", __name__)

THEME = "#1f6f78"
BACKGROUND = "#f3f6f6"
# What the service worker keeps for offline use at install (besides the pages a patient
# opens, which it keeps per account): the app shell's styles, scripts and pictures.
PRECACHE_GLOBS = (
    "css/*.css",
    "js/*.js",
    "js/live/*.js",  # live feedback's own modules (41 KiB); its runtime is cached on use
    "img/*.svg",
    "img/icons/*.png",
    "img/regions/*.svg",
)


def precache() -> tuple[list[str], str]:
    """The URLs to precache and a version that changes with any of their contents."""
    found = current_app.extensions.get("retrain.precache")
    if found is None:
        static = Path(current_app.static_folder)
        files = sorted({p for pattern in PRECACHE_GLOBS for p in static.glob(pattern)})
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode() + path.read_bytes())
        urls = [url_for("static", filename=p.relative_to(static).as_posix()) for p in files]
        urls += [url_for("app_shell.offline"), url_for("app_shell.manifest")]
        found = current_app.extensions["retrain.precache"] = (urls, digest.hexdigest()[:12])
    return found


# A patient's own pages that the service worker may keep for offline use, for them only.
OFFLINE_PAGES = {"patient.today", "patient.player", "reminders.settings"}


@bp.after_app_request
def mark_offline_pages(response):
    if (
        request.endpoint in OFFLINE_PAGES
        and response.status_code == 200
        and current_user.is_authenticated
        and current_user.role == PATIENT
    ):
        response.headers["X-Offline-Page"] = str(current_user.id)
    return response


@bp.get("/sw.js")
def service_worker():
    urls, version = precache()
    script = render_template("companion/sw.js", version=version, precache=urls)
    return Response(script, mimetype="text/javascript", headers={"Service-Worker-Allowed": "/"})


@bp.get("/manifest.webmanifest")
def manifest():
    def icon(name, size, purpose):
        src = url_for("static", filename=f"img/icons/{name}")
        return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}

    body = {
        "id": "/",
        "name": "Retrain",
        "short_name": "Retrain",
        "description": "Your facial exercises, a little every day.",
        "lang": "en",
        "start_url": url_for("patient.today"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            icon("icon-192.png", 192, "any"),
            icon("icon-512.png", 512, "any"),
            icon("maskable-192.png", 192, "maskable"),
            icon("maskable-512.png", 512, "maskable"),
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline():
    """Shown by the service worker when a page is needed that it does not keep."""
    return render_template("companion/offline.html")


@bp.get("/install")
def install():
    """How to add Retrain to the Home Screen, on an iPhone and on Android."""
    return render_template("companion/install.html")


@bp.post("/session/outbox")
def send_saved_session():
    """A session the player saved on the phone (static/js/outbox.js), sent with the
    page's cookie, its CSRF token and an Idempotency-Key made on the phone: 201 stored,
    200 stored before (a retry), 422 refused with the reasons (kept on the phone)."""
    require_role(current_user, PATIENT)
    try:
        logged = log_session_in(current_user.id, _session_body(), "player")
    except AppError as error:
        return json_error(error)
    if request.args.get("flash") == "1":
        flash("Well done. Your session is saved.", "success")
    return jsonify(id=logged.id, created=logged.created), 201 if logged.created else 200


def _session_body() -> SessionIn:
    if not request.headers.get(IDEMPOTENCY_HEADER):
        raise Invalid("The saved session has no key. Please save it again.", "idempotency_key")
    try:
        return SessionIn.model_validate_json(request.get_data())
    except ValidationError as error:
        raise invalid(error, "The saved session is not complete.") from error
