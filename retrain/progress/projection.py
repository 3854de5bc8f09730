"""When the open cycle's effect may wear off, from the patient's own earlier cycles.

No published model predicts wear-off, so this is a personal estimate and is never shown
as a bare date: the median of the earlier cycles' exact (unrounded) wear-off days, with
their spread (earliest and latest day, and how many cycles), and "uncertain" when they
lie further apart than the clinic's setting. Definitions: docs/progress.md, "The open
cycle". Pure Python.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .rules import PROJECTION_UNCERTAIN_DAYS

MIN_CYCLES_FOR_PROJECTION = 2
WEAR_OFF_NEEDS = (
    "A wear-off day needs an SAQ in the month before the injection, one 1-8 weeks after "
    "it, and later ones until the effect fades."
)


def round_half_up(value: float) -> int:
    """Nearest whole number, halves upwards (88.5 -> 89), unlike Python's round()."""
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class Projection:
    day: int | None = None  # the median exact wear-off day, rounded (halves up)
    on: date | None = None  # the open cycle's first injection + day
    reason: str | None = None  # why there is none (None when there is one)
    based_on: tuple[float, ...] = ()  # the earlier cycles' exact wear-off days, in order
    earliest_day: int | None = None  # the spread of based_on, each rounded
    latest_day: int | None = None
    uncertain: bool = False  # the earlier days differ by more than the clinic's setting

    @property
    def cycle_count(self) -> int:
        return len(self.based_on)

    @property
    def rounded_days(self) -> tuple[int, ...]:
        return tuple(round_half_up(day) for day in self.based_on)


def project_wear_off(
    injected_on: date,
    earlier_exact_days: Sequence[float | None],
    uncertain_days: int = PROJECTION_UNCERTAIN_DAYS,
) -> Projection:
    """The projection for a cycle that began on ``injected_on``, from the exact wear-off
    day of each earlier cycle (None where a cycle had none), in cycle order."""
    days = tuple(day for day in earlier_exact_days if day is not None)
    if len(days) < MIN_CYCLES_FOR_PROJECTION:
        return Projection(reason=_no_projection(len(earlier_exact_days), len(days)), based_on=days)
    day = round_half_up(statistics.median(days))
    return Projection(
        day=day,
        on=injected_on + timedelta(days=day),
        based_on=days,
        earliest_day=round_half_up(min(days)),
        latest_day=round_half_up(max(days)),
        uncertain=max(days) - min(days) > uncertain_days,
    )


def _no_projection(earlier: int, measured: int) -> str:
    if not earlier:
        return (
            "This is the first recorded cycle, so there is no earlier wear-off to project from yet."
        )
    needs = f"a projection needs at least {MIN_CYCLES_FOR_PROJECTION}. {WEAR_OFF_NEEDS}"
    if not measured:
        which = (
            "The earlier cycle has no"
            if earlier == 1
            else f"None of the {earlier} earlier cycles has a"
        )
        return f"{which} measured wear-off day yet; {needs}"
    return f"Only {measured} earlier cycle has a measured wear-off day; {needs}"
