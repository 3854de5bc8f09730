import os

from sqlalchemy import select

from retrain.extensions import db
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
