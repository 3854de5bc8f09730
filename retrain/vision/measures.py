"""Measures fit to show, each with its noise floor.

Noise floors are the standard deviation of a left-right difference over 30
jittered copies of real photos (shared notes, face-analysis.md, November 2026; the
upper end of each measured range is used). This pipeline, re-measured the same way
on the astronaut and Grace Hopper photos, stays inside them (docs/vision.md). A
value smaller than twice its floor is "within measurement noise" and a page should
say so instead of reading meaning into it.

Every value here is an UNDERESTIMATE of a real change: the landmark model holds
to an average face shape and follows only part of a movement. Warping one side of
a real face by a known amount, the mouth corner followed 19-47 % (the note: 27-44
%), the eye opening about half, the eyebrow 10-30 %. So the values show direction
and trend, never size or grade, and are not comparable with published millimetre
norms.

A change between two photos, or a left-right difference, adds two measurements'
noise; a left-right difference OF changes adds four, so its floor is the single
floor times sqrt(2).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .geometry import FaceGeometry

MM = "mm (approx.)"
DEGREES = "degrees"
RATIO = "ratio"

# mm, except smile angle (degrees). Sources: see the module docstring.
NOISE_FLOOR = {
    "brow_height": 0.7,  # note: 0.4-0.7 mm
    "mrd1": 0.6,  # note: MRD1/MRD2 0.3-0.6 mm
    "mrd2": 0.6,
    "eye_aperture": 0.6,  # MRD1 + MRD2 at the iris; measured here the same way: 0.16-0.32 mm
    "mouth_corner_height": 0.4,  # note: 0.3-0.4 mm
    "mouth_corner_lateral": 0.6,  # measured here the same way: 0.2-0.55 mm
    "smile_angle": 0.6,  # note: about 0.6 degrees
}

# A difference smaller than this many noise floors is noise.
NOISE_MULTIPLE = 2.0

UNDERESTIMATE = True  # see the module docstring: true of every measure here

LABELS = {
    "brow_height": "Eyebrow height",
    "mrd1": "Upper eyelid to pupil (MRD1)",
    "mrd2": "Pupil to lower eyelid (MRD2)",
    "eye_aperture": "Eye opening",
    "mouth_corner_height": "Mouth corner height",
    "mouth_corner_lateral": "Mouth corner distance from the midline",
    "smile_angle": "Smile angle",
}


@dataclass(frozen=True)
class Measure:
    name: str  # stable key, e.g. "mouth_corner_height_difference"
    label: str  # plain words for a page
    value: float
    unit: str
    noise_floor: float  # same unit as value
    within_noise: bool  # closer to "no difference / no change" than twice the floor
    underestimate: bool  # the model shows only part of a real change: likely larger
    side: str | None = None  # "left" / "right" (the subject's own), None for a difference

    def to_dict(self) -> dict:
        return asdict(self)


def make_measure(
    name: str,
    label: str,
    value: float,
    unit: str,
    noise_floor: float,
    underestimate: bool,
    side: str | None = None,
    reference: float = 0.0,
) -> Measure:
    """A measure whose "no change" value is ``reference`` (0, or 1 for ratios)."""
    within = abs(value - reference) < NOISE_MULTIPLE * noise_floor
    return Measure(
        name=name,
        label=label,
        value=round(float(value), 4),
        unit=unit,
        noise_floor=round(float(noise_floor), 4),
        within_noise=bool(within),
        underestimate=underestimate,
        side=side,
    )


def _scaled(geometry: FaceGeometry, key: str, value: float) -> tuple[float, str]:
    if key == "smile_angle":
        return value, DEGREES
    return value * geometry.mm_per_eye_distance, MM


def single_photo_measures(geometry: FaceGeometry) -> list[Measure]:
    """Left-right differences in one photo: the subject's left minus right.

    Positive: the left value is larger (a higher brow, a wider eye, a higher mouth
    corner, a steeper smile on the left). Under about 1.5 mm such single-photo
    differences are not fit to show a clinician (docs/vision.md).
    """
    out = []
    for key, floor in NOISE_FLOOR.items():
        diff = getattr(geometry.left, key) - getattr(geometry.right, key)
        value, unit = _scaled(geometry, key, diff)
        out.append(
            make_measure(
                f"{key}_difference",
                f"{LABELS[key]}: left minus right",
                value,
                unit,
                floor,
                UNDERESTIMATE,
            )
        )
    return out


def _mean_scale(a: FaceGeometry, b: FaceGeometry) -> float:
    return (a.mm_per_eye_distance + b.mm_per_eye_distance) / 2


SIDES = ("right", "left")


def dynamic_measures(rest: FaceGeometry, expression: FaceGeometry) -> list[Measure]:
    """Change from the rest photo to the expression photo, per side and left minus right.

    - eye_narrowing: eye opening at expression / eye opening at rest (1 = no change,
      0.7 = narrowed by 30 %). Narrowing of the eye during a smile or pucker is a
      direct, objective sign of ocular synkinesis; published means are about 22 %
      narrowing in normal eyes and 33 % in synkinetic eyes (Laryngoscope 2013,
      doi 10.1002/lary.23778).
    - brow_rise: change in eyebrow height (mm, + = up).
    - mouth_corner_rise: change in mouth-corner height (mm, + = up).
    - commissure_excursion: how far the mouth corner moved, in any direction (mm).
    - smile_angle_change: change in smile angle (degrees, + = corner rose more).
    """
    mm = _mean_scale(rest, expression)

    def change(key: str) -> dict[str, float]:
        return {s: getattr(expression.side(s), key) - getattr(rest.side(s), key) for s in SIDES}

    height, lateral = change("mouth_corner_height"), change("mouth_corner_lateral")
    excursion_floor = max(NOISE_FLOOR["mouth_corner_height"], NOISE_FLOOR["mouth_corner_lateral"])
    ratio, ratio_floor = _eye_ratio(rest, expression, mm)
    return [
        *_pair("eye_narrowing", "Eye opening, expression / rest", ratio, RATIO, ratio_floor, 1.0),
        *_pair(
            "brow_rise",
            "Eyebrow rise",
            {s: v * mm for s, v in change("brow_height").items()},
            MM,
            _same(NOISE_FLOOR["brow_height"]),
        ),
        *_pair(
            "mouth_corner_rise",
            "Mouth corner rise",
            {s: v * mm for s, v in height.items()},
            MM,
            _same(NOISE_FLOOR["mouth_corner_height"]),
        ),
        *_pair(
            "commissure_excursion",
            "Mouth corner movement",
            {s: math.hypot(lateral[s], height[s]) * mm for s in SIDES},
            MM,
            _same(excursion_floor),
        ),
        *_pair(
            "smile_angle_change",
            "Smile angle change",
            change("smile_angle"),
            DEGREES,
            _same(NOISE_FLOOR["smile_angle"]),
        ),
    ]


def _same(floor: float) -> dict[str, float]:
    return dict.fromkeys(SIDES, floor)


def _eye_ratio(rest: FaceGeometry, expression: FaceGeometry, mm: float):
    """Eye opening at expression / at rest per side, and each ratio's noise floor (the
    aperture floor relative to that eye's opening at rest)."""
    ratio, floor = {}, {}
    for side in SIDES:
        at_rest = rest.side(side).eye_aperture
        at_expression = expression.side(side).eye_aperture
        ratio[side] = at_expression / at_rest if at_rest > 0 else float("nan")
        rest_mm = at_rest * mm
        floor[side] = NOISE_FLOOR["eye_aperture"] / rest_mm if rest_mm > 0 else 1.0
    return ratio, floor


def _pair(name, label, per_side, unit, floor_by_side, reference=0.0) -> list[Measure]:
    """One measure per side, and their left-minus-right difference (its floor is the
    larger side floor times root 2: the difference of two noisy values)."""
    measures = [
        make_measure(
            name,
            f"{label} ({side})",
            per_side[side],
            unit,
            floor_by_side[side],
            UNDERESTIMATE,
            side,
            reference,
        )
        for side in SIDES
    ]
    measures.append(
        make_measure(
            f"{name}_difference",
            f"{label}: left minus right",
            per_side["left"] - per_side["right"],
            unit,
            max(floor_by_side.values()) * math.sqrt(2.0),
            UNDERESTIMATE,
        )
    )
    return measures
