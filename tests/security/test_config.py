import pytest

from retrain import create_app

from ..conftest import PRODUCTION, make_config, sqlite_only


def test_production_refuses_to_start_without_secret_key(tmp_path):
    config = make_config(tmp_path, **PRODUCTION)
    config.pop("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    config = make_config(tmp_path, **PRODUCTION)
    config.pop("AUDIT_HMAC_KEY")
    with pytest.raises(RuntimeError, match="AUDIT_HMAC_KEY"):
        create_app(config)


def test_development_generates_and_keeps_an_audit_key_and_a_checkpoint_folder(tmp_path):
    config = make_config(tmp_path)
    first, second = create_app(config).config, create_app(config).config
    assert len(first["AUDIT_HMAC_KEY"]) >= 64
    assert first["AUDIT_HMAC_KEY"] == second["AUDIT_HMAC_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "audit_hmac_key").stat().st_mode & 0o077 == 0
    assert first["AUDIT_CHECKPOINT_DIR"] == str(tmp_path / "audit-checkpoints")


def test_production_sets_secure_cookies_and_hsts(tmp_path):
    app = create_app(make_config(tmp_path, **PRODUCTION))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_development_generates_and_keeps_a_secret(tmp_path):
    config = make_config(tmp_path)
    config.pop("SECRET_KEY")
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert len(first) >= 64 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_override(tmp_path, monkeypatch):
    monkeypatch.setenv("RETRAIN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("RETRAIN_SECRET_KEY", "from-env")
    monkeypatch.setenv("RETRAIN_SESSION_IDLE_MINUTES_STAFF", "20")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SESSION_IDLE_MINUTES_STAFF"] == 20
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'retrain.sqlite3'}"


def test_default_password_hashing_meets_the_bar():
    from retrain.config import Defaults

    # argon2id, RFC 9106 second recommendation: t=3, m=64 MiB (ASVS 11.4.2).
    assert Defaults.ARGON2_TIME_COST >= 3 and Defaults.ARGON2_MEMORY_COST_KIB >= 65536


@sqlite_only
def test_sqlite_pragmas(app):
    from sqlalchemy import text

    from retrain.extensions import db

    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"JOBS_BACKEND": "thread"}, "RQ"),
        ({"JOBS_BACKEND": "sync"}, "RQ"),
        ({"REDIS_URL": None}, "RQ"),
        ({"MAIL_BACKEND": "outbox"}, "SMTP"),
        ({"MAIL_SMTP_HOST": None}, "SMTP"),
        ({"MAIL_FROM": None}, "MAIL_FROM"),
        ({"PUBLIC_URL": None}, "RETRAIN_PUBLIC_URL"),
        ({"VAPID_PRIVATE_KEY": None}, "RETRAIN_VAPID_PRIVATE_KEY"),
        ({"VAPID_SUBJECT": None}, "RETRAIN_VAPID_SUBJECT"),
    ],
)
def test_production_refuses_to_start_without_its_worker_mail_server_and_push_keys(
    tmp_path, change, complaint
):
    with pytest.raises(RuntimeError, match=complaint):
        create_app(make_config(tmp_path, **{**PRODUCTION, **change}))


def test_background_backends_follow_the_environment(tmp_path):
    production = create_app(make_config(tmp_path, **PRODUCTION)).config
    development = create_app(make_config(tmp_path, TESTING=False)).config
    tests = create_app(make_config(tmp_path)).config
    assert (production["JOBS_BACKEND"], production["MAIL_BACKEND"]) == ("rq", "smtp")
    assert (development["JOBS_BACKEND"], development["MAIL_BACKEND"]) == ("thread", "outbox")
    assert (tests["JOBS_BACKEND"], tests["MAIL_BACKEND"]) == ("sync", "memory")


@pytest.mark.parametrize(
    "setting",
    [{"JOBS_BACKEND": "celery"}, {"MAIL_BACKEND": "sendmail"}, {"MAIL_SMTP_SECURITY": "tls"}],
)
def test_unknown_background_settings_are_refused(tmp_path, setting):
    with pytest.raises(RuntimeError, match="must be one of"):
        create_app(make_config(tmp_path, **setting))
