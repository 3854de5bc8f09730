"""The audit chain: rows inserted unsealed, sealed later under an HMAC key, checkpoints in
a file; `flask audit verify` finds each kind of tampering a database-only attacker can do."""

import json
import threading
from datetime import timedelta

from sqlalchemy import delete, select, update

from retrain.extensions import db
from retrain.infrastructure import audit, audit_chain, jobs_base
from retrain.models import AuditEvent
from retrain.models.base import utcnow


def add_events(n: int, action: str = "login") -> None:
    for _ in range(n):
        audit.record(action, outcome="refused")
    db.session.commit()


def chain():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_rows_are_written_unsealed_then_sealed_into_a_chain_with_a_checkpoint(app, runner):
    add_events(3)
    assert [row.seq for row in chain()] == [None] * 3
    assert audit_chain.verify().unsealed == 3

    assert "3 rows sealed" in runner.invoke(args=["audit", "seal"]).output
    rows = chain()
    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit_chain.GENESIS
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    last = audit_chain.read_checkpoints()[-1]
    assert (last.count, last.hash) == (3, rows[-1].hash)

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "3 rows verified" in result.output
    add_events(2)
    assert audit_chain.seal() == 2
    assert audit_chain.verify().checked == 5 and audit_chain.verify().intact


def test_the_sealer_is_a_periodic_job():
    assert jobs_base.PERIODIC["retrain.infrastructure.audit_chain:seal_job"] <= 10


def test_the_sealer_reports_how_long_the_oldest_row_waited(app):
    from retrain.infrastructure import metrics

    add_events(2)
    waiting = db.session.scalars(select(AuditEvent)).all()
    db.session.execute(update(AuditEvent).values(at=utcnow() - timedelta(seconds=30)))
    db.session.commit()
    audit_chain.seal_job()
    assert 30 <= metrics.AUDIT_SEAL_LAG._value.get() < 300
    assert all(row.seq for row in chain()) and len(waiting) == 2
    audit_chain.seal_job()  # nothing waits now
    assert metrics.AUDIT_SEAL_LAG._value.get() == 0


def sealed(n: int) -> list[AuditEvent]:
    add_events(n)
    audit_chain.seal()
    return chain()


def test_verify_finds_a_changed_row(app, runner):
    rows = sealed(4)
    db.session.execute(update(AuditEvent).where(AuditEvent.id == rows[1].id).values(outcome="ok"))
    db.session.commit()
    report = audit_chain.verify()
    assert not report.intact and report.first_broken == rows[1].id and report.checked == 1
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"row {rows[1].id} " in result.output


def test_verify_finds_a_deleted_row(app):
    rows = sealed(4)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == rows[1].id))
    db.session.commit()
    report = audit_chain.verify()
    assert report.first_broken == rows[2].id and "missing" in report.problems[0]


def test_verify_finds_a_deleted_tail(app):
    rows = sealed(4)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_([rows[2].id, rows[3].id])))
    db.session.commit()
    report = audit_chain.verify()
    assert not report.intact and report.checked == 2
    assert "counted 4" in report.problems[0]


def test_verify_finds_a_deleted_tail_refilled_to_the_checkpoints_count(app):
    """The attacker deletes the sealed tail and slips in as many fresh rows, dated now,
    just before the sealer runs: the sealer chains them up to the very count of the
    last checkpoint and writes a checkpoint of that count with another head hash."""
    rows = sealed(4)
    db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_([rows[2].id, rows[3].id])))
    db.session.commit()
    add_events(2, action="logout")  # as many rows as were deleted
    assert audit_chain.seal() == 2
    counts = [cp.count for cp in audit_chain.read_checkpoints()]
    assert counts.count(4) == 2  # two checkpoints of 4 rows, with different heads
    report = audit_chain.verify()
    assert not report.intact and "checkpoint" in report.problems[0]


def test_verify_finds_a_chain_rewritten_with_the_algorithm_but_not_the_key(app):
    rows = sealed(3)
    wrong_key, prev = b"guessed", audit_chain.GENESIS
    for row in rows:  # the attacker also edits a row, then recomputes every hash
        row.outcome = "ok"
        row.prev_hash, row.hash = prev, audit_chain.digest(wrong_key, prev, vars(row))
        prev = row.hash
    db.session.commit()
    report = audit_chain.verify()
    assert report.first_broken == rows[0].id and report.checked == 0


def test_verify_finds_rows_inserted_after_the_last_checkpoint(app):
    sealed(2)
    backdated = AuditEvent(
        at=utcnow() - timedelta(hours=2), action="view", patient_id=7, outcome="ok"
    )
    db.session.add(backdated)
    db.session.commit()
    backdated_id = backdated.id
    report = audit_chain.verify()
    assert report.first_broken == backdated_id and "after the checkpoint" in report.problems[0]
    audit_chain.seal()  # sealing it does not launder it
    assert audit_chain.verify().first_broken == backdated_id


def test_a_truncated_checkpoint_file_is_no_excuse_for_a_wrong_head(app):
    rows = sealed(2)
    path = audit_chain.checkpoint_path()
    line = json.loads(path.read_text().splitlines()[-1])
    assert line["count"] == 2 and line["hash"] == rows[-1].hash
    path.write_text(path.read_text() + "not json\n")  # a torn line is skipped, not trusted
    assert audit_chain.verify().intact


def append_and_seal(app, worker: int, per_worker: int, errors: list) -> None:
    try:
        with app.app_context():
            for n in range(per_worker):
                audit.record("view", patient_id=worker, target=f"worker:{worker}:{n}")
                db.session.commit()
                if n % 10 == 9:
                    audit_chain.seal()
            db.session.remove()
    except Exception as error:  # reported by the test
        errors.append(repr(error))


def test_concurrent_appends_and_seals_lose_nothing_and_make_one_chain(app):
    """8 workers append and seal at once (SQLite or PostgreSQL, as the suite runs)."""
    workers, per_worker, errors = 8, 30, []
    db.session.commit()
    threads = [
        threading.Thread(target=append_and_seal, args=(app, w, per_worker, errors))
        for w in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    audit_chain.seal()
    rows = chain()
    assert len(rows) == workers * per_worker
    assert {row.target for row in rows} == {
        f"worker:{w}:{n}" for w in range(workers) for n in range(per_worker)
    }
    report = audit_chain.verify()
    assert report.intact and report.checked == workers * per_worker and report.unsealed == 0
