"""i17: derived figures per patient (patient_figures), created and filled

Revision ID: i17_derived_figures
Revises: i16_messages
Create Date: 2026-12-05 00:40:00

The fill uses the pure rules of retrain/progress/derived.py on this migration's own
connection (the app's session would wait on the migration's lock on SQLite); a later
change of those rules is `flask derived rebuild`, not a migration.
"""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "i17_derived_figures"
down_revision = "i12_audit_hmac_chain"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "patient_figures",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.Column("last_session_at", sa.DateTime(), nullable=True),
        sa.Column("recent_days", sa.JSON(), nullable=False),
        sa.Column("clinical", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_figures_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_patient_figures")),
    )
    _fill(op.get_bind())


def downgrade():
    op.drop_table("patient_figures")


def _zone(name, clinic):
    for candidate in (name, clinic):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _clinic_zone():
    try:
        from flask import current_app

        return current_app.config.get("TIMEZONE")
    except RuntimeError:  # run without the app (alembic alone)
        return None


def _fill(bind) -> None:
    from retrain.progress import cycles
    from retrain.progress.derived import WINDOW_DAYS, clinical_facts, recent_days

    clinic = _clinic_zone()
    now = sa.func.now() if bind.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    figures = sa.table(
        "patient_figures",
        *(sa.column(c) for c in ("patient_id", "zone", "session_count", "last_session_at")),
        sa.column("recent_days", sa.JSON()),
        sa.column("clinical", sa.JSON()),
        sa.column("refreshed_at"),
    )
    patients = bind.execute(
        sa.text("SELECT p.id, u.timezone FROM patients p JOIN users u ON u.id = p.id")
    ).all()
    rows = []
    for patient_id, timezone in patients:
        zone = _zone(timezone, clinic)
        count, last_at = bind.execute(
            sa.text(
                "SELECT count(*), max(performed_at) FROM practice_sessions WHERE patient_id = :p"
            ),
            {"p": patient_id},
        ).one()
        days = {}
        if last_at is not None:
            last_at = _aware(last_at)
            times = bind.execute(
                sa.text(
                    "SELECT performed_at FROM practice_sessions "
                    "WHERE patient_id = :p AND performed_at >= :since"
                ),
                {
                    "p": patient_id,
                    "since": last_at.replace(tzinfo=None) - timedelta(days=WINDOW_DAYS + 1),
                },
            ).scalars()
            days = recent_days(_aware(t).astimezone(zone).date() for t in times)
        visits = [
            cycles.InjectionVisit(on=_day(on), product=product, kind=kind)
            for on, product, kind in bind.execute(
                sa.text(
                    "SELECT injected_on, product, kind FROM injection_visits WHERE patient_id = :p"
                ),
                {"p": patient_id},
            )
        ]
        saqs = [
            (_day(on), float(score))
            for on, score in bind.execute(
                sa.text(
                    "SELECT answered_on, score FROM questionnaire_responses "
                    "WHERE patient_id = :p AND instrument = 'saq'"
                ),
                {"p": patient_id},
            )
        ]
        rows.append(
            {
                "patient_id": patient_id,
                "zone": zone.key,
                "session_count": count,
                "last_session_at": last_at and last_at.replace(tzinfo=None),
                "recent_days": {day.isoformat(): n for day, n in days.items()},
                "clinical": clinical_facts(visits, saqs).to_json(),
            }
        )
        if len(rows) == 500:
            bind.execute(figures.insert().values(refreshed_at=now), rows)
            rows = []
    if rows:
        bind.execute(figures.insert().values(refreshed_at=now), rows)


def _aware(value):
    if isinstance(value, str):  # SQLite through text()
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value):
    if isinstance(value, str):
        from datetime import date

        return date.fromisoformat(value[:10])
    return value
