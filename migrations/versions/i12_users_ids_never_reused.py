"""i12: a person's id is never given again, not even after their account is erased.

On SQLite, `users.id` was a plain INTEGER PRIMARY KEY: a new row takes the largest id
plus one, so erasing the newest patient gave their id to the next person created, who
then inherited the erased person's audit trail ("who opened your record", the admin's
filter by patient). AUTOINCREMENT makes SQLite remember the largest id ever used (in
sqlite_sequence). The table is rebuilt to get it (SQLite cannot alter a primary key):
every row is copied with its id, and migrations/env.py turns foreign keys off for the
rebuild, so no dependent row is touched, and checks them all afterwards.

The largest id ever given is also raised to the largest person id the audit trail has
seen (an actor, or a patient whose record was opened): an account erased before this
migration cannot have its id given again either.

PostgreSQL's serial ids come from a sequence, which never goes back: nothing to do there.

Revision ID: i12_users_ids_never_reused
Revises: a591117d6c25
Create Date: 2026-12-05 00:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "i12_users_ids_never_reused"
down_revision = "a591117d6c25"
branch_labels = None
depends_on = None


def _rebuild_users(autoincrement: bool) -> None:
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild_users(autoincrement=True)
    op.execute(
        """
        UPDATE sqlite_sequence SET seq = max(
            seq,
            coalesce((SELECT max(actor_id) FROM audit_events), 0),
            coalesce((SELECT max(patient_id) FROM audit_events WHERE outcome = 'ok'), 0)
        )
        WHERE name = 'users'
        """
    )
    op.execute(
        """
        INSERT INTO sqlite_sequence (name, seq)
        SELECT 'users', max(
            coalesce((SELECT max(actor_id) FROM audit_events), 0),
            coalesce((SELECT max(patient_id) FROM audit_events WHERE outcome = 'ok'), 0)
        )
        WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild_users(autoincrement=False)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'users'")
