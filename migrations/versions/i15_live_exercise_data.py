"""i15: live feedback's exercise data and a patient's own limit.

exercises.live_rule: which movement an exercise targets and which must be held back
(docs/live-feedback.md); the built-ins get the values of static/js/live/
exercise-measures.json as it was when this migration was written (copied here, so a
later change to that file does not change what this migration did; `flask exercises
sync` applies later changes). Staff-made exercises start unmeasured (NULL).
programme_items.live_limit: the therapist's limit for the patient; NULL keeps the default.

Revision ID: i15_live_exercise_data
Revises: i16_messages
"""

import sqlalchemy as sa
from alembic import op

revision = "i15_live_exercise_data"
down_revision = "i17_derived_figures"
branch_labels = None
depends_on = None

BUILTIN_RULES = {
    "gentle-brow-raise": {
        "target": {"measure": "brow_raise", "side": "affected"},
        "hold_back": {"measure": "mouth_corner", "side": "affected"},
    },
    "soft-frown-release": {
        "target": {"measure": "brow_lower", "side": "both"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "gentle-eye-closure": {
        "target": {"measure": "eye_narrowing", "side": "both", "reach": 0.6},
        "hold_back": {"measure": "mouth_corner", "side": "affected"},
    },
    "slow-full-blink": {
        "target": {"measure": "eye_narrowing", "side": "both", "reach": 0.8},
        "hold_back": {"measure": "mouth_corner", "side": "affected"},
    },
    "gentle-nose-wrinkle": {
        "target": None,
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "nostril-flare": {"target": None, "hold_back": {"measure": "mouth_corner", "side": "affected"}},
    "closed-lip-smile": {
        "target": {"measure": "mouth_corner", "side": "affected"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "open-smile-eyes-open": {
        "target": {"measure": "mouth_corner", "side": "affected", "reach": 0.05},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "pucker-eyes-open": {
        "target": {"measure": "lip_pucker", "side": "both"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "upper-lip-lift": {
        "target": None,
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "lower-lip-down": {
        "target": None,
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "ee-oo-slow": {
        "target": {"measure": "lip_pucker", "side": "both"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
    "smile-with-quiet-neck": {
        "target": {"measure": "mouth_corner", "side": "affected"},
        "hold_back": None,
    },
}


def upgrade():
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_rule", sa.JSON(), nullable=True))
    with op.batch_alter_table("programme_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_limit", sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_programme_items_live_limit_range"), "live_limit BETWEEN 0.005 AND 1.0"
        )
    exercises = sa.table(
        "exercises",
        sa.column("slug", sa.String),
        sa.column("builtin", sa.Boolean),
        sa.column("live_rule", sa.JSON),
    )
    for slug, rule in BUILTIN_RULES.items():
        op.execute(
            exercises.update()
            .where(exercises.c.slug == slug, exercises.c.builtin.is_(True))
            .values(live_rule=rule)
        )


def downgrade():
    with op.batch_alter_table("programme_items", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_programme_items_live_limit_range"), type_="check")
        batch_op.drop_column("live_limit")
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_column("live_rule")
