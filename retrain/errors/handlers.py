"""One place that turns every error into a friendly page (or JSON under /api/).

A 500 gets an error id that is logged with the traceback and shown to the user, so a
support request can be matched to the log without any clinical text in either.
"""

import logging
import uuid

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db

log = logging.getLogger("retrain.errors")

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    401: ("Please log in", "You need to log in to see this page."),
    403: ("Not for this account", "Your account does not have access to this page."),
    404: ("Page not found", "We could not find that page. It may have moved."),
    405: ("That action is not allowed here", "Please go back and use the page's buttons."),
    413: ("That file is too large", "Please choose a smaller file and try again."),
    415: ("That kind of file or content is not accepted", "Please check what you sent."),
    422: ("Something in that request was not valid", "Please check the values and try again."),
    429: ("Too many attempts", "Please wait a minute and then try again."),
    500: ("Something went wrong on our side", "We are sorry. Please try again in a moment."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(code: int, error_id: str | None = None):
    title, hint = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    if _wants_json():
        from ..api.core import error

        return error(code, title, error_id=error_id)
    return render_template(
        "errors/error.html", code=code, title=title, hint=hint, error_id=error_id
    ), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            return unexpected(error.original_exception or error)
        if error.code == 401:
            return _respond(401)
        return _respond(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        error_id = uuid.uuid4().hex[:12]
        log.error("error id %s on %s %s", error_id, request.method, request.path, exc_info=error)
        return _respond(500, error_id=error_id)
