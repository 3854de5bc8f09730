"""Throw-away PostgreSQL databases for tests that need a whole database of their own."""

import os
from contextlib import contextmanager

import pytest

from tests import databases, pg_available

# The server make test's second pass uses; these tests make their own database on it.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_postgres_database(prefix: str = "load"):
    """A new, empty database ``<test database>_<prefix>_<random>`` on the test server,
    dropped afterwards (open connections too). Skips the test when no server answers."""
    from sqlalchemy.engine import make_url

    base = os.environ.get("RETRAIN_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL
    server = make_url(base)
    if pg_available.main(databases.named(base, "postgres")) != 0:
        pytest.skip(f"no PostgreSQL server answers at {server.host}:{server.port or 5432}")
    with databases.throwaway_database(base, prefix) as url:
        yield url
