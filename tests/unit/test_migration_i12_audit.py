"""Issue 12's audit migration keeps every row of the old SHA-256 chain and seals it under
the HMAC key (with a checkpoint), so `flask audit verify` accepts it; an old chain that
was already broken stops the upgrade rather than being vouched for. On SQLite and on
PostgreSQL (see test_migration_upgrade.py's ``empty_app``)."""

import hashlib
import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import text

from retrain.extensions import db
from retrain.infrastructure import audit_chain
from retrain.schema import upgrade

from .test_migration_upgrade import (
    T0,
    current_revision,
    empty_app,  # noqa: F401 - the fixture
    insert,
)

BEFORE = "i16_messages"  # the revision before this one
LEGACY = ("at", "actor_id", "actor_role", "action", "patient_id", "target", "outcome")
LEGACY += ("request_id", "address")


def legacy_rows(connection, n: int, *, tamper_with: int | None = None) -> list[int]:
    """n rows chained as the old code chained them; ids in order."""
    prev, ids = "0" * 64, []
    for i in range(n):
        row = dict.fromkeys(LEGACY)
        row.update(at=T0 + timedelta(minutes=i), actor_id=3, actor_role="therapist")
        row.update(action="view", patient_id=4, outcome="ok", target="patient.today")
        fields = {**row, "at": row["at"].replace(tzinfo=UTC).isoformat(timespec="microseconds")}
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((prev + payload).encode()).hexdigest()
        if i == tamper_with:
            row["outcome"] = "refused"
        ids.append(insert(connection, "audit_events", **row, prev_hash=prev, hash=digest))
        prev = digest
    return ids


@pytest.mark.usefixtures("empty_app")
def test_old_rows_are_kept_and_sealed_under_the_key():
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        ids = legacy_rows(connection, 5)
    upgrade(revision="i12_audit_hmac_chain")
    assert current_revision() == "i12_audit_hmac_chain"
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, seq, action, outcome, reason FROM audit_events ORDER BY id")
        ).all()
    assert [(r.id, r.seq, r.action, r.outcome, r.reason) for r in rows] == [
        (row_id, seq, "view", "ok", None) for seq, row_id in enumerate(ids, start=1)
    ]
    report = audit_chain.verify()
    assert report.intact and report.checked == 5
    assert audit_chain.read_checkpoints()[-1].count == 5


@pytest.mark.usefixtures("empty_app")
def test_a_broken_old_chain_stops_the_upgrade(capfd):
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        ids = legacy_rows(connection, 3, tamper_with=1)
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade()
    assert f"broken at row {ids[1]}" in capfd.readouterr().err
    assert current_revision() == BEFORE
    db.session.remove()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
