"""Configuration: defaults here, then instance/config.py, then RETRAIN_* environment variables.

Environment variables are read with Flask's ``from_prefixed_env("RETRAIN")``, so
``RETRAIN_DATABASE_URL`` sets ``DATABASE_URL`` and ``RETRAIN_SESSION_IDLE_MINUTES_STAFF=20`` an int.
"""

import secrets
from datetime import timedelta
from pathlib import Path

DEFAULT_SECRET_NAME = "secret_key"  # noqa: S105 - a file name, not a secret


class Defaults:
    ENV = "development"  # "production" turns on the strict checks below
    SECRET_KEY = None  # generated into instance/ in development; required in production
    DATABASE_URL = None  # default: SQLite at instance/retrain.sqlite3
    REDIS_URL = None  # shared store for rate limits; memory when unset
    TIMEZONE = "Europe/London"  # the clinic's zone: "today" for a patient without their own

    # Password hashing: argon2id (RFC 9106 second recommended option, ASVS 11.4.2).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4

    # Sessions (ASVS 7.3): staff idle 30 min, absolute 12 h; patients idle 7 days.
    SESSION_IDLE_MINUTES_STAFF = 30
    SESSION_IDLE_MINUTES_PATIENT = 7 * 24 * 60
    SESSION_ABSOLUTE_HOURS_STAFF = 12
    SESSION_ABSOLUTE_HOURS_PATIENT = 30 * 24
    INVITATION_VALID_DAYS = 7
    API_TOKEN_HOURS_STAFF = 12
    API_TOKEN_HOURS_PATIENT = 30 * 24
    SAQ_INSTRUMENT = "saq"  # or a path to a JSON file with the clinic's licensed wording
    BACKUP_KEEP = 14  # `flask backup` keeps this many

    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"  # per address and per account
    UPLOAD_RATE_LIMIT = "30 per minute;300 per day"  # photo uploads, per account
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True in production
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)  # our own session rows decide sooner
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}


def load(app, test_config=None):
    """Fill app.config in the documented order and derive what depends on it."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("RETRAIN")
    else:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    production = app.config["ENV"] == "production"

    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError(
                "RETRAIN_SECRET_KEY must be set in production (a long random string)."
            )
        app.config["SECRET_KEY"] = _development_secret(instance / DEFAULT_SECRET_NAME)
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")

    url = app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'retrain.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # The busy timeout lets concurrent workers wait for the write lock instead of failing.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}


def _development_secret(path: Path) -> str:
    """A stable random key for this checkout, so sessions survive a restart."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
