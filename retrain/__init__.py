"""Retrain: neuromuscular retraining after facial palsy."""

import os
from pathlib import Path

from flask import Flask

from . import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints, errors, CLI.

    ``test_config`` replaces instance/config.py and the environment (tests pass their own).
    Migrations never run here: `flask db upgrade` is a deploy step.
    """
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "RETRAIN_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve())
        if instance_path
        else str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    from . import operations

    register_extensions(app)
    register_blueprints(app)
    register_template_filters(app)
    register_cli(app)
    operations.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import database, security
    from .extensions import csrf, db, limiter, login_manager
    from .infrastructure import (
        audit,
        audit_chain,  # noqa: F401 - its periodic job: the sealer
        jobs,
    )
    from .usecases import derived  # noqa: F401 - its hooks keep derived figures on commit

    db.init_app(app)
    database.configure_engine(app)
    login_manager.init_app(app)
    security.init_app(app)  # deny-by-default runs first: anonymous requests go to login
    csrf.init_app(app)
    limiter.init_app(app)
    jobs.init_app(app)
    audit.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any rule uses it
    from .admin.routes import bp as admin_bp
    from .api import routes as api_routes
    from .auth.routes import bp as auth_bp
    from .clinician.routes import bp as clinician_bp
    from .companion import app_shell, public, reminders, sending  # noqa: F401 - sending's jobs
    from .entries.routes import bp as entries_bp
    from .errors import handlers
    from .extensions import csrf
    from .library.routes import bp as library_bp
    from .main.routes import bp as main_bp
    from .messages.routes import bp as messages_bp
    from .outcomes.routes import bp as outcomes_bp
    from .patient.routes import bp as patient_bp
    from .snapshots.routes import bp as snapshots_bp
    from .therapist.routes import bp as therapist_bp

    handlers.init_app(app)
    for blueprint in (
        main_bp,
        auth_bp,
        patient_bp,
        library_bp,
        therapist_bp,
        clinician_bp,
        outcomes_bp,
        entries_bp,
        snapshots_bp,
        messages_bp,
        admin_bp,
        app_shell.bp,
        reminders.bp,
        public.bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_routes.bp)  # bearer tokens only, never cookies: see security.py
    app.register_blueprint(api_routes.bp)


def register_template_filters(app: Flask) -> None:
    """The formatting module's functions, the same on every page."""
    from flask import g
    from flask_login import current_user

    from . import formatting
    from .usecases.local_time import zone_for

    app.jinja_env.filters.update(formatting.FILTERS)

    def when_here(value):
        """An aware time in the viewer's own zone (else the clinic's), looked up once a
        request (a caseload shows hundreds)."""
        if value is None:
            return ""
        if "viewer_zone" not in g:
            g.viewer_zone = zone_for(current_user)
        return formatting.when(value.astimezone(g.viewer_zone))

    app.jinja_env.filters["when_here"] = when_here


def register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
