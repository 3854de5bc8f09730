"""i12: the audit chain is sealed later under an HMAC key (seq, reason; hashes nullable)

Rows are now inserted unsealed (seq, prev_hash and hash empty) and sealed by the sealer.
Existing rows keep every field: their old SHA-256 chain is checked first, then they are
sealed in id order under AUDIT_HMAC_KEY, and a checkpoint is written. A broken old chain
stops the upgrade (sealing it would vouch for a tampered trail) unless the operator sets
RETRAIN_AUDIT_SEAL_BROKEN_LEGACY=1 after looking at it; then the first broken row's id is
written to the checkpoint file as well.

Revision ID: i12_audit_hmac_chain
Revises: i16_messages
"""

import hashlib
import json
import os

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "i12_audit_hmac_chain"
down_revision = "i16_messages"
branch_labels = None
depends_on = None

LEGACY_FIELDS = (
    "at", "actor_id", "actor_role", "action", "patient_id", "target", "outcome",
    "request_id", "address",
)  # fmt: skip
COLUMNS = ("id", *LEGACY_FIELDS, "prev_hash", "hash")


def _legacy_digest(prev_hash: str, row) -> str:
    """The SHA-256 the rows were chained with before this revision."""
    fields = {name: row[name] for name in LEGACY_FIELDS}
    fields["at"] = row["at"].isoformat(timespec="microseconds")
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def upgrade():
    broken = _check_legacy_chain()  # before any change: a refusal leaves the schema as it was
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
    _seal_existing_rows(broken)


def _table(*extra):
    from retrain.models.base import UTCDateTime

    return sa.table(
        "audit_events",
        sa.column("at", UTCDateTime()),
        *(sa.column(name) for name in (*COLUMNS, *extra) if name != "at"),
    )


def _check_legacy_chain():
    """The first broken row's id, or None; refuses to go on when one is broken, unless
    the operator said so."""
    table = _table()
    rows = op.get_bind().execute(sa.select(table).order_by(table.c.id)).mappings().all()
    broken = _first_broken_legacy_row(rows)
    if broken is not None and os.environ.get("RETRAIN_AUDIT_SEAL_BROKEN_LEGACY") != "1":
        raise RuntimeError(
            f"The audit trail's old chain is broken at row {broken}: not sealing it under"
            " the new key. Investigate, then set RETRAIN_AUDIT_SEAL_BROKEN_LEGACY=1 to seal"
            " it as it is (the broken row is noted in the checkpoint file)."
        )
    return broken


def _seal_existing_rows(broken):
    from retrain.infrastructure import audit_chain

    connection = op.get_bind()
    table = _table("reason", "seq")
    rows = connection.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    if not rows:
        return
    key = str(current_app.config["AUDIT_HMAC_KEY"]).encode()
    prev, updates = audit_chain.GENESIS, []
    for seq, row in enumerate(rows, start=1):
        new = audit_chain.digest(key, prev, {**row, "seq": seq})
        updates.append({"row_id": row["id"], "new_seq": seq, "new_prev": prev, "new_hash": new})
        prev = new
    connection.execute(
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(
            seq=sa.bindparam("new_seq"),
            prev_hash=sa.bindparam("new_prev"),
            hash=sa.bindparam("new_hash"),
        ),
        updates,
    )
    audit_chain.write_checkpoint(len(rows), prev, note=_legacy_note(broken))


def _legacy_note(broken):
    if broken is None:
        return "legacy rows re-sealed by migration i12_audit_hmac_chain"
    return f"legacy rows sealed as found; the old chain was broken at row {broken}"


def _first_broken_legacy_row(rows):
    prev = "0" * 64
    for row in rows:
        if row["prev_hash"] != prev or _legacy_digest(prev, row) != row["hash"]:
            return row["id"]
        prev = row["hash"]
    return None


def downgrade():
    # Back to the old SHA-256 chain over every row in id order (unsealed ones included),
    # as the old `flask audit verify` reads it. The refusal reasons are dropped.
    connection = op.get_bind()
    table = _table()
    rows = connection.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    prev = "0" * 64
    for row in rows:
        new = _legacy_digest(prev, row)
        connection.execute(
            table.update().where(table.c.id == row["id"]).values(prev_hash=prev, hash=new)
        )
        prev = new
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("seq")
        batch_op.drop_column("reason")
