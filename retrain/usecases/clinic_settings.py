"""The clinic's settings for progress, read from the configuration once per request:
the cycle rules (retrain/progress/rules.py) and the clinician-graded instrument."""

from __future__ import annotations

from functools import cache

from flask import current_app

from ..progress.graded import GradedInstrument, load_graded
from ..progress.rules import ClinicRules

SUNNYBROOK = "sunnybrook"


def rules() -> ClinicRules:
    """TOP_UP_DAYS, SAQ_MIN_IMPORTANT_CHANGE, PROJECTION_UNCERTAIN_DAYS, SHORT_INTERVAL_DAYS."""
    config = current_app.config
    return ClinicRules(
        top_up_days=config["TOP_UP_DAYS"],
        min_important_change=config["SAQ_MIN_IMPORTANT_CHANGE"],
        uncertain_spread_days=config["PROJECTION_UNCERTAIN_DAYS"],
        short_interval_days=config["SHORT_INTERVAL_DAYS"],
    )


@cache
def _load(name: str) -> GradedInstrument:
    return load_graded(name)


def grading_instrument() -> GradedInstrument:
    """The Sunnybrook as configured (SUNNYBROOK_INSTRUMENT; loaded once per process)."""
    return _load(current_app.config.get("SUNNYBROOK_INSTRUMENT") or SUNNYBROOK)
