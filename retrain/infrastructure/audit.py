"""Write and verify the audit trail (HIPAA 164.312(b), ASVS 16).

Reading it for people (the admin's audit page, a patient's "who opened my record") is
usecases/audit_trail.py's.

Each row's hash covers its own fields and the previous row's hash, so changing or
deleting any row breaks every hash after it; `flask --app retrain audit verify` finds
the first broken row. Rows are written in the request's own transaction and committed
at once, so a refusal (which ends the request with an error) is still recorded.
"""

import hashlib
import json
import uuid

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text

from ..extensions import db
from ..models.audit import AuditEvent
from ..models.base import utcnow
from . import transactions

GENESIS = "0" * 64
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "target",
    "outcome",
    "request_id",
    "address",
)


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _digest(prev_hash: str, event: AuditEvent) -> str:
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = event.at.isoformat(timespec="microseconds")
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appends so two writers never chain onto the same row.

    SQLite already serialises writers (BEGIN IMMEDIATE); PostgreSQL takes a transaction
    advisory lock that is released at commit.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(20261125)"))


def record(
    action: str,
    *,
    patient_id: int | None = None,
    target: str | None = None,
    outcome: str = "ok",
    actor=None,
) -> None:
    """Append one event and commit. ``actor`` defaults to the logged-in user."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    # In a reading request the append is a short write of its own (the chain's last
    # hash is read under the write lock); elsewhere it joins the caller's transaction.
    with transactions.write_unit():
        _lock_chain()
        prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        event = AuditEvent(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_role=actor.role if actor else None,
            action=action,
            patient_id=patient_id,
            target=target,
            outcome=outcome,
            request_id=request_id(),
            address=request.remote_addr if has_request_context() else None,
            prev_hash=prev or GENESIS,
        )
        event.hash = _digest(event.prev_hash, event)
        db.session.add(event)
        _commit_keeping_loaded()


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has loaded so far.

    Most views record their access first (access.require) and then read: expiring
    at this commit would only make them load the same user and patient rows again, two
    more queries on every page. What they read next comes from fresh queries.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def verify(batch: int = 5000) -> tuple[int, int | None]:
    """(rows checked, id of the first broken row or None)."""
    prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return checked, None
        for event in rows:
            if event.prev_hash != prev or _digest(prev, event) != event.hash:
                return checked, event.id
            prev, last_id, checked = event.hash, event.id, checked + 1
        db.session.expunge_all()
