"""Throw-away PostgreSQL databases for tests that need a whole database of their own."""

import os
import secrets
from contextlib import contextmanager

import pytest

from tests import pg_available

# The server make test's second pass uses; these tests make their own database on it.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_postgres_database(prefix: str = "retrain_load"):
    """A new, empty database ``<prefix>_<random>`` on the test server, dropped afterwards
    (open connections too). Skips the test when no server answers."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    server = make_url(os.environ.get("RETRAIN_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL)
    admin = server.set(database="postgres").render_as_string(hide_password=False)
    if pg_available.main(admin) != 0:
        pytest.skip(f"no PostgreSQL server answers at {server.host}:{server.port or 5432}")
    name = f"{prefix}_{secrets.token_hex(4)}"
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
