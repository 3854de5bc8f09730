"""Checking the live-feedback numbers a session brings back, per exercise
(docs/live-feedback.md): reps scored, clean reps, median held-back movement, frames per
second. All optional: a session without them saves as before. Given, they must be
possible numbers and agree with each other, or the whole session is refused, each
problem beside its field."""

import math
from dataclasses import dataclass

from ..errors import Invalid
from ..progress import live

FIELDS = ("live_reps_scored", "live_clean_reps", "live_median_hold_back", "live_fps")


@dataclass(frozen=True)
class LiveNumbers:
    reps_scored: int
    clean_reps: int | None  # None: the exercise has no movement to hold back
    median_hold_back: float | None
    fps: float | None


def _whole(value, field: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= live.MAX_REPS:
        raise Invalid(message, field)
    return value


def _number(value, bounds: tuple[float, float], field: str, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(message, field)
    value = float(value)
    if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        raise Invalid(message, field)
    return value


def _optional(values: dict, prefix: str, key: str, bounds, what: str) -> float | None:
    if values.get(key) is None:
        return None
    message = f"Live feedback: {what} must be a number from {bounds[0]:g} to {bounds[1]:g}."
    return _number(values[key], bounds, prefix + key, message)


def check_live(values: dict, prefix: str) -> LiveNumbers | None:
    """``values``: the four numbers by FIELDS name (None when not sent); ``prefix``: the
    item's field prefix (items-<i>-). None when none was sent."""
    if all(values.get(key) is None for key in FIELDS):
        return None
    if values.get("live_reps_scored") is None:
        raise Invalid(
            "Live feedback: the number of repetitions measured is missing.",
            prefix + "live_reps_scored",
        )
    scored = _whole(
        values["live_reps_scored"],
        prefix + "live_reps_scored",
        f"Live feedback: repetitions measured must be a whole number from 0 to {live.MAX_REPS}.",
    )
    clean = values.get("live_clean_reps")
    if clean is not None:
        clean = _whole(
            clean,
            prefix + "live_clean_reps",
            "Live feedback: repetitions within the limit must be a whole number from 0.",
        )
        if clean > scored:
            raise Invalid(
                "Live feedback: repetitions within the limit cannot be more than the "
                f"repetitions measured ({scored}).",
                prefix + "live_clean_reps",
            )
    median = _optional(
        values, prefix, "live_median_hold_back", live.HOLD_BACK_RANGE, "the held-back movement"
    )
    fps = _optional(values, prefix, "live_fps", live.FPS_RANGE, "frames per second")
    return LiveNumbers(scored, clean, median, fps)
