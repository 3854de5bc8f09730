import pytest

from retrain import create_app

from ..conftest import make_config, sqlite_only


def test_production_refuses_to_start_without_secret_key(tmp_path):
    config = make_config(tmp_path, ENV="production")
    config.pop("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_sets_secure_cookies_and_hsts(tmp_path):
    app = create_app(make_config(tmp_path, ENV="production", SECRET_KEY="x" * 64))
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
