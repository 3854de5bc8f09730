"""Cross-cutting request rules: deny by default, security headers, login loading."""

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from .extensions import login_manager
from .infrastructure import audit, logins, tokens

# The only endpoints an anonymous visitor may reach (ASVS 8.2.1: deny by default).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.healthz",
        "operations.metrics_page",  # its own bearer token (METRICS_TOKEN), else 404
        "auth.login",
        "auth.invitation",
        "auth.forgot_password",
        "auth.reset_password",
        "api.create_token",
        "api.openapi_json",
        "api.docs",
        # The installable app and the links inside reminders (signed tokens, no login).
        "app_shell.service_worker",
        "app_shell.manifest",
        "app_shell.offline",
        "app_shell.install",
        "reminder_links.calendar",
        "reminder_links.stop",
        "reminder_links.opened",
        "reminder_links.receipt",
    }
)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


class CookielessApiSessions(SecureCookieSessionInterface):
    """The API authenticates by bearer token only: it never reads or sets the cookie.

    So a browser's cookie can never authorise an API call, and the API needs no CSRF token.
    """

    def open_session(self, app, request):
        if is_api(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if is_api(request.path):
            return None
        return super().save_session(app, session, response)


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# The guided player only: live feedback's face-landmark runtime (static/vendor/face_mesh)
# builds functions with new Function in its WebAssembly glue, so this one page allows
# eval; every other page keeps script-src 'self' (docs/live-feedback.md). Scripts still
# come only from our own origin, and the page sends nothing but its session form.
PLAYER_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'")


def init_app(app: Flask) -> None:
    app.session_interface = CookielessApiSessions()
    _init_logins()
    app.before_request(deny_by_default)
    app.before_request(refuse_nul_characters)
    app.after_request(security_headers)


def _init_logins() -> None:
    """Who is asking: the page's login session (cookie) or the API's bearer token."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_key: str):
        return logins.user_for_key(session_key)

    @login_manager.request_loader
    def load_api_user(req):
        token = bearer_token() if is_api(req.path) else None
        return tokens.user_for(token) if token else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api(request.path):
            abort(401)
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def deny_by_default():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None  # no endpoint: the 404/405 handlers answer
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def refuse_nul_characters():
    # No keyboard types U+0000, and PostgreSQL cannot store it in text (it would
    # fail at the database, a 500): a request carrying one is malformed (400).
    if _carries_nul(request):
        abort(400)


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if current_app.config["ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        headers["X-Request-ID"] = audit.request_id()
        # Pages show personal data: never store them in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _carries_nul(req) -> bool:
    """Whether a query string or form field carries a NUL character.

    JSON bodies are left to the API's models, which name the field (api/schemas.py).
    """
    texts = [*req.args.keys(), *req.args.values()]
    if req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*req.form.keys(), *req.form.values()]
    return any("\x00" in text for text in texts)
