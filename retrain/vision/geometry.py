"""Face geometry from landmark arrays: pure numpy, no models.

The frame (as Emotrics does it): the eye line joins the two iris centres; the
face is levelled on it; the midline is the perpendicular through their midpoint.
Lengths are in eye distances (the distance between the iris centres = 1). Heights
are positive upward, measured from the eye line. Sides are the subject's own.

Approximate millimetres come from the iris: its visible diameter is about 11.77 mm
in adults, so mm per eye distance = 11.77 / iris diameter (in eye distances). That
scale is approximate (blur shrinks the iris and moves it by up to 15 %), which is
why the app shows changes and left-right differences, never absolute millimetres.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from . import landmarks as lm

IRIS_DIAMETER_MM = 11.77
# Adult iris diameter / inter-pupillary distance is about 11.77 / 63 = 0.19; outside
# this range the iris points are not trusted for the scale and the population
# average inter-pupillary distance is used instead.
PLAUSIBLE_IRIS_DIAMETER = (0.14, 0.25)
AVERAGE_EYE_DISTANCE_MM = 63.0


@dataclass(frozen=True)
class SideValues:
    """One side of the face, in eye distances (angles in degrees)."""

    brow_height: float  # mean height of the eyebrow points above the eye line
    mrd1: float  # iris centre up to the upper lid margin, measured vertically
    mrd2: float  # iris centre down to the lower lid margin
    eye_aperture: float  # upper to lower lid margin through the iris centre (MRD1 + MRD2)
    mouth_corner_height: float  # height of the mouth corner (negative: below the eye line)
    mouth_corner_lateral: float  # outward distance of the mouth corner from the midline
    smile_angle: float  # degrees the corner sits above the lip centre, seen outward

    @staticmethod
    def mean(a: SideValues, b: SideValues) -> SideValues:
        return SideValues(
            **{f.name: (getattr(a, f.name) + getattr(b, f.name)) / 2 for f in fields(a)}
        )


@dataclass(frozen=True)
class FaceGeometry:
    right: SideValues
    left: SideValues
    eye_distance_px: float  # pixels between the iris centres
    roll_degrees: float  # eye line against the image's horizontal (+: subject's left eye lower)
    nose_offset: float  # nose tip from the midline (+: toward the subject's left)
    iris_diameter: float  # mean of both irises, in eye distances
    mirror_averaged: bool = False

    @property
    def iris_scale_plausible(self) -> bool:
        low, high = PLAUSIBLE_IRIS_DIAMETER
        return low <= self.iris_diameter <= high

    @property
    def mm_per_eye_distance(self) -> float:
        """Approximate millimetres per eye distance (see the module docstring)."""
        if self.iris_scale_plausible:
            return IRIS_DIAMETER_MM / self.iris_diameter
        return AVERAGE_EYE_DISTANCE_MM

    def side(self, name: str) -> SideValues:
        if name not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', not {name!r}")
        return self.left if name == "left" else self.right

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FaceGeometry:
        values = dict(data)
        values["right"] = SideValues(**values["right"])
        values["left"] = SideValues(**values["left"])
        return cls(**values)


@dataclass(frozen=True)
class Frame:
    """The levelled face frame: origin between the irises, unit = eye distance."""

    origin: np.ndarray
    lateral: np.ndarray  # unit vector toward the subject's left
    up: np.ndarray  # unit vector toward the forehead
    eye_distance: float  # pixels

    @classmethod
    def from_irises(cls, right: np.ndarray, left: np.ndarray) -> Frame:
        right, left = np.asarray(right, dtype=np.float64), np.asarray(left, dtype=np.float64)
        axis = left - right
        distance = float(np.hypot(*axis))
        if not distance > 0:
            raise ValueError("the two iris centres coincide")
        lateral = axis / distance
        # image y points down, so "up" is the lateral axis turned a quarter to the top
        up = np.array([lateral[1], -lateral[0]])
        return cls((right + left) / 2, lateral, up, distance)

    def uv(self, points: np.ndarray) -> np.ndarray:
        """(lateral, height) of image points, in eye distances."""
        rel = np.asarray(points, dtype=np.float64)[..., :2] - self.origin
        return np.stack([rel @ self.lateral, rel @ self.up], axis=-1) / self.eye_distance

    @property
    def roll_degrees(self) -> float:
        return math.degrees(math.atan2(self.lateral[1], self.lateral[0]))


def _lid_height(uv: np.ndarray, at: float) -> float:
    """Height of a lid contour (points in any order) at lateral position ``at``."""
    order = np.argsort(uv[:, 0])
    return float(np.interp(at, uv[order, 0], uv[order, 1]))


def side_values(points: np.ndarray, frame: Frame, side: lm.Side, iris_centre) -> SideValues:
    iris = frame.uv(np.asarray(iris_centre, dtype=np.float64))
    corners = [side.eye_outer, side.eye_inner]
    upper = frame.uv(points[list(side.upper_lid) + corners])
    lower = frame.uv(points[list(side.lower_lid) + corners])
    upper_at_iris = _lid_height(upper, iris[0])
    lower_at_iris = _lid_height(lower, iris[0])

    brow = frame.uv(points[list(side.brow)])
    corner = frame.uv(points[side.mouth_corner])
    lip_centre = frame.uv((points[lm.UPPER_LIP_INNER] + points[lm.LOWER_LIP_INNER]) / 2)
    outward = (corner[0] - lip_centre[0]) * side.outward
    rise = corner[1] - lip_centre[1]
    return SideValues(
        brow_height=float(brow[:, 1].mean()),
        mrd1=upper_at_iris - float(iris[1]),
        mrd2=float(iris[1]) - lower_at_iris,
        eye_aperture=upper_at_iris - lower_at_iris,
        mouth_corner_height=float(corner[1]),
        mouth_corner_lateral=float(corner[0]) * side.outward,
        smile_angle=math.degrees(math.atan2(rise, outward)),
    )


def measure_face(
    points: np.ndarray,
    iris_right: np.ndarray,
    iris_left: np.ndarray,
    iris_radius_right: float,
    iris_radius_left: float,
) -> FaceGeometry:
    """Geometry of one face from its 468 landmarks and iris centres (image pixels).

    ``iris_right`` / ``iris_left`` are the subject's own right and left irises.
    """
    points = np.asarray(points, dtype=np.float64)[:, :2]
    if points.shape[0] < lm.NUM_POINTS:
        raise ValueError(f"expected {lm.NUM_POINTS} landmarks, got {points.shape[0]}")
    frame = Frame.from_irises(iris_right, iris_left)
    nose = frame.uv(points[lm.NOSE_TIP])
    return FaceGeometry(
        right=side_values(points, frame, lm.RIGHT, iris_right),
        left=side_values(points, frame, lm.LEFT, iris_left),
        eye_distance_px=frame.eye_distance,
        roll_degrees=frame.roll_degrees,
        nose_offset=float(nose[0]),
        iris_diameter=(iris_radius_right + iris_radius_left) / frame.eye_distance,
    )


def average_with_mirror(original: FaceGeometry, mirrored: FaceGeometry) -> FaceGeometry:
    """Cancel the landmark model's own left/right bias.

    ``mirrored`` is the geometry measured on the horizontally flipped image. There
    the mesh's "left" points sit on the subject's real right side, so its sides are
    swapped back, and its signed lateral values change sign, before averaging.
    """
    return FaceGeometry(
        right=SideValues.mean(original.right, mirrored.left),
        left=SideValues.mean(original.left, mirrored.right),
        eye_distance_px=(original.eye_distance_px + mirrored.eye_distance_px) / 2,
        roll_degrees=(original.roll_degrees - mirrored.roll_degrees) / 2,
        nose_offset=(original.nose_offset - mirrored.nose_offset) / 2,
        iris_diameter=(original.iris_diameter + mirrored.iris_diameter) / 2,
        mirror_averaged=True,
    )
