"""Upgrades keep the data: a database filled at the first migration, migrated to head.

1. An empty database is migrated to the FIRST revision only and filled, with plain SQL
   written against that first schema, with a small clinic: an admin, a therapist, a
   clinician, two patients with care teams, invitations, a login, built-in and
   staff-written exercises (one retired), a template and a patient's two programme
   versions with items, practice sessions with items.
2. Upgraded to head: every row of every first-schema table is still there with the same
   values; the columns added since hold their defaults (patients.saq_interval_days = 14);
   the tables added since are empty; the schema equals the models; and the services work
   on the old rows (a new programme version ends the old one).
3. Then down the chain, head to base: each migration is downgraded, upgraded again and
   downgraded; after each step down to the first revision the first-schema rows are
   checked again (a downgrade may drop what its upgrade added, never older data).

On SQLite (a file of its own) and on PostgreSQL (a fresh database, dropped afterwards;
skipped when no server answers).
"""

import inspect
import textwrap
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Date, DateTime, bindparam, text
from sqlalchemy import inspect as sa_inspect

from retrain import ROOT, create_app
from retrain.extensions import db
from retrain.schema import downgrade, upgrade
from tests.conftest import make_config, only_in_its_pass
from tests.load.databases import fresh_postgres_database

# Columns added to first-schema tables by later migrations, and the value old rows get.
NEW_COLUMN_VALUES = {
    ("patients", "saq_interval_days"): 14,
    ("patients", "photo_consent_at"): None,
    ("patients", "snapshot_expressions"): None,
    ("exercises", "live_rule"): None,  # issue 15: only built-ins it names get a rule
    ("programme_items", "live_limit"): None,
    ("practice_items", "live_reps_scored"): None,
    ("practice_items", "live_clean_reps"): None,
    ("practice_items", "live_median_hold_back"): None,
    ("practice_items", "live_fps"): None,
    ("users", "unread_messages"): 0,
}


def revisions() -> list:
    """The migration chain, base first."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    chain = list(ScriptDirectory.from_config(config).walk_revisions())
    chain.reverse()
    assert chain[0].down_revision is None
    return chain


def downgrade_defined(revision) -> bool:
    """False when the migration's downgrade() is only ``pass`` or raises straight away."""
    body = textwrap.dedent(inspect.getsource(revision.module.downgrade)).splitlines()[1:]
    code = [line.strip() for line in body if line.strip() and not line.strip().startswith("#")]
    return bool(code) and code != ["pass"] and not code[0].startswith("raise")


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# The clinic, in plain SQL against the first schema -------------------------------------

T0 = datetime(2026, 1, 5, 9, 30)  # noqa: DTZ001 - UTC, stored naive as the app stores it


def _typed(name, value):
    kind = {datetime: DateTime(), date: Date(), bool: Boolean()}.get(type(value))
    if isinstance(value, dict | list):
        kind = JSON()
    return bindparam(name, value, type_=kind)


def insert(connection, table: str, **row) -> int | None:
    """INSERT one row; returns its new id (tables with a serial id) via RETURNING."""
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    returning = "" if table == "patients" else " RETURNING id"
    statement = text(f"INSERT INTO {table} ({columns}) VALUES ({values}){returning}")  # noqa: S608
    result = connection.execute(statement.bindparams(*(_typed(k, v) for k, v in row.items())))
    return None if table == "patients" else result.scalar_one()


