"""The clinic's settings for the cycle rules, with their defaults and where they come from.

A clinic changes them in its configuration (``TOP_UP_DAYS``, ``SAQ_MIN_IMPORTANT_CHANGE``,
``PROJECTION_UNCERTAIN_DAYS``, ``SHORT_INTERVAL_DAYS``; see retrain/config.py); the use
cases read them once and pass them down. Definitions and sources: docs/progress.md.
Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass

# A visit within this many days of its cycle's first visit is a top-up of that cycle.
# Many injectors review at about 2 weeks and top up where the effect is uneven; the
# toxin is at its full effect from 1-2 weeks, so 4 weeks covers a review and its top-up.
TOP_UP_DAYS = 28
# The SAQ's minimum detectable change (MDC95) is 13.14 points: Franchignoni F, Giordano A,
# Cecini M, et al. Translation, cross-cultural adaptation, and validation of the Italian
# version of the Synkinesis Assessment Questionnaire. Eur J Phys Rehabil Med
# 2022;58(5):701-708. doi:10.23736/S1973-9087.22.07372-5. A smaller change is within
# the questionnaire's measurement noise.
SAQ_MIN_IMPORTANT_CHANGE = 13.0
# Earlier wear-off days further apart than this make a projection "uncertain". Our own
# default (no published model predicts wear-off): 4 weeks is where a projected date stops
# helping to plan a clinic appointment.
PROJECTION_UNCERTAIN_DAYS = 28
# Reinjection usually comes 3-5 months apart; a new full treatment sooner than 12 weeks
# after the last one (outside a top-up) needs the clinician's confirmation.
SHORT_INTERVAL_DAYS = 84


@dataclass(frozen=True)
class ClinicRules:
    top_up_days: int = TOP_UP_DAYS
    min_important_change: float = SAQ_MIN_IMPORTANT_CHANGE
    uncertain_spread_days: int = PROJECTION_UNCERTAIN_DAYS
    short_interval_days: int = SHORT_INTERVAL_DAYS

    def __post_init__(self) -> None:
        for name in ("top_up_days", "uncertain_spread_days", "short_interval_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of days, 0 or more")
        change = self.min_important_change
        if isinstance(change, bool) or not isinstance(change, int | float) or change < 0:
            raise ValueError("min_important_change must be a number of points, 0 or more")


DEFAULT_RULES = ClinicRules()
