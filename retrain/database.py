"""Engine settings that keep data safe on SQLite (see docs/architecture.md, "Writes").

Measured (shared/notes/security.md): stock pysqlite in WAL mode lost 1,409 of 1,600
concurrent read-modify-write updates. Starting every transaction with BEGIN IMMEDIATE
lost none, so we do that: writers queue on the busy timeout instead of racing.
SQLAlchemy documents this recipe ("Serializable isolation / Savepoints / Transactional
DDL" in the pysqlite dialect notes).
"""

from flask import Flask
from sqlalchemy import event

from .extensions import db


def configure_engine(app: Flask) -> None:
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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
