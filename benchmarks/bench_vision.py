"""Time the snapshot analysis: model loading, and analysis of a 1280x720 snapshot.

    .venv/bin/python benchmarks/bench_vision.py [--runs 50] [--threads N]

Prints the median and 95th percentile per snapshot (with and without the mirrored
second look), model load time and the process's memory (RSS). Targets: median
<= 60 ms per snapshot, model loading <= 100 ms. A script, not a test: timings
depend on the machine and its load, so nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrain.vision import analyse  # noqa: E402
from retrain.vision import models as vision_models  # noqa: E402


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process, in MB (Linux)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def snapshot() -> np.ndarray:
    """A 1280x720 webcam-like frame: scikit-image's astronaut, face enlarged and centred."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("scikit-image is needed for the benchmark photo (pip install scikit-image)")
    photo = cv2.imread(
        str(Path(next(iter(spec.submodule_search_locations)), "data", "astronaut.png"))
    )
    face = cv2.resize(photo[40:300, 100:360], None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    frame = np.full((720, 1280, 3), 170, np.uint8)
    y, x = (720 - face.shape[0]) // 2, (1280 - face.shape[1]) // 2
    frame[y : y + face.shape[0], x : x + face.shape[1]] = face
    return frame


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(label: str, ms: list[float]) -> str:
    p95 = float(np.percentile(ms, 95))
    median = statistics.median(ms)
    return f"{label:<42} median {median:6.1f} ms   p95 {p95:6.1f} ms   min {min(ms):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, help="cv2.setNumThreads (default: OpenCV's)")
    args = parser.parse_args()
    if args.threads:
        cv2.setNumThreads(args.threads)

    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads, {os.cpu_count()} CPUs")
    print(f"load average {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    before_rss, _ = rss_mb()

    start = time.perf_counter()
    vision_models.get_models()
    first_load = (time.perf_counter() - start) * 1000
    reloads = timed(lambda: vision_models._load(vision_models.model_dir()), 5)
    print(f"{'model load, first in this process':<42} {first_load:6.1f} ms")
    print(summary("model load (sha256 + 3 nets), again", reloads))

    frame = snapshot()
    for _ in range(3):
        analyse(frame)
    result = analyse(frame)
    eyes = result.geometry.eye_distance_px
    print(f"snapshot 1280x720, eye distance {eyes:.0f} px, flags {result.flag_codes}")
    print(summary("analyse (with mirrored look)", timed(lambda: analyse(frame), args.runs)))
    print(
        summary(
            "analyse (one look, mirror_average=False)",
            timed(lambda: analyse(frame, mirror_average=False), args.runs),
        )
    )
    print(
        summary(
            "no face (blank frame)", timed(lambda: analyse(np.full_like(frame, 128)), args.runs)
        )
    )

    rss, peak = rss_mb()
    print(f"RSS {rss:.0f} MB (before models {before_rss:.0f} MB), peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
