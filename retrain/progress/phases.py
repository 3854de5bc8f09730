"""Where a patient is in a Botox cycle, by day since the cycle's first injection.

The defaults follow the usual course of botulinum toxin for synkinesis: effect begins
after about 2-4 days, is full at 1-2 weeks and lasts about 3-4 months (sources in
docs/progress.md). Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from .labelled import LabelledEnum


class Phase(LabelledEnum):
    ONSET = "onset", "Starting to work"
    BUILDING = "building", "Building up"
    FULL_EFFECT = "full_effect", "Full effect"
    WEARING_OFF = "wearing_off", "Wearing off"
    BEYOND = "beyond", "Past the usual duration"


@dataclass(frozen=True)
class Phases:
    """The last day (inclusive, days since injection) of each phase.

    Defaults: onset 0-3, building 4-14, full effect 15-60, wearing off 61-120,
    beyond from 121.
    """

    onset_last_day: int = 3
    building_last_day: int = 14
    full_effect_last_day: int = 60
    wearing_off_last_day: int = 120

    def __post_init__(self) -> None:
        bounds = (
            self.onset_last_day,
            self.building_last_day,
            self.full_effect_last_day,
            self.wearing_off_last_day,
        )
        if any(isinstance(b, bool) or not isinstance(b, int) for b in bounds):
            raise ValueError("phase boundaries must be whole numbers of days")
        if bounds[0] < 0 or any(a >= b for a, b in pairwise(bounds)):
            raise ValueError("phase boundaries must start at 0 or later and strictly increase")

    def phase(self, day: int) -> Phase:
        if day < 0:
            raise ValueError("a phase exists only from the injection day (day 0) on")
        if day <= self.onset_last_day:
            return Phase.ONSET
        if day <= self.building_last_day:
            return Phase.BUILDING
        if day <= self.full_effect_last_day:
            return Phase.FULL_EFFECT
        if day <= self.wearing_off_last_day:
            return Phase.WEARING_OFF
        return Phase.BEYOND

    def is_working(self, day: int) -> bool:
        """Days on which the toxin is taking effect or at its full effect (4-60 by
        default): an SAQ taken then is no baseline for a new injection."""
        return self.onset_last_day < day <= self.full_effect_last_day


DEFAULT_PHASES = Phases()
