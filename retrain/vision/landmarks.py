"""Named indices into MediaPipe's 468-point face mesh, by the subject's own side.

The mesh indices are fixed to image sides for an upright face: index 33 is always
the outer corner of the eye on the image's left. In a true (unmirrored) photo the
image's left shows the subject's RIGHT side, so the ``RIGHT`` groups below use the
low indices (33, 61, 70, ...) and the ``LEFT`` groups their mirror twins (263,
291, 300, ...). Images must therefore be unmirrored views; a mirrored preview has to
be flipped back before analysis (see docs/vision.md).
"""

from __future__ import annotations

from dataclasses import dataclass

NUM_POINTS = 468


@dataclass(frozen=True)
class Side:
    name: str  # "left" or "right": the subject's own side
    outward: int  # +1 if this side's outward direction is toward the subject's left
    eye_outer: int
    eye_inner: int
    upper_lid: tuple[int, ...]  # outer to inner, corners excluded
    lower_lid: tuple[int, ...]  # outer to inner, corners excluded
    brow: tuple[int, ...]  # upper and lower contour of the eyebrow
    mouth_corner: int

    @property
    def iris_model_lids(self) -> tuple[int, ...]:
        """The 16 eyelid points of the iris model's 71-point eye contour, in its order: the
        9 lower points from corner to corner (outer first), then the 7 upper points."""
        return (self.eye_outer, *self.lower_lid, self.eye_inner, *self.upper_lid)


RIGHT = Side(
    name="right",
    outward=-1,
    eye_outer=33,
    eye_inner=133,
    upper_lid=(246, 161, 160, 159, 158, 157, 173),
    lower_lid=(7, 163, 144, 145, 153, 154, 155),
    brow=(70, 63, 105, 66, 107, 46, 53, 52, 65, 55),
    mouth_corner=61,
)

LEFT = Side(
    name="left",
    outward=+1,
    eye_outer=263,
    eye_inner=362,
    upper_lid=(466, 388, 387, 386, 385, 384, 398),
    lower_lid=(249, 390, 373, 374, 380, 381, 382),
    brow=(300, 293, 334, 296, 336, 276, 283, 282, 295, 285),
    mouth_corner=291,
)

SIDES = (RIGHT, LEFT)

NOSE_TIP = 1
UPPER_LIP_INNER = 13
LOWER_LIP_INNER = 14
UPPER_LIP_OUTER = 0
LOWER_LIP_OUTER = 17
CHIN = 152
FOREHEAD = 10


def _mirror_twins() -> dict[int, int]:
    """Index -> its mirror twin, for every index named above (midline: itself)."""
    twins = {}
    for attr in ("eye_outer", "eye_inner", "mouth_corner"):
        a, b = getattr(RIGHT, attr), getattr(LEFT, attr)
        twins[a], twins[b] = b, a
    for attr in ("upper_lid", "lower_lid", "brow", "iris_model_lids"):
        for a, b in zip(getattr(RIGHT, attr), getattr(LEFT, attr), strict=True):
            twins[a], twins[b] = b, a
    for index in (NOSE_TIP, UPPER_LIP_INNER, LOWER_LIP_INNER, UPPER_LIP_OUTER, LOWER_LIP_OUTER):
        twins[index] = index
    for index in (CHIN, FOREHEAD):
        twins[index] = index
    return twins


MIRROR_TWINS = _mirror_twins()
