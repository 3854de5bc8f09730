"""Reading requests never take SQLite's write lock (infrastructure/transactions.py).

Each request's transactions are watched through the statements the engine sends: a GET
begins deferred (plain BEGIN), a POST begins IMMEDIATE, a GET's own small writes go
through a unit of their own, and a write slipped into a reading transaction is refused
before SQLite could fail it under load. The lock itself is held by a second connection
in one test: a reading page still answers.
"""

import sqlite3
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from retrain.extensions import db
from retrain.infrastructure import transactions
from retrain.models import PATIENT, THERAPIST, AuditEvent, User
from tests.conftest import POSTGRES_URL, csrf_token

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's locking only")


@contextmanager
def begins(app: Flask):
    """The BEGIN statements sent while the block runs, in order."""
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def _add_probe_routes(app: Flask) -> None:
    """Views that write on a GET: wrongly, inside a unit, and marked as writing."""

    def rename(name):
        db.session.execute(update(User).where(User.role == THERAPIST).values(name=name))
        db.session.commit()
        return "done"

    def wrongly():
        return rename("Written while reading")

    def in_a_unit():
        with transactions.write_unit():
            return rename("Written in a unit")

    @transactions.writes_on_safe_method
    def marked():
        return rename("Written by a marked view")

    def job_context():
        with app.app_context():
            return "reads" if transactions.reading() else "writes"

    for view in (wrongly, in_a_unit, marked, job_context):
        app.add_url_rule(f"/probe/{view.__name__}", view.__name__, view)


@sqlite_only
def test_a_reading_page_begins_deferred_and_a_form_post_immediate(app, client, as_user):
    as_user(THERAPIST)
    with begins(app) as seen:
        assert client.get("/exercises/").status_code == 200
    assert seen == ["BEGIN"]
    token = csrf_token(client, "/exercises/")
    with begins(app) as seen:
        response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert seen and set(seen) == {"BEGIN IMMEDIATE"}


@sqlite_only
def test_a_page_that_audits_reads_deferred_then_writes_its_row_in_a_unit(app, client, as_user):
    patient = as_user(PATIENT)
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    with begins(app) as seen:
        assert client.get("/today").status_code == 200
    # The page reads deferred; its audit row is written at the end, in a unit of its own.
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"], seen
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert newest.id != before and newest.actor_id == patient.id


@sqlite_only
def test_a_reading_page_answers_while_another_connection_holds_the_write_lock(
    app, client, as_user, tmp_path
):
    as_user(THERAPIST)
    db.session.commit()
    holder = sqlite3.connect(tmp_path / "retrain.sqlite3", timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held for the whole request
        response = client.get("/exercises/")
        still_held = holder.in_transaction
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200
    assert still_held


@sqlite_only
def test_a_write_slipped_into_a_reading_request_is_refused(app, client, as_user, caplog):
    _add_probe_routes(app)
    therapist = as_user(THERAPIST)
    assert client.get("/probe/wrongly").status_code == 500  # a bug, found by any test
    assert "WriteWhileReading" in caplog.text
    assert db.session.get(User, therapist.id).name != "Written while reading"


def test_a_write_unit_and_a_marked_view_write_from_a_get(app, client, as_user):
    _add_probe_routes(app)
    therapist = as_user(THERAPIST)
    assert client.get("/probe/in_a_unit").get_data(as_text=True) == "done"
    assert db.session.get(User, therapist.id).name == "Written in a unit"
    db.session.commit()
    assert client.get("/probe/marked").get_data(as_text=True) == "done"
    assert db.session.get(User, therapist.id).name == "Written by a marked view"


def test_a_job_run_inside_a_reading_request_writes_as_jobs_do(app, client, as_user):
    _add_probe_routes(app)
    as_user(THERAPIST)
    assert client.get("/probe/job_context").get_data(as_text=True) == "writes"


def test_outside_a_request_everything_writes(app):
    assert not transactions.reading()
