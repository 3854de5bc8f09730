"""``analyse(image)`` for one snapshot and ``compare(rest, expression)`` for two.

Input images are true (unmirrored) views in OpenCV's BGR order. Sides in every
result are the subject's own: their left is on the image's right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from . import landmarks as lm
from .geometry import FaceGeometry, Frame, average_with_mirror, measure_face
from .measures import Measure, dynamic_measures, single_photo_measures
from .mesh import Mesh, detect_faces, face_meshes
from .models import Models, get_models
from .quality import FaceFacts, QualityFlag, check_image

MIN_FACE_PRESENCE = 0.5

# Bump when a stored ``Analysis.to_dict()`` changes shape or meaning (new measure
# definitions, thresholds, models), so stored snapshots can be re-analysed.
ANALYSIS_VERSION = "1"


@dataclass(frozen=True)
class Analysis:
    """What one snapshot shows.

    ``geometry`` and ``measures`` are present whenever a face was found, even if
    quality flags were raised; ``ok`` says whether the photo passed every check.
    """

    image_width: int
    image_height: int
    faces_found: int
    flags: tuple[QualityFlag, ...]
    geometry: FaceGeometry | None = None  # averaged with the mirrored image's
    measures: tuple[Measure, ...] = ()
    landmarks: np.ndarray | None = field(default=None, compare=False)  # (468, 2) px
    iris_centres: dict[str, tuple[float, float]] | None = None  # by the subject's side
    iris_radii: dict[str, float] | None = None

    @property
    def face_found(self) -> bool:
        return self.geometry is not None

    @property
    def ok(self) -> bool:
        return self.face_found and not self.flags

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)

    @property
    def hints(self) -> list[str]:
        return [f.message for f in self.flags]

    def measure(self, name: str) -> Measure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self, include_landmarks: bool = False) -> dict:
        """Plain JSON-ready values, to store beside the snapshot."""
        data = {
            "image_width": self.image_width,
            "image_height": self.image_height,
            "faces_found": self.faces_found,
            "flags": [f.to_dict() for f in self.flags],
            "geometry": self.geometry.to_dict() if self.geometry else None,
            "measures": [m.to_dict() for m in self.measures],
            "iris_centres": self.iris_centres,
            "iris_radii": self.iris_radii,
        }
        if include_landmarks and self.landmarks is not None:
            data["landmarks"] = np.round(self.landmarks, 2).tolist()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        landmarks = data.get("landmarks")
        return cls(
            image_width=data["image_width"],
            image_height=data["image_height"],
            faces_found=data["faces_found"],
            flags=tuple(QualityFlag(**f) for f in data["flags"]),
            geometry=FaceGeometry.from_dict(data["geometry"]) if data.get("geometry") else None,
            measures=tuple(Measure(**m) for m in data.get("measures", ())),
            landmarks=None if landmarks is None else np.asarray(landmarks, dtype=np.float64),
            iris_centres=(
                {k: tuple(v) for k, v in data["iris_centres"].items()}
                if data.get("iris_centres")
                else None
            ),
            iris_radii=data.get("iris_radii"),
        )


@dataclass(frozen=True)
class DynamicMeasures:
    """Change from the rest photo to an expression photo of the same day."""

    usable: bool
    reasons: tuple[str, ...]  # why not usable, or what to bear in mind, in plain words
    measures: tuple[Measure, ...] = ()

    def measure(self, name: str, side: str | None = None) -> Measure:
        for m in self.measures:
            if m.name == name and m.side == side:
                return m
        raise KeyError((name, side))

    def to_dict(self) -> dict:
        return {
            "usable": self.usable,
            "reasons": list(self.reasons),
            "measures": [m.to_dict() for m in self.measures],
        }


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise ValueError("expected a non-empty image array")
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"expected a BGR image, got shape {image.shape}")


def _with_refined_lids(mesh: Mesh) -> np.ndarray:
    """The mesh's points with the iris model's (finer) eyelid contours put in."""
    points = mesh.points[:, :2].copy()
    for side in lm.SIDES:
        points[list(side.iris_model_lids)] = mesh.eyes[side.name].lids
    return points


def _geometry(mesh: Mesh) -> tuple[np.ndarray, FaceGeometry]:
    points = _with_refined_lids(mesh)
    right, left = mesh.eyes["right"], mesh.eyes["left"]
    return points, measure_face(points, right.centre, left.centre, right.radius, left.radius)


def analyse(
    image_bgr: np.ndarray, *, mirror_average: bool = True, models: Models | None = None
) -> Analysis:
    """Find the face, check the photo, measure it.

    With ``mirror_average`` (the default) every step also looks at the mirrored
    image, through exactly the mirrored crop, and the two looks are averaged with
    the sides swapped back. That cancels the landmark model's own left/right bias
    (up to about 1 mm and 2.8 degrees of smile angle; here up to 2 mm on the mouth
    corners' distance from the midline) and makes the result mirror-symmetric:
    flipping the photo swaps left and right and changes nothing else.
    """
    image = _as_bgr(image_bgr)
    h, w = image.shape[:2]
    models = models or get_models()
    detections = detect_faces(image, models, mirror=mirror_average)
    if not detections:
        return Analysis(w, h, 0, tuple(check_image(image, 0, None)))

    # the largest face is taken to be the subject's
    primary = max(detections, key=lambda d: d.width * d.height)
    mesh, mirrored = face_meshes(image, primary, models, mirror=mirror_average)
    if mesh.presence < MIN_FACE_PRESENCE:
        return Analysis(w, h, 0, tuple(check_image(image, 0, None)))

    points, geometry = _geometry(mesh)
    if mirrored is not None and mirrored.presence >= MIN_FACE_PRESENCE:
        geometry = average_with_mirror(geometry, _geometry(mirrored)[1])
    frame = Frame.from_irises(mesh.eyes["right"].centre, mesh.eyes["left"].centre)
    flags = check_image(image, len(detections), FaceFacts(frame, points, geometry.nose_offset))

    return Analysis(
        image_width=w,
        image_height=h,
        faces_found=len(detections),
        flags=tuple(flags),
        geometry=geometry,
        measures=tuple(single_photo_measures(geometry)),
        landmarks=points,
        iris_centres={s: tuple(float(v) for v in e.centre) for s, e in mesh.eyes.items()},
        iris_radii={s: e.radius for s, e in mesh.eyes.items()},
    )


def compare(rest: Analysis, expression: Analysis) -> DynamicMeasures:
    """Dynamic measures: how the expression photo differs from the rest photo.

    Both should be the same patient on the same day. Refused (``usable`` False) when
    either photo has no face; any quality flag on either photo is passed on as a
    reason, since the numbers then deserve less trust.
    """
    reasons = []
    if not rest.face_found:
        reasons.append("No face was found in the rest photo.")
    if not expression.face_found:
        reasons.append("No face was found in the expression photo.")
    if reasons:
        return DynamicMeasures(False, tuple(reasons))
    for label, analysis in (("rest", rest), ("expression", expression)):
        for f in analysis.flags:
            reasons.append(f"The {label} photo: {f.message}")
    measures = dynamic_measures(rest.geometry, expression.geometry)
    return DynamicMeasures(not reasons, tuple(reasons), tuple(measures))


__all__ = ["ANALYSIS_VERSION", "Analysis", "DynamicMeasures", "analyse", "compare"]