def fill_first_schema(connection, today: date) -> dict:
    ids = {}

    def user(key, role, name, **extra):
        ids[key] = insert(
            connection,
            "users",
            email=f"{key}@example.org",
            name=name,
            role=role,
            password_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            active=extra.pop("active", True),
            timezone=extra.pop("timezone", None),
            created_at=T0,
        )

    user("admin", "admin", "Ada Admin")
    user("therapist", "therapist", "Theo Therapist")
    user("clinician", "clinician", "Cleo Clinician", timezone="Europe/Dublin")
    user("ann", "patient", "Ann Patient", timezone="Europe/London")
    user("ben", "patient", "Ben O’Neill")  # a curly apostrophe: text survives as text
    user("former", "therapist", "Fay Former", active=False)

    insert(
        connection, "patients", id=ids["ann"], affected_side="left", created_by_id=ids["therapist"]
    )
    insert(
        connection, "patients", id=ids["ben"], affected_side="both", created_by_id=ids["clinician"]
    )
    for patient, staff in (("ann", "therapist"), ("ann", "clinician"), ("ben", "clinician")):
        insert(
            connection,
            "care_team_members",
            patient_id=ids[patient],
            staff_id=ids[staff],
            added_at=T0,
        )
    insert(
        connection,
        "invitations",
        token_hash="a" * 64,
        user_id=ids["ben"],
        created_by_id=ids["clinician"],
        created_at=T0,
        expires_at=T0 + timedelta(days=7),
        used_at=None,
    )
    insert(
        connection,
        "invitations",
        token_hash="b" * 64,
        user_id=ids["ann"],
        created_by_id=ids["therapist"],
        created_at=T0,
        expires_at=T0 + timedelta(days=7),
        used_at=T0 + timedelta(hours=2),
    )
    insert(
        connection,
        "login_sessions",
        key_hash="c" * 64,
        user_id=ids["ann"],
        created_at=T0,
        last_seen_at=T0 + timedelta(minutes=5),
        ended_at=None,
    )

    def exercise(key, **values):
        ids[key] = insert(
            connection,
            "exercises",
            slug=values.pop("slug", None),
            name=values.pop("name"),
            region=values.pop("region"),
            purpose="To move the face with control.",
            instructions="Sit in front of a mirror.\nMove slowly.\nRelax.",
            hold_back="Keep the eye open.",
            default_reps=values.pop("reps", 10),
            default_hold_seconds=5,
            default_rest_seconds=5,
            snapshot_expression=values.pop("snapshot_expression", None),
            builtin=values.pop("builtin", False),
            author_id=values.pop("author_id", None),
            created_at=T0,
            retired_at=values.pop("retired_at", None),
        )

    exercise(
        "smile",
        slug="gentle-smile",
        name="Gentle smile",
        region="cheeks and smile",
        builtin=True,
        snapshot_expression="full smile",
    )
    exercise("brow", slug="brow-lift", name="Brow lift", region="brow", builtin=True, reps=8)
    exercise("pucker", name="Slow pucker – 50 %", region="lips", author_id=ids["therapist"])
    exercise(
        "old",
        name="Old nose wrinkle",
        region="nose",
        author_id=ids["therapist"],
        retired_at=T0 + timedelta(days=1),
    )

    start = today - timedelta(days=40)
    ids["template"] = insert(
        connection,
        "programmes",
        patient_id=None,
        title="Early synkinesis",
        version=1,
        starts_on=None,
        ended_on=None,
        note="For the first weeks.",
        created_by_id=ids["therapist"],
        created_at=T0,
    )
    ids["v1"] = insert(
        connection,
        "programmes",
        patient_id=ids["ann"],
        title=None,
        version=1,
        starts_on=start,
        ended_on=start + timedelta(days=19),
        note=None,
        created_by_id=ids["therapist"],
        created_at=T0,
    )
    ids["v2"] = insert(
        connection,
        "programmes",
        patient_id=ids["ann"],
        title=None,
        version=2,
        starts_on=start + timedelta(days=20),
        ended_on=None,
        note="Gently – don’t force the smile.",
        created_by_id=ids["therapist"],
        created_at=T0 + timedelta(days=20),
    )
    for programme, rows in (
        ("template", [("smile", 10, None)]),
        ("v1", [("smile", 10, None), ("old", 5, None)]),
        ("v2", [("smile", 12, "Stop if it hurts."), ("brow", 8, None), ("pucker", 6, None)]),
    ):
        for position, (key, reps, note) in enumerate(rows, start=1):
            insert(
                connection,
                "programme_items",
                programme_id=ids[programme],
                position=position,
                exercise_id=ids[key],
                reps=reps,
                sets=2,
                hold_seconds=5,
                rest_seconds=3,
                times_per_day=2,
                days_per_week=6,
                note=note,
            )
    for n, (source, key) in enumerate((("form", None), ("player", "k-123"), ("form", None))):
        when = datetime.combine(start + timedelta(days=21 + n), datetime.min.time())
        session = insert(
            connection,
            "practice_sessions",
            patient_id=ids["ann"],
            programme_id=ids["v2"],
            performed_at=when + timedelta(hours=8),
            logged_at=when + timedelta(hours=8, minutes=1),
            effort=2 + n,
            synkinesis_rating=6 - n,
            note="Felt tight at the eye." if n == 0 else None,
            source=source,
            idempotency_key=key,
        )
        for exercise_key, skipped in (("smile", False), ("brow", n == 2), ("pucker", False)):
            insert(
                connection,
                "practice_items",
                session_id=session,
                exercise_id=ids[exercise_key],
                reps_done=0 if skipped else 12,
                sets_done=0 if skipped else 2,
                difficulty=None if skipped else 3,
                skipped=skipped,
            )
    return ids


def snapshot(tables) -> dict[str, list[dict]]:
    """Every row of ``tables``, by primary key, as plain dicts of what the driver returns."""
    with db.engine.connect() as connection:
        inspector = sa_inspect(connection)
        result = {}
        for table in tables:
            key = ", ".join(inspector.get_pk_constraint(table)["constrained_columns"])
            rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))  # noqa: S608
            result[table] = [dict(row) for row in rows.mappings()]
    return result


