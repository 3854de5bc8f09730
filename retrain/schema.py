"""The schema's migrations (Flask-Migrate and Alembic, in migrations/), loaded on demand.

Alembic and the templating it brings (Mako, and Pygments where installed) take about
0.2 s to import. Only `flask db ...`, the tests and the benchmarks migrate; a web worker
never does, so create_app() leaves them out (docs/performance.md).
"""

import click
from flask import Flask, current_app

from . import ROOT


def enable(app: Flask) -> None:
    """Register Flask-Migrate on ``app`` once: its commands and functions need it."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from .extensions import db

        Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)


def upgrade(revision: str = "head") -> None:
    """Migrate the current app's database up to ``revision``."""
    from flask_migrate import upgrade as migrate_up

    enable(current_app._get_current_object())
    migrate_up(revision=revision)


def downgrade(revision: str) -> None:
    """Migrate the current app's database down to ``revision``."""
    from flask_migrate import downgrade as migrate_down

    enable(current_app._get_current_object())
    migrate_down(revision=revision)


class MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's own group, imported when the command is run.

    It stands in for that group: the context it makes is the real group's (its options,
    its callback, its subcommands). Flask has pushed the app context by then.
    """

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db

        enable(current_app._get_current_object())
        return db.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return ctx.command.invoke(ctx)
