"""The migrations and the models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from retrain.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_flask_db_loads_flask_migrate_only_when_run(app):
    """`flask db` works, and an app that never migrates never imports Alembic for it."""
    assert "migrate" not in app.extensions
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    assert "Context impl" in result.output  # Alembic ran against the app's database
    assert "migrate" in app.extensions
