"""Record the audit trail (HIPAA 164.312(b), ASVS 16): what happened, not every check.

Rows are inserted unsealed and without any lock; audit_chain.seal() links them into the
keyed hash chain a few seconds later. Reading the trail for people is
usecases/audit_trail.py's.

In a request, events wait in a buffer kept with the request's database session, then:
- go into the request's own transaction when it commits, so a change and its audit row
  are saved together or not at all;
- otherwise are written when the request ends, in a short transaction of their own after
  the page's has been rolled back: a page view, a refusal, a request that ended in an
  error. So no page waits for an audit write before its own work.
Outside a request (jobs, commands) an event joins the caller's transaction at once.

What a request did to a patient's record is decided once, when it ends or commits:
- ``viewed``: the record was shown; one "view" row per patient per request;
- ``intends``: a change was allowed (access.require for a write action). It is "saved"
  when the request commits; a GET that saved nothing only showed a form (a view); any
  other request that saved nothing is "refused" with the reason a use case or its answer
  gives (invalid, conflict...), "failed" on a server error, or "unchanged".
"""

import logging
import uuid

from flask import Flask, g, has_request_context, request, template_rendered
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from wtforms import Form

from ..extensions import db
from ..models.audit import AuditEvent
from ..models.base import utcnow
from . import transactions

log = logging.getLogger(__name__)

# The fields the chain's HMAC covers (with the row's id, seq and the previous hash).
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "target",
    "outcome",
    "reason",
    "request_id",
    "address",
)
VIEW_ACTION = "view"
_PENDING = "retrain.audit.pending"  # key in Session.info: this request's unwritten events
_INFLIGHT = "retrain.audit.inflight"  # handed to a commit that has not finished yet

# A request that saved nothing: what its answer's status says about the change.
_UNSAVED = {
    400: ("refused", "invalid"),
    403: ("refused", "not_allowed"),
    404: ("refused", "not_allowed"),
    409: ("refused", "conflict"),
    413: ("refused", "too_large"),
    422: ("refused", "invalid"),
    429: ("refused", "throttled"),
}


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


class Pending:
    """One request's events not yet written."""

    def __init__(self):
        self.events: list[dict] = []  # written as they are
        self.views: dict[tuple[int, str], dict] = {}  # (patient id, read action) -> row
        self.intents: dict[tuple[str, int], dict] = {}  # (action, patient id) -> change

    def __bool__(self) -> bool:
        return bool(self.events or self.views or self.intents)

    def take(self, resolve_intent) -> list[dict]:
        """Everything, each intent resolved to its row (or to a plain view, when the
        resolver says None), and no view of a patient whose change is recorded."""
        changed, views = set(), dict(self.views)
        rows = list(self.events)
        for fields in self.intents.values():
            row = resolve_intent(fields)
            if row is None:
                view = {**fields, "action": VIEW_ACTION, "outcome": "ok"}
                views.setdefault((fields["patient_id"], VIEW_ACTION), view)
                continue
            rows.append(row)
            changed.add(fields["patient_id"])
        rows += [view for (patient_id, _), view in views.items() if patient_id not in changed]
        self.events, self.views, self.intents = [], {}, {}
        return rows


def _fields(action, *, patient_id=None, target=None, outcome="ok", reason=None, actor=None):
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    in_request = has_request_context()
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_role": actor.role if actor else None,
        "action": action,
        "patient_id": patient_id,
        "target": target,
        "outcome": outcome,
        "reason": reason,
        "request_id": request_id(),
        "address": request.remote_addr if in_request else None,
    }


def _pending() -> Pending:
    return db.session().info.setdefault(_PENDING, Pending())


def record(
    action: str,
    *,
    patient_id: int | None = None,
    target: str | None = None,
    outcome: str = "ok",
    reason: str | None = None,
    actor=None,
) -> None:
    """Record one event (``actor`` defaults to the logged-in user). In a request it is
    written with the request's commit or when the request ends; elsewhere it joins the
    caller's transaction."""
    fields = _fields(
        action, patient_id=patient_id, target=target, outcome=outcome, reason=reason, actor=actor
    )
    if has_request_context():
        _pending().events.append(fields)
    else:
        db.session.add(AuditEvent(**fields))


