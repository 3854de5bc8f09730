"""One place that turns every error into a friendly page (or JSON under /api/).

Use cases raise ``retrain.errors`` (NotFound, NotAllowed, Invalid, Conflict): a route
that shows a form catches Invalid and puts it beside the fields (``problems_beside``); a
button's route flashes it (``problems_flashed``); anything else is answered here, once.
A 500 gets an error id that is logged with the traceback and shown to the user, so a
support request can be matched to the log without any clinical text in either.
"""

import logging
import uuid
from contextlib import contextmanager

from flask import Flask, flash, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import AppError, Conflict, Invalid
from ..extensions import db
from ..infrastructure import audit

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


def _respond(code: int, error_id: str | None = None, refusal: AppError | None = None):
    title, hint = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    # An invalid request or a conflict says what was wrong; a refusal of a record or a
    # section says nothing more than its status (it must not confirm what exists).
    explained = refusal if isinstance(refusal, Invalid | Conflict) else None
    if _wants_json():
        from ..api.core import error, problem_fields

        if explained is not None:
            return error(code, explained.message, problem_fields(explained))
        return error(code, title, error_id=error_id)
    if explained is not None:
        hint = explained.message
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

    @app.errorhandler(AppError)
    def refused(error: AppError):
        db.session.rollback()
        audit.note_refusal(error.status)
        return _respond(error.status, refusal=error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        error_id = uuid.uuid4().hex[:12]
        log.error("error id %s on %s %s", error_id, request.method, request.path, exc_info=error)
        return _respond(500, error_id=error_id)


@contextmanager
def problems_beside(form, default: str, *also: type[AppError]):
    """Run a form's use case: an Invalid (or one of ``also``) it raises is shown beside
    the form's fields (``show_on_form``) and the rest of the block is skipped."""
    try:
        yield
    except (Invalid, *also) as error:
        show_on_form(form, error, default)


@contextmanager
def problems_flashed(*also: type[AppError]):
    """Run a button's use case (no form to show again): an Invalid (or one of ``also``)
    it raises is flashed as an error and the rest of the block is skipped."""
    try:
        yield
    except (Invalid, *also) as error:
        flash(error.message, "error")


def show_on_form(form, error: AppError, default: str) -> None:
    """Put each of a use case's problems beside its field (``sites-2-units`` names a row
    of a list); a problem with no such field goes beside ``default``."""
    for problem in error.problems:
        target = _field(form, problem.field) or _field(form, default)
        if target is None:
            flash(problem.message, "error")
        else:
            target.errors = [*target.errors, problem.message]


def _field(form, name: str | None):
    if not name:
        return None
    if name in form._fields:
        return form._fields[name]
    head, _, rest = name.partition("-")
    index, _, sub = rest.partition("-")
    parent = form._fields.get(head)
    if parent is None or not index.isdigit() or not hasattr(parent, "entries"):
        return None
    if int(index) >= len(parent.entries):
        return parent
    entry = parent.entries[int(index)]
    return entry.form._fields.get(sub) if sub and hasattr(entry, "form") else entry
