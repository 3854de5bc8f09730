"""The PostgreSQL databases of a test run, each named after the one the run was given.

`make test` gives RETRAIN_TEST_DATABASE_URL (CI: .../test). Under pytest-xdist each
worker works in a database of its own, <name>_gw0, <name>_gw1, ...; tests that need a
whole database make <name>_<prefix>_<random>. Every name starts with the given one, so
runs given different databases on one server never meet.
"""

import secrets
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def named(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def worker_url(base_url: str | None, worker: str | None) -> str | None:
    """The database of pytest-xdist worker ``worker`` (gw0, ...); without xdist, the base."""
    if not base_url or not worker:
        return base_url
    return named(base_url, f"{make_url(base_url).database}_{worker}")


def _on_server(url: str, statement: sql.Composable) -> None:
    """Run ``statement`` in the server's maintenance database (CREATE/DROP DATABASE)."""
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` if it exists, closing its connections."""
    name = sql.Identifier(make_url(url).database)
    _on_server(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def create_database(url: str) -> None:
    """An empty database for ``url``; one left by an earlier run is dropped first."""
    drop_database(url)
    _on_server(url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(make_url(url).database)))


@contextmanager
def throwaway_database(base_url: str, prefix: str):
    """A new, empty database ``<base name>_<prefix>_<random>``, dropped afterwards."""
    url = named(base_url, f"{make_url(base_url).database}_{prefix}_{secrets.token_hex(4)}")
    create_database(url)
    try:
        yield url
    finally:
        drop_database(url)
