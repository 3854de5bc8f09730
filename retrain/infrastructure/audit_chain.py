"""Seal and verify the audit trail's chain (SECURITY.md, "The audit trail").

Requests insert rows unsealed (infrastructure/audit.py). The sealer, a periodic job every
few seconds and `flask audit seal`, gives each unsealed row the next place in the chain
(``seq``) and an HMAC-SHA-256, keyed by AUDIT_HMAC_KEY (config, never the database), over
its fields and the previous row's hash. After each seal it appends a checkpoint (head
hash, count, time) to a file outside the database (AUDIT_CHECKPOINT_DIR).

`flask audit verify` then finds: a changed row (its HMAC), a deleted row (a gap in
``seq``), a chain rewritten without the key (every HMAC), a deleted tail (shorter than a
checkpoint, or a different hash at any checkpoint's count, so also a tail deleted and
refilled with new rows up to the same count), and rows inserted after a
checkpoint but dated before it (beyond AUDIT_GRACE_SECONDS, the longest a request may
take between noting an event and committing it).
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from ..extensions import db
from ..models.audit import AuditEvent
from ..models.base import utcnow
from . import jobs, metrics
from .audit import HASHED_FIELDS

GENESIS = "0" * 64
CHECKPOINT_FILE = "checkpoints.jsonl"
SEAL_EVERY_SECONDS = 5
_SEAL_LOCK = 20261125  # PostgreSQL advisory lock: one sealer at a time


def digest(key: bytes, prev_hash: str, row: Mapping) -> str:
    """The row's HMAC: its id, place and fields, chained to the previous row's hash."""
    fields = {name: row[name] for name in ("id", "seq", *HASHED_FIELDS)}
    fields["at"] = row["at"].isoformat(timespec="microseconds")
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


def _as_fields(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in ("id", "seq", *HASHED_FIELDS)}


def _key() -> bytes:
    return str(current_app.config["AUDIT_HMAC_KEY"]).encode()  # env may parse as a number


def seal_job() -> None:
    """The periodic sealer (jobs.py runs it once per slot, on one worker). The seal lag
    metric is the age of the oldest row it found waiting."""
    oldest = db.session.scalar(select(func.min(AuditEvent.at)).where(AuditEvent.seq.is_(None)))
    seal()
    metrics.audit_seal_lag((utcnow() - oldest).total_seconds() if oldest else 0.0)


# Registered after the definition: jobs.every checks that a worker can import the name.
jobs.every(SEAL_EVERY_SECONDS)(seal_job)


def seal(batch: int = 2000) -> int:
    """Link every unsealed row into the chain, oldest id first; write a checkpoint.
    Returns how many rows were sealed."""
    key, sealed = _key(), 0
    while True:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text(f"SELECT pg_advisory_xact_lock({_SEAL_LOCK})"))
        head = _head()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(batch)
        ).all()
        for row in rows:
            seq += 1
            row.seq, row.prev_hash = seq, prev
            row.hash = prev = digest(key, prev, _as_fields(row))
        db.session.commit()
        sealed += len(rows)
        if rows:
            write_checkpoint(seq, prev)
        if len(rows) < batch:
            return sealed


def _head():
    """The last sealed row's place and hash (None before the first seal)."""
    return db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()


def restart_after_restore(source: str) -> Path | None:
    """A restored database's chain ends where the backup's did, so the checkpoints of the
    rows sealed after it would read as a deleted tail: set them aside (kept, for the
    record of what was lost) and checkpoint the restored head. Returns where they went."""
    path, kept = checkpoint_path(), None
    if path.exists():
        kept = path.with_name(f"checkpoints-before-restore-{utcnow():%Y%m%dT%H%M%S%fZ}.jsonl")
        path.rename(kept)
    head = _head()
    if head:
        write_checkpoint(head.seq, head.hash, note=f"restored from {source}")
    return kept


def checkpoint_path() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"]) / CHECKPOINT_FILE


def write_checkpoint(count: int, head_hash: str, note: str | None = None) -> None:
    """Append one line: a single write of a short line, so appends never interleave."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"at": utcnow().isoformat(), "count": count, "hash": head_hash}
    line = json.dumps({**entry, "note": note} if note else entry)
    with open(path, "a") as out:
        out.write(line + "\n")


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    count: int
    hash: str


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint, by count; unreadable lines are skipped (verify reports them)."""
    path = checkpoint_path()
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            data = json.loads(line)
            found.append(
                Checkpoint(datetime.fromisoformat(data["at"]), data["count"], data["hash"])
            )
        except (ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda cp: (cp.count, cp.at))


@dataclass
class Report:
    checked: int = 0  # sealed rows whose HMAC and place were verified
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken: int | None = None  # id of the first row found wrong

    @property
    def intact(self) -> bool:
        return not self.problems

    def flag(self, problem: str, row_id: int | None = None) -> None:
        self.problems.append(problem)
        if self.first_broken is None and row_id is not None:
            self.first_broken = row_id


def verify(batch: int = 5000) -> Report:
    """Check the sealed chain against the key and the checkpoints (module docstring)."""
    report, key = Report(), _key()
    checkpoints = read_checkpoints()
    by_count: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:  # in order of time within a count
        by_count.setdefault(cp.count, []).append(cp)
    grace = timedelta(seconds=current_app.config["AUDIT_GRACE_SECONDS"])
    prev, seq, before = GENESIS, 0, None  # ``before``: the last checkpoint passed
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        for row in rows:
            if row.seq != seq + 1:
                report.flag(f"rows {seq + 1} to {row.seq - 1} of the chain are missing", row.id)
                return report
            if row.prev_hash != prev or digest(key, prev, _as_fields(row)) != row.hash:
                report.flag(f"row {row.id} (place {row.seq}) was changed or forged", row.id)
                return report
            if before and row.at < before.at - grace:
                report.flag(f"row {row.id} was added after the checkpoint of {before.at}", row.id)
            seq, prev, report.checked = row.seq, row.hash, report.checked + 1
            if seq in by_count:
                # Every checkpoint of this count, not only the newest: a tail deleted and
                # refilled to the same count leaves two checkpoints with different heads.
                if any(cp.hash != prev for cp in by_count[seq]):
                    report.flag(f"the chain differs from a checkpoint at {seq} rows", row.id)
                    return report
                before = by_count[seq][-1]
        db.session.expunge_all()
        if len(rows) < batch:
            break
    _check_tail_and_unsealed(report, checkpoints, seq, grace)
    return report


def _check_tail_and_unsealed(report, checkpoints, count, grace) -> None:
    last = checkpoints[-1] if checkpoints else None
    if last and last.count > count:
        report.flag(
            f"the chain ends at {count} rows; the checkpoint of {last.at} counted {last.count}"
        )
    unsealed = db.session.execute(
        select(AuditEvent.id, AuditEvent.at).where(AuditEvent.seq.is_(None))
    ).all()
    report.unsealed = len(unsealed)
    for row in unsealed:
        if last and row.at < last.at - grace:
            report.flag(f"row {row.id} was added after the checkpoint of {last.at}", row.id)