def viewed(actor, patient_id: int, action: str = VIEW_ACTION) -> None:
    """The request shows this patient's record (or a part read under its own action, such
    as the messages): one row per patient and action, however many checks."""
    if not has_request_context():
        return  # a job or a command shows nobody anything
    pending = _pending()
    if (patient_id, action) not in pending.views:
        pending.views[(patient_id, action)] = _fields(
            action, patient_id=patient_id, target=request.endpoint, actor=actor
        )


def intends(actor, action: str, patient_id: int) -> None:
    """The request may change this patient's record by ``action``: what it did is
    decided when it commits or ends (module docstring)."""
    in_request = has_request_context()
    target = request.endpoint if in_request else None
    fields = _fields(action, patient_id=patient_id, target=target, outcome="saved", actor=actor)
    if not in_request:
        db.session.add(AuditEvent(**fields))  # saved if the caller commits
        return
    _pending().intents.setdefault((action, patient_id), fields)


@event.listens_for(Session, "before_commit")
def _write_with_the_commit(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if not pending or session.in_nested_transaction():
        return
    rows = pending.take(_saved)
    session.info[_INFLIGHT] = rows
    session.add_all(AuditEvent(**fields) for fields in rows)


def _saved(fields: dict) -> dict | None:
    """A change allowed and committed: saved; in a GET (which never changes a record,
    whatever else it may commit) only a form shown: a view."""
    if has_request_context() and request.method in ("GET", "HEAD"):
        return None
    return {**fields, "outcome": "saved"}


@event.listens_for(Session, "after_commit")
def _written(session: Session) -> None:
    session.info.pop(_INFLIGHT, None)


@event.listens_for(Session, "after_transaction_end")
def _keep_after_failed_commit(session: Session, transaction) -> None:
    rows = session.info.pop(_INFLIGHT, None) if transaction.parent is None else None
    if rows:  # the commit failed: these rows were rolled back with it
        session.info.setdefault(_PENDING, Pending()).events.extend(rows)


def note_refusal(status: int) -> None:
    """The request's change was refused by a use case (errors.AppError's status), even if
    the page answers 200 with the form and its messages."""
    if has_request_context():
        g.audit_refusal = status


def init_app(app: Flask) -> None:
    app.after_request(_note_status)
    app.teardown_request(_write_at_the_end)
    template_rendered.connect(_note_form_errors, app)


def _note_form_errors(_app, template, context, **_extra) -> None:
    """A submitted form shown again with messages: its change was refused as invalid
    (its own validators, before any use case ran)."""
    if request.method != "POST":
        return
    if any(isinstance(value, Form) and value.errors for value in context.values()):
        note_refusal(422)


def _note_status(response):
    g.audit_status = response.status_code
    return response


def _unsaved(fields: dict, error: BaseException | None) -> dict | None:
    """What an allowed change came to in a request that saved nothing: None for a form
    shown (a view); else the row, refused with the reason the answer gives."""
    status = 500 if error is not None else g.get("audit_status", 500)
    if status < 500:
        status = g.get("audit_refusal") or status
    if status >= 500:
        outcome, reason = "failed", "error"
    elif status >= 400:
        outcome, reason = _UNSAVED.get(status, ("refused", "error"))
    elif request.method in ("GET", "HEAD"):
        return None
    else:
        outcome, reason = "unchanged", None
    if request.method in ("GET", "HEAD"):  # the form was not shown: a refused view
        fields = {**fields, "action": VIEW_ACTION}
    return {**fields, "outcome": outcome, "reason": reason}


def _write_at_the_end(error: BaseException | None) -> None:
    session = db.session()
    pending = session.info.get(_PENDING)
    if not pending:
        return
    rows = pending.take(lambda fields: _unsaved(fields, error))
    try:
        session.rollback()  # the page's own transaction: whatever it did not commit is void
        # A reading request's transactions only read: these rows are a write of their own
        # (docs/performance.md, "Read/write split").
        with transactions.write_unit():
            session.add_all(AuditEvent(**fields) for fields in rows)
            session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write %d audit events of request %s", len(rows), request_id())
