"""`gunicorn --preload` is safe: create_app() opens no connection to anything.

With --preload the master creates the app once and forks the workers; a connection
opened before the fork would be shared by every worker (two processes talking over one
PostgreSQL or Redis socket corrupt each other's answers). So the production app is
created here with its database and Redis pointed at listening sockets of our own, which
count who connects: nobody may until a request arrives (docs/deploy.md, "Web").
"""

import socket
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

from retrain import create_app
from tests.conftest import PRODUCTION, make_config


class Listener:
    """A TCP port that accepts and counts connections (and answers nothing)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


def test_creating_the_production_app_connects_to_nothing(tmp_path):
    database, redis = Listener(), Listener()
    engine_connects = []

    def count(*_args):
        engine_connects.append(1)

    event.listen(Engine, "connect", count)
    try:
        app = create_app(
            make_config(
                tmp_path,
                **{
                    **PRODUCTION,
                    "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
                    "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis.port}/0",
                },
                DATABASE_URL=f"postgresql+psycopg://retrain@127.0.0.1:{database.port}/retrain",
                SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
            )
        )
        assert (database.accepted, redis.accepted, engine_connects) == (0, 0, [])
        with app.app_context():
            from retrain.extensions import db

            assert db.engine.pool.checkedout() == 0
        # The listeners do see a request's connection: the test can fail.
        answer = app.test_client().get("/healthz")
        assert answer.status_code == 503
        assert database.accepted >= 1
    finally:
        event.remove(Engine, "connect", count)
        database.close()
        redis.close()
