"""Configuration: defaults here, then instance/config.py, then RETRAIN_* environment variables.

Environment variables are read with Flask's ``from_prefixed_env("RETRAIN")``, so
``RETRAIN_DATABASE_URL`` sets ``DATABASE_URL`` and ``RETRAIN_SESSION_IDLE_MINUTES_STAFF=20`` an int.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from .progress import rules

DEFAULT_SECRET_NAME = "secret_key"  # noqa: S105 - a file name, not a secret
DEFAULT_AUDIT_KEY_NAME = "audit_hmac_key"


class Defaults:
    ENV = "development"  # "production" turns on the strict checks below
    SECRET_KEY = None  # generated into instance/ in development; required in production
    DATABASE_URL = None  # default: SQLite at instance/retrain.sqlite3
    REDIS_URL = None  # shared store for rate limits and background jobs; memory when unset
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
    PASSWORD_RESET_VALID_MINUTES = 60  # a reset link sent by e-mail (ASVS 6.4.1: short-lived)
    API_TOKEN_HOURS_STAFF = 12
    API_TOKEN_HOURS_PATIENT = 30 * 24
    SAQ_INSTRUMENT = "saq"  # or a path to a JSON file with the clinic's licensed wording
    SUNNYBROOK_INSTRUMENT = "sunnybrook"  # or a path, like SAQ_INSTRUMENT
    # The cycle rules (retrain/progress/rules.py has the defaults' sources; docs/progress.md).
    TOP_UP_DAYS = rules.TOP_UP_DAYS  # a visit this close to its cycle's first is a top-up
    SAQ_MIN_IMPORTANT_CHANGE = rules.SAQ_MIN_IMPORTANT_CHANGE  # smaller: measurement noise
    PROJECTION_UNCERTAIN_DAYS = rules.PROJECTION_UNCERTAIN_DAYS  # earlier wear-offs further apart
    SHORT_INTERVAL_DAYS = rules.SHORT_INTERVAL_DAYS  # a sooner new cycle needs confirming
    BACKUP_KEEP = 14  # `flask backup` keeps this many

    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"  # per address and per account
    # "Forgot password?" requests, per address and per account (the e-mail asked for)
    PASSWORD_RESET_RATE_LIMIT = "5 per hour;20 per day"  # noqa: S105 - a rate, no secret
    UPLOAD_RATE_LIMIT = "30 per minute;300 per day"  # photo uploads, per account
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True in production
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)  # our own session rows decide sooner
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # The audit chain (infrastructure/audit_chain.py, SECURITY.md). The HMAC key lives
    # outside the database, like SECRET_KEY: required in production, generated into
    # instance/ in development. Checkpoints go to an append-only place outside the
    # database: by default instance/audit-checkpoints/.
    AUDIT_HMAC_KEY = None
    AUDIT_CHECKPOINT_DIR = None
    AUDIT_GRACE_SECONDS = 300  # longest a request takes from noting an event to its commit

    # Background jobs (retrain/infrastructure/jobs.py, docs/deploy.md). Unset means "rq" in
    # production (required there, with REDIS_URL; run `flask jobs worker`), "sync" in tests
    # and "thread" otherwise: a thread inside `flask run`, no Redis needed.
    JOBS_BACKEND = None
    JOBS_QUEUE = "retrain"  # RQ's queue: installations sharing one Redis need their own

    # Outgoing e-mail (retrain/infrastructure/mail.py). Unset means "smtp" in production
    # (required there, with MAIL_SMTP_HOST and MAIL_FROM), "memory" in tests and "outbox"
    # otherwise: one .eml file per message in instance/outbox/.
    MAIL_BACKEND = None
    MAIL_FROM = None  # e.g. "Retrain at Your Clinic <retrain@clinic.example>"
    MAIL_SMTP_HOST = None
    MAIL_SMTP_PORT = 587
    MAIL_SMTP_SECURITY = "starttls"  # "starttls" (port 587), "ssl" (port 465) or "none"
    MAIL_SMTP_USER = None
    MAIL_SMTP_PASSWORD = None
    MAIL_SMTP_TIMEOUT = 30  # seconds; the job waits, never a request

    # Reminders (docs/reminders.md). PUBLIC_URL is the address patients open (links in
    # e-mails and notifications, the calendar feed); required in production, like the
    # VAPID key pair of Web Push (infrastructure/webpush.py): generated into instance/
    # in development. Push goes only to the push services named here, by HTTPS.
    PUBLIC_URL = None  # e.g. "https://retrain.clinic.example"; development: 127.0.0.1:5000
    VAPID_PRIVATE_KEY = None
    VAPID_SUBJECT = None  # "mailto:it@clinic.example": whom the push services may contact
    PUSH_SERVICE_HOSTS = (
        "fcm.googleapis.com",  # Chrome, Edge on Android, most Android browsers
        "push.services.mozilla.com",  # Firefox
        "push.apple.com",  # Safari, iOS/iPadOS web apps (web.push.apple.com)
        "notify.windows.com",  # Edge on Windows (*.notify.windows.com)
    )
    PUSH_REQUIRE_HTTPS = True

    # Operators (docs/deploy.md, "Metrics and logs"): /metrics answers only a request with
    # "Authorization: Bearer <METRICS_TOKEN>" (none set: no endpoint). LOG_FORMAT "json"
    # (JSON lines with the request id; the default in production) or "text".
    METRICS_TOKEN = None
    SNAPSHOT_FOLDER = None  # photos; default instance/snapshots; shared by every app server
    LOG_FORMAT = None


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
    if not app.config.get("AUDIT_HMAC_KEY"):
        if production:
            raise RuntimeError(
                "RETRAIN_AUDIT_HMAC_KEY must be set in production (a long random string,"
                " kept outside the database; SECURITY.md)."
            )
        app.config["AUDIT_HMAC_KEY"] = _development_secret(instance / DEFAULT_AUDIT_KEY_NAME)
    app.config["AUDIT_CHECKPOINT_DIR"] = app.config.get("AUDIT_CHECKPOINT_DIR") or str(
        instance / "audit-checkpoints"
    )
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
    _background_services(app.config, production)
    app.config["LOG_FORMAT"] = app.config.get("LOG_FORMAT") or ("json" if production else "text")
    _reminders(app.config, production)

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")

    url = app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'retrain.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # The busy timeout lets concurrent workers wait for the write lock instead of failing.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}


BACKENDS = {
    "JOBS_BACKEND": {"production": "rq", "testing": "sync", "other": "thread"},
    "MAIL_BACKEND": {"production": "smtp", "testing": "memory", "other": "outbox"},
}
MAIL_SMTP_SECURITY = ("starttls", "ssl", "none")


def _background_services(config, production: bool) -> None:
    """Fill in the jobs and mail backends; refuse unknown names and, in production,
    anything but RQ with Redis and SMTP with a host and a sender."""
    setting = "production" if production else "testing" if config.get("TESTING") else "other"
    for key, defaults in BACKENDS.items():
        config[key] = config.get(key) or defaults[setting]
        if config[key] not in defaults.values():
            raise RuntimeError(f"RETRAIN_{key} must be one of {', '.join(defaults.values())}.")
    if config["MAIL_SMTP_SECURITY"] not in MAIL_SMTP_SECURITY:
        raise RuntimeError(f"RETRAIN_MAIL_SMTP_SECURITY must be one of {MAIL_SMTP_SECURITY}.")
    if not production:
        return
    if config["JOBS_BACKEND"] != "rq" or not config.get("REDIS_URL"):
        raise RuntimeError(
            "Production runs background jobs on RQ: set RETRAIN_REDIS_URL (and leave"
            " RETRAIN_JOBS_BACKEND unset or 'rq'), and run `flask jobs worker`."
        )
    if config["MAIL_BACKEND"] != "smtp" or not config.get("MAIL_SMTP_HOST"):
        raise RuntimeError("Production sends e-mail by SMTP: set RETRAIN_MAIL_SMTP_HOST.")
    if not config.get("MAIL_FROM"):
        raise RuntimeError("RETRAIN_MAIL_FROM must be set in production (the sender address).")


def _reminders(config, production: bool) -> None:
    """Production names its address and its VAPID key pair (development makes up both:
    see infrastructure/webpush.py for the key)."""
    if production:
        for key in ("PUBLIC_URL", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"):
            if not config.get(key):
                raise RuntimeError(f"RETRAIN_{key} must be set in production (docs/deploy.md).")
        return
    config["PUBLIC_URL"] = config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    config["VAPID_SUBJECT"] = config.get("VAPID_SUBJECT") or "mailto:retrain@localhost"


def _development_secret(path: Path) -> str:
    """A stable random key for this checkout, so sessions survive a restart."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
