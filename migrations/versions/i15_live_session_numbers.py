"""i15: live feedback's numbers per exercise of a practice session.

practice_items gains live_reps_scored, live_clean_reps, live_median_hold_back and
live_fps, all NULL for sessions logged before (not measured live).

Revision ID: i15_live_session_numbers
Revises: i15_live_exercise_data
"""

import sqlalchemy as sa
from alembic import op

revision = "i15_live_session_numbers"
down_revision = "i15_live_exercise_data"
branch_labels = None
depends_on = None

CHECKS = {
    "ck_practice_items_live_reps_range": "live_reps_scored BETWEEN 0 AND 1000",
    "ck_practice_items_live_clean_range": (
        "live_clean_reps >= 0 AND live_clean_reps <= live_reps_scored"
    ),
    "ck_practice_items_live_hold_back_range": "live_median_hold_back BETWEEN 0 AND 5",
    "ck_practice_items_live_fps_range": "live_fps BETWEEN 0 AND 240",
}


def upgrade():
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_reps_scored", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("live_clean_reps", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("live_median_hold_back", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("live_fps", sa.Float(), nullable=True))
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        for name in CHECKS:
            batch_op.drop_constraint(op.f(name), type_="check")
        batch_op.drop_column("live_fps")
        batch_op.drop_column("live_median_hold_back")
        batch_op.drop_column("live_clean_reps")
        batch_op.drop_column("live_reps_scored")
