"""Cross-cutting request rules: deny by default, security headers, login loading."""

from flask import Flask, current_app, request
from flask_login import current_user

from .extensions import login_manager
from .services import audit

# The only endpoints an anonymous visitor may reach (ASVS 8.2.1: deny by default).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.healthz",
        "auth.login",
        "auth.invitation",
    }
)

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


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_key: str):
        from .services import logins

        return logins.user_for_key(session_key)

    @app.before_request
    def deny_by_default():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None  # no endpoint: the 404/405 handlers answer
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
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
