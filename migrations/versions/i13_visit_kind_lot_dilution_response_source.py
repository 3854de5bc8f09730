"""i13: injection visits' kind (new cycle or top-up), lot and dilution; how a
questionnaire response came in (app, paper, import) and whether it is a score only.

Existing visits get the kind the top-up rule gives them (docs/progress.md, "Top-ups"):
per patient in date order, a visit 1 to TOP_UP_DAYS (default 28) days after the first
visit of its cycle is a top-up of that cycle; every other visit starts a new cycle.
Before this migration such a visit was counted as a new cycle whose "baseline" was an
SAQ taken while the first injection was working, which halved the response and pulled
the wear-off forward. A clinician who meant a new cycle changes it on the visit's edit
form (the change is kept in the visit's history). Existing responses were all answered
in the app: source "app", not score-only.

Revision ID: i13_cycles_history
Revises: 13f50188f201
Create Date: 2026-12-04 21:56:49.569572

"""
from datetime import date

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "i13_cycles_history"
down_revision = "13f50188f201"
branch_labels = None
depends_on = None

TOP_UP_DAYS = 28  # retrain.progress.rules.TOP_UP_DAYS when this migration was written


def upgrade():
    with op.batch_alter_table("injection_visits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="new_cycle", nullable=False)
        )
        batch_op.add_column(sa.Column("lot", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("dilution", sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_injection_visits_kind_known"), "kind IN ('new_cycle', 'top_up')"
        )
        batch_op.create_check_constraint(
            op.f("ck_injection_visits_dilution_positive"), "dilution > 0"
        )

    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="app", nullable=False)
        )
        batch_op.add_column(
            sa.Column("score_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_questionnaire_responses_source_known"),
            "source IN ('app', 'paper', 'import')",
        )

    mark_top_ups(op.get_bind())


def top_up_days() -> int:
    if has_app_context():
        return int(current_app.config.get("TOP_UP_DAYS", TOP_UP_DAYS))
    return TOP_UP_DAYS


def mark_top_ups(connection) -> None:
    """The top-up rule applied to the stored visits, patient by patient, in date order."""
    window = top_up_days()
    visits = sa.table(
        "injection_visits",
        sa.column("id", sa.Integer),
        sa.column("patient_id", sa.Integer),
        sa.column("injected_on", sa.Date),
        sa.column("kind", sa.String),
    )
    rows = connection.execute(
        sa.select(visits.c.id, visits.c.patient_id, visits.c.injected_on).order_by(
            visits.c.patient_id, visits.c.injected_on
        )
    ).all()
    top_ups: list[int] = []
    patient, cycle_start = None, None
    for visit_id, patient_id, injected_on in rows:
        on = injected_on if isinstance(injected_on, date) else date.fromisoformat(injected_on)
        if patient_id == patient and 1 <= (on - cycle_start).days <= window:
            top_ups.append(visit_id)
        else:
            patient, cycle_start = patient_id, on
    if top_ups:
        connection.execute(
            visits.update().where(visits.c.id.in_(top_ups)).values(kind="top_up")
        )


def downgrade():
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_questionnaire_responses_source_known"), type_="check"
        )
        batch_op.drop_column("score_only")
        batch_op.drop_column("source")

    with op.batch_alter_table("injection_visits", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_injection_visits_dilution_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_injection_visits_kind_known"), type_="check")
        batch_op.drop_column("dilution")
        batch_op.drop_column("lot")
        batch_op.drop_column("kind")
