"""Which transactions may write: decided once per request (docs/performance.md,
"Read/write split").

On SQLite a transaction that begins with ``BEGIN IMMEDIATE`` takes the database's one
write lock; a plain ``BEGIN`` (deferred) reads a WAL snapshot beside every other reader
and writer. So:

- a request with a safe method (GET, HEAD, OPTIONS) *reads*: its transactions begin
  deferred, unless its view is marked ``@writes_on_safe_method``;
- everything else (POST and the other writing methods, jobs, CLI commands, tests' own
  app contexts) begins IMMEDIATE, as before, so a read-modify-write never races;
- the few writes a reading request does (a login's "last seen", an audit row) go through
  ``write_unit()``: the read transaction ends (it wrote nothing, so that costs nothing),
  the unit runs in a transaction of its own that begins IMMEDIATE and commits, and the
  request reads on in a new snapshot. A deferred transaction is never upgraded to a
  writer: that upgrade fails with SQLITE_BUSY whenever another writer committed since
  its snapshot (and retrying a half-done request is worse).

database.py enforces it on SQLite: a write statement inside a reading transaction raises
``WriteWhileReading`` instead of risking that SQLITE_BUSY under load. On PostgreSQL the
mode changes nothing but the unit's early commit (row locks and constraints keep writes
safe there).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_app_context, request

from ..extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READING = "_retrain_reading"  # g: this app context's transactions begin deferred
_WRITING = "_retrain_writing"  # g: inside write_unit()
_MARK = "writes_on_safe_method"  # attribute of a view function


class WriteWhileReading(RuntimeError):
    """A write statement inside a reading request's transaction (a programming error)."""


def writes_on_safe_method(view: Callable) -> Callable:
    """Mark a view that writes although its method is safe (a GET that records a link
    being opened): its transactions begin IMMEDIATE, like a POST's."""
    setattr(view, _MARK, True)
    return view


def init_app(app: Flask) -> None:
    """Decide each request's mode before anything touches the database (register this
    before the hooks that load the user)."""
    app.before_request(_decide_mode)


def _decide_mode() -> None:
    view = current_app.view_functions.get(request.endpoint)
    g.setdefault(_READING, request.method in SAFE_METHODS and not getattr(view, _MARK, False))


def reading() -> bool:
    """Whether a transaction beginning now in this app context only reads.

    Only a request's own app context is marked: a job run inside a request gets an app
    context (and ``g``) of its own, so it writes as jobs always do."""
    return has_app_context() and g.get(_READING, False) and not g.get(_WRITING, False)


@contextmanager
def write_unit() -> Iterator[None]:
    """Write from inside a reading request, in a short transaction of its own.

    Anywhere else (a POST, a job, a unit already open) this is part of the caller's
    transaction and changes nothing. Inside a reading request, the open read transaction
    is rolled back first (it wrote nothing; loaded objects load again when next used),
    the body's statements run in a transaction that begins IMMEDIATE, and it commits on
    the way out, keeping what is loaded (rolls back on an error). Make changes to loaded
    objects inside the body, not before it. Read inside the body what the write depends
    on: the body's reads happen under the write lock, so nothing can change in between.
    """
    if not reading():
        yield
        return
    # End the read snapshot. It wrote nothing, so rolling it back loses nothing; a commit
    # could not be used: it would flush what waits for the next commit (the request's
    # audit rows) into the reading transaction.
    if db.session().in_transaction():
        db.session.rollback()
    setattr(g, _WRITING, True)
    try:
        yield
        _commit_keeping_loaded()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        setattr(g, _WRITING, False)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has loaded so far (reloading the user
    and the patient after every small write would cost two queries a page)."""
    session = db.session()
    if not session.in_transaction():
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
