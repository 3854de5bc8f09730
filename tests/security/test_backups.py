import os

from sqlalchemy import select

from retrain.extensions import db
from retrain.infrastructure import audit_chain
from retrain.models import User

from ..conftest import sqlite_only


@sqlite_only
def test_backup_change_restore_gives_the_record_back(app, runner, factories):
    user = factories.make_user("therapist", email="keep@example.org", name="Before")
    snapshots = app.instance_path + "/snapshots"
    os.makedirs(snapshots, exist_ok=True)
    with open(snapshots + "/photo.jpg", "wb") as f:
        f.write(b"before")

    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    folder = result.output.split("Backup written to ")[1].strip()

    user.name = "After"
    factories.make_user("clinician", email="new@example.org")
    with open(snapshots + "/photo.jpg", "wb") as f:
        f.write(b"after")
    db.session.commit()

    result = runner.invoke(args=["restore", folder, "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    restored = db.session.scalar(select(User).where(User.email == "keep@example.org"))
    assert restored.name == "Before"
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    with open(snapshots + "/photo.jpg", "rb") as f:
        assert f.read() == b"before"


@sqlite_only
def test_backups_are_pruned_to_keep(app, runner):
    for _ in range(4):
        assert runner.invoke(args=["backup", "--keep", "2"]).exit_code == 0
    assert len(os.listdir(app.instance_path + "/backups")) == 2


@sqlite_only
def test_restore_refuses_a_folder_without_a_database(runner, tmp_path):
    empty = tmp_path / "empty-backup"
    empty.mkdir()
    result = runner.invoke(args=["restore", str(empty), "--yes"])
    assert result.exit_code != 0 and "No retrain.sqlite3" in result.output


@sqlite_only
def test_after_a_restore_the_audit_chain_verifies_from_the_backup(app, runner):
    """The restored chain ends where the backup's did; the checkpoints of what was sealed
    after it would read as a deleted tail, so they are set aside (kept) and the
    restored head is checkpointed. Without that, verify reports tampering forever."""
    from .test_audit_chain import add_events

    add_events(3)
    audit_chain.seal()
    folder = runner.invoke(args=["backup"]).output.split("Backup written to ")[1].strip()
    add_events(2, action="logout")
    audit_chain.seal()
    before = audit_chain.checkpoint_path().read_text()

    result = runner.invoke(args=["restore", folder, "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert "audit checkpoints of before the restore are kept in" in result.output
    kept = list(audit_chain.checkpoint_path().parent.glob("checkpoints-before-restore-*"))
    assert [path.read_text() for path in kept] == [before]
    (checkpoint,) = audit_chain.read_checkpoints()
    assert checkpoint.count == 3 and "restored from backup" in (
        audit_chain.checkpoint_path().read_text()
    )
    report = audit_chain.verify()
    assert report.intact and report.checked == 3, report.problems


def test_after_a_pg_restore_the_checkpoints_start_again_by_hand(app, runner):
    """`flask audit restored SOURCE`: what `flask restore` does, for pg_restore."""
    from .test_audit_chain import add_events

    add_events(2)
    audit_chain.seal()
    result = runner.invoke(args=["audit", "restored", "dump of 5 December"])
    assert result.exit_code == 0 and "start again from the restored chain" in result.output
    assert "restored from dump of 5 December" in audit_chain.checkpoint_path().read_text()
    assert audit_chain.verify().intact
