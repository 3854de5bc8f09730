"""Backups of the embedded SQLite database and the snapshot files.

A backup is a folder instance/backups/<UTC timestamp>/ holding retrain.sqlite3 (made with
SQLite's online backup API, consistent while the app keeps running) and a copy of the
snapshot files. The newest BACKUP_KEEP folders are kept. PostgreSQL deployments use
pg_dump instead (docs/deploy.md).
"""

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from ..errors import Invalid
from ..extensions import db
from . import audit_chain

DB_NAME = "retrain.sqlite3"


def _live_database() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Invalid(
            "Backups from the app are for the embedded SQLite database. "
            "For PostgreSQL use pg_dump (see docs/deploy.md)."
        )
    return Path(url.database)


def _folders() -> tuple[Path, Path]:
    instance = Path(current_app.instance_path)
    return instance / "backups", instance / "snapshots"


def backup(keep: int | None = None) -> Path:
    live = _live_database()
    backups, snapshots = _folders()
    target = backups / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target.mkdir(parents=True)
    db.session.commit()  # nothing of ours half-done inside the copy
    source = sqlite3.connect(live)
    try:
        with sqlite3.connect(target / DB_NAME) as copy:
            source.backup(copy)
    finally:
        source.close()
    if snapshots.is_dir():
        shutil.copytree(snapshots, target / "snapshots")
    _prune(backups, keep if keep is not None else current_app.config["BACKUP_KEEP"])
    return target


def _prune(backups: Path, keep: int) -> None:
    folders = sorted(p for p in backups.iterdir() if p.is_dir())
    for old in folders[: max(0, len(folders) - keep)]:
        shutil.rmtree(old)


def restore(folder: Path) -> Path | None:
    """Replace the live database (and snapshot files) with a backup's, and restart the
    audit checkpoints from its chain; returns where the earlier checkpoints were kept."""
    live = _live_database()
    backups, snapshots = _folders()
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    source_path = folder / DB_NAME
    if not source_path.is_file():
        raise Invalid(f"No {DB_NAME} in {folder}.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise Invalid("That backup is damaged (integrity check failed).")
        db.session.remove()
        db.engine.dispose()
        with sqlite3.connect(live) as target:
            source.backup(target)
    finally:
        source.close()
    if (folder / "snapshots").is_dir():
        if snapshots.exists():
            shutil.rmtree(snapshots)
        shutil.copytree(folder / "snapshots", snapshots)
    return audit_chain.restart_after_restore(f"backup {folder.name}")
