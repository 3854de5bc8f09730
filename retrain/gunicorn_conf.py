"""gunicorn's settings for production (docs/deploy.md, "Web"):

    gunicorn -c python:retrain.gunicorn_conf --workers N --bind ... 'retrain:create_app()'

The app is created once in the master and the workers are forked from it (create_app
opens no connection: tests/infrastructure/test_preload_safety.py). With
PROMETHEUS_MULTIPROC_DIR set, the metric files of a previous run are removed at start
and a worker's live gauges are dropped when it exits (prometheus_client's multiprocess
mode); counters and histograms keep counting.
"""

import os
from pathlib import Path

preload_app = True


def on_starting(_server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(_server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
