"""Is a change in a score real, or within the instrument's measurement noise?

A change smaller than the minimum important change (for the SAQ 13 points, its MDC95 in
the Italian validation: retrain/progress/rules.py) could be measurement noise, so it is
labelled so and never called an improvement. A baseline already at the floor of the
scale (SAQ 20: every answer "seldom or not at all") cannot improve, which is said too.
Definitions: docs/progress.md, "Meaningful change". Pure Python.
"""

from __future__ import annotations

from .labelled import LabelledEnum

# Scores are exact fractions (n / 45 x 100): a difference that is "exactly" the threshold
# may come out a hair below it in floating point.
TOLERANCE = 1e-9


class Change(LabelledEnum):
    """Better or worse by at least the minimum important change, a smaller change
    either way (noise), or a baseline at the floor (no room to improve)."""

    BETTER = "better", "better, beyond measurement noise"
    WORSE = "worse", "worse, beyond measurement noise"
    NOISE = "noise", "within measurement noise"
    AT_FLOOR = "at_floor", "baseline at the floor of the scale: no room to improve"


def classify(
    baseline: float,
    value: float,
    *,
    min_change: float,
    floor: float,
    lower_is_better: bool = True,
) -> Change:
    """How ``value`` compares with ``baseline``.

    Worse by at least ``min_change``: WORSE. Otherwise a baseline at ``floor`` (the
    best end of the scale): AT_FLOOR. Otherwise better by at least ``min_change``:
    BETTER; anything smaller: NOISE.
    """
    improvement = baseline - value if lower_is_better else value - baseline
    if improvement < -TOLERANCE and improvement <= -min_change + TOLERANCE:
        return Change.WORSE
    at_floor = baseline <= floor + TOLERANCE if lower_is_better else baseline >= floor - TOLERANCE
    if at_floor:
        return Change.AT_FLOOR
    if improvement > TOLERANCE and improvement >= min_change - TOLERANCE:
        return Change.BETTER
    return Change.NOISE