def app_tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa_inspect(connection).get_table_names()) - {"alembic_version"}


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def assert_rows_kept(before: dict, after: dict) -> None:
    for table, rows in before.items():
        kept = [{column: row[column] for column in rows[0]} for row in after[table]]
        assert kept == rows, f"rows of {table} changed"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An app on an empty database of its own (not the suite's shared test database)."""
    only_in_its_pass(request.param)
    if request.param == "sqlite":
        app = create_app(
            make_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
        )
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
        return
    with fresh_postgres_database("retrain_upgrade") as url:
        app = create_app(make_config(tmp_path, DATABASE_URL=url))
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


@dataclass(frozen=True)
class Filled:
    chain: list
    ids: dict
    first_tables: set
    before: dict  # every row of every first-schema table, as first stored


def fill_at_first_migration() -> Filled:
    """The empty database migrated to the first revision only and filled with plain SQL."""
    chain = revisions()
    upgrade(revision=chain[0].revision)
    assert current_revision() == chain[0].revision
    first_tables = app_tables()
    with db.engine.begin() as connection:
        ids = fill_first_schema(connection, date.today())
    before = snapshot(sorted(first_tables))
    assert all(before[table] for table in first_tables), "every first-schema table has rows"
    return Filled(chain, ids, first_tables, before)


def test_upgrade_from_the_first_migration_keeps_every_record(empty_app):
    from retrain.models import Patient, Programme, User
    from retrain.usecases import local_time, programme_reads, programmes

    filled = fill_at_first_migration()
    ids, before, first_tables = filled.ids, filled.before, filled.first_tables

    upgrade()
    assert current_revision() == filled.chain[-1].revision
    after = snapshot(sorted(app_tables()))
    assert_rows_kept(before, after)
    for (table, column), value in NEW_COLUMN_VALUES.items():
        assert [row[column] for row in after[table]] == [value] * len(after[table])
    added = {
        (table, column)
        for table in first_tables
        for column in after[table][0]
        if column not in before[table][0]
    }
    unstated = added - set(NEW_COLUMN_VALUES)
    assert not unstated, f"add to NEW_COLUMN_VALUES what old rows hold in {unstated}"
    # New tables start empty, but the derived figures (issue 17): one row per patient.
    new_tables = app_tables() - first_tables - {"patient_figures"}
    assert all(not after[table] for table in new_tables), "new tables empty"
    assert len(after["patient_figures"]) == len(after["patients"])
    assert schema_differences() == []

    # The app reads the old rows and builds on them.
    ann = db.session.get(Patient, ids["ann"])
    assert (ann.saq_interval_days, ann.user.name, ann.affected_side) == (14, "Ann Patient", "left")
    assert db.session.get(User, ids["ben"]).name == "Ben O’Neill"
    current = programme_reads.current_programme(ids["ann"])
    assert (current.version, current.note) == (2, "Gently – don’t force the smile.")
    names = [item.exercise.name for item in current.items]
    assert names == ["Gentle smile", "Brow lift", "Slow pucker – 50 %"]
    today = local_time.patient_today(ids["ann"])
    new = programmes.save_programme(
        db.session.get(User, ids["therapist"]),
        ids["ann"],
        today,
        [{"exercise_id": ids["smile"], "reps": 15}],
        "After the upgrade.",
    )
    assert new.version == 3
    assert db.session.get(Programme, ids["v2"]).ended_on == today - timedelta(days=1)


def test_every_downgrade_works_and_keeps_older_data(empty_app):
    """Head to base: each downgrade, its upgrade again, then down for good. While the
    first schema stands, its rows must stay exactly as they were stored."""
    filled = fill_at_first_migration()
    upgrade()
    walked = []
    for revision in reversed(filled.chain):
        if not downgrade_defined(revision):
            break
        below = revision.down_revision or "base"
        downgrade(revision=below)
        assert current_revision() == revision.down_revision
        upgrade(revision=revision.revision)
        assert current_revision() == revision.revision
        downgrade(revision=below)
        walked.append(revision.revision)
        if revision.down_revision is not None:
            assert filled.first_tables <= app_tables()
            now = snapshot(sorted(filled.first_tables))
            for table, rows in filled.before.items():
                kept = [{column: row[column] for column in rows[0]} for row in now[table]]
                assert kept == rows, f"downgrading {revision.revision} changed rows of {table}"
    print(f"\n== downgraded, upgraded and downgraded again: {len(walked)} of {len(filled.chain)}")
    assert walked, "no migration has a downgrade"
    if len(walked) == len(filled.chain):
        assert current_revision() is None
        assert app_tables() == set()
    upgrade()
    assert current_revision() == filled.chain[-1].revision
    assert schema_differences() == []
