"""Engine settings that keep data safe on SQLite (see docs/architecture.md, "Writes",
and docs/performance.md, "Read/write split").

Measured (shared/notes/security.md): stock pysqlite in WAL mode lost 1,409 of 1,600
concurrent read-modify-write updates. Starting every writing transaction with BEGIN
IMMEDIATE lost none, so we do that: writers queue on the busy timeout instead of racing.
SQLAlchemy documents this recipe ("Serializable isolation / Savepoints / Transactional
DDL" in the pysqlite dialect notes). Reading requests begin deferred instead and read a
WAL snapshot without the write lock (infrastructure/transactions.py decides which).
"""

import re

from flask import Flask
from sqlalchemy import event

from .extensions import db
from .infrastructure import transactions

_READ_ONLY = "retrain.read_only"  # connection.info: the open transaction began deferred
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def configure_engine(app: Flask) -> None:
    transactions.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=15000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        read_only = transactions.reading()
        connection.info[_READ_ONLY] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_while_reading(connection, _cursor, statement, *_args):
        if connection.info.get(_READ_ONLY) and _WRITE_STATEMENT.match(statement):
            raise transactions.WriteWhileReading(
                "a reading request wrote outside transactions.write_unit() (or its view "
                "lacks @transactions.writes_on_safe_method): on SQLite that write could "
                "fail under load"
            )
