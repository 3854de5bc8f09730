"""Issue 12's migration (finding 2): after it, a person's id is never given again, even
the newest one after that account is erased; every row and every foreign key is kept.

On SQLite the users table is rebuilt with AUTOINCREMENT; on PostgreSQL the serial
sequence already never goes back. Both run here (test_migration_upgrade.py's
``empty_app``), with a small clinic stored before the migration.
"""

import hashlib
import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import text

from retrain.extensions import db
from retrain.schema import downgrade, upgrade

from .test_migration_upgrade import (
    T0,
    app_tables,
    assert_rows_kept,
    current_revision,
    empty_app,  # noqa: F401 - the fixture
    fill_at_first_migration,
    insert,
    schema_differences,
    snapshot,
)

BEFORE = "a591117d6c25"  # the head when issue 12's fixes began
THIS = "i12_users_ids_never_reused"


def _audit(connection, n: int, prev: str, **fields) -> str:
    """One audit row, chained as the trail was at BEFORE (SHA-256 over its fields and
    the previous hash), so later migrations that check the old chain accept it."""
    row = {
        "at": (T0 + timedelta(minutes=n)).replace(tzinfo=UTC),
        "actor_id": None, "actor_role": None, "action": "view", "patient_id": None,
        "target": None, "outcome": "ok", "request_id": None, "address": None, **fields,
    }  # fmt: skip
    payload = json.dumps(
        {**row, "at": row["at"].isoformat(timespec="microseconds")},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256((prev + payload).encode()).hexdigest()
    insert(
        connection, "audit_events", **{**row, "at": row["at"].replace(tzinfo=None)},
        prev_hash=prev, hash=digest,
    )  # fmt: skip
    return digest


def _new_person(connection, email: str) -> int:
    return insert(
        connection, "users", email=email, name="New Person", role="patient",
        password_hash=None, active=True, timezone=None, created_at=T0,
    )  # fmt: skip


def _dialect() -> str:
    return db.engine.dialect.name


def _fill_before() -> tuple[dict, int]:
    """The first-schema clinic, migrated to BEFORE, then a patient erased there (the
    newest account, as in the finding): returns the ids and the erased id."""
    filled = fill_at_first_migration()
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        erased = _new_person(connection, "erased@example.org")
        chain = _audit(connection, 1, "0" * 64, actor_id=filled.ids["therapist"],
                       actor_role="therapist", patient_id=erased)  # fmt: skip
        _audit(connection, 2, chain, patient_id=2_000_000_000, outcome="refused")  # made up
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": erased})
    return filled.ids, erased


@pytest.mark.usefixtures("empty_app")
def test_the_migration_keeps_every_row_and_ids_are_never_given_again():
    ids, erased = _fill_before()
    tables = sorted(app_tables())
    before = {table: rows for table, rows in snapshot(tables).items() if rows}

    upgrade(revision=THIS)
    assert current_revision() == THIS
    assert_rows_kept(before, snapshot(tables))
    if _dialect() == "sqlite":
        with db.engine.connect() as connection:
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
            ).scalar_one()
            assert "AUTOINCREMENT" in sql and "ck_users_role_known" in sql
            assert "uq_users_email" in sql or "UNIQUE (email)" in sql
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []

    with db.engine.begin() as connection:
        # The id erased before the migration is not given again, nor a made-up one skipped to.
        first = _new_person(connection, "first@example.org")
        assert erased < first < 1_000_000
        # Erase the newest account now: the next one still gets a new id.
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": first})
        second = _new_person(connection, "second@example.org")
        assert second > first
        # The check on roles survived the rebuild.
        with pytest.raises(Exception, match="(?i)check"), connection.begin_nested():
            connection.execute(
                text("UPDATE users SET role = 'wizard' WHERE id = :id"), {"id": second}
            )
        # Foreign keys still point at users and still cascade.
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": ids["ann"]})
        left = connection.execute(
            text("SELECT count(*) FROM care_team_members WHERE patient_id = :id"),
            {"id": ids["ann"]},
        ).scalar_one()
        assert left == 0
        with pytest.raises(Exception, match="(?i)foreign key"), connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO care_team_members (patient_id, staff_id, added_at)"
                    " VALUES (:p, 999999, :t)"
                ),
                {"p": ids["ben"], "t": T0},
            )

    upgrade()
    assert schema_differences() == []


@pytest.mark.usefixtures("empty_app")
def test_down_and_up_again_keeps_every_row():
    _fill_before()
    upgrade(revision=THIS)
    tables = sorted(app_tables())
    before = {table: rows for table, rows in snapshot(tables).items() if rows}
    downgrade(revision=BEFORE)
    assert_rows_kept(before, snapshot(tables))
    upgrade(revision=THIS)
    assert_rows_kept(before, snapshot(tables))
