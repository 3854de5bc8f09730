"""The embedded jobs backend of `make run`: one daemon thread in the serving process.

Jobs wait in a heap ordered by when they are due; periodic jobs are re-armed for their
next slot after each run (missed slots are skipped, not caught up). Nothing survives a
restart, and every process that serves runs its own thread: for one `flask run` process
only. Production uses RQ (jobs_rq.py); config.load refuses this backend there.
"""

import atexit
import contextlib
import heapq
import itertools
import os
import threading
import time
from datetime import datetime

from flask import Flask

from .jobs_base import PERIODIC, next_slot, run

STOP_WAIT_SECONDS = 30  # at exit, how long the jobs already due may take to finish


class ThreadBackend:
    def __init__(self, app: Flask):
        self.app = app
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._owner_pid: int | None = None
        self._heap: list = []  # (due, sequence, path, args, kwargs, every_seconds or None)
        self._sequence = itertools.count()
        self._stopping = False

    def submit(self, when: datetime | None, path: str, args: tuple, kwargs: dict) -> None:
        self.start()
        due = time.time() if when is None else when.timestamp()
        with self._lock:
            self._push(due, path, args, kwargs, None)

    def start(self) -> None:
        """Start the thread once per process (cheap when it runs already)."""
        if self._owner_pid == os.getpid():
            return
        with self._lock:
            if self._owner_pid == os.getpid():
                return
            self._owner_pid = os.getpid()
            self._heap, self._stopping = [], False  # a forked child starts afresh
            for path, seconds in PERIODIC.items():
                self._push(next_slot(time.time(), seconds) * seconds, path, (), {}, seconds)
            self._thread = threading.Thread(target=self._loop, name="retrain-jobs", daemon=True)
            self._thread.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        """Run the jobs that are already due, then end the thread (at exit, and in tests)."""
        thread = self._thread
        if thread is None or self._owner_pid != os.getpid():
            return
        with self._lock:
            self._stopping = True
            self._lock.notify()
        thread.join(timeout=STOP_WAIT_SECONDS)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _push(self, due: float, path, args, kwargs, every: int | None) -> None:
        heapq.heappush(self._heap, (due, next(self._sequence), path, args, kwargs, every))
        self._lock.notify()

    def _loop(self) -> None:
        while True:
            job = self._next_due()
            if job is None:
                return
            _due, _sequence, path, args, kwargs, every = job
            with contextlib.suppress(Exception):  # run() logged it with an error id
                run(self.app, path, args, kwargs)
            if every is not None:
                with self._lock:
                    self._push(next_slot(time.time(), every) * every, path, (), {}, every)

    def _next_due(self):
        """Wait for the earliest job to fall due; None once stopping and nothing is due."""
        with self._lock:
            while True:
                wait = self._heap[0][0] - time.time() if self._heap else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._heap)
                if self._stopping:
                    return None
                self._lock.wait(timeout=wait)
