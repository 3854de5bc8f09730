"""Botulinum toxin cycles: how each injection worked and when it wore off.

Every number here has a plain-language definition in docs/progress.md; the unit
tests in tests/unit/test_cycles.py check each one on hand-made series.

Inputs are plain values so a service can feed them from the database:

- visits: ``InjectionVisit(on, product, sites)`` (or a plain ``(on, product, sites)``
  tuple), sites being ``(muscle, side, units)``;
- saqs: ``(date, score)`` with the exact (unrounded) SAQ score;
- ratings: ``(date, rating)``, the patient's synkinesis rating 0-10;
- adherence: per cycle index, ``(sessions done, sessions prescribed)``, as a mapping
  or a callable ``(index, injected_on, ends_on) -> (done, prescribed) | None``; an
  object with ``credited`` and ``prescribed`` (adherence.Window) is accepted too.
  "Done" should be the credited sessions of retrain/progress/adherence.py so the
  figure means the same as adherence elsewhere in the app.

Timing defaults come from the usual course of botulinum toxin for synkinesis: effect
begins after about 2-4 days, is full at 1-2 weeks and lasts about 3-4 months
(sources in docs/progress.md).

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from .series import Point, daily_values, trailing_mean

BASELINE_WINDOW_DAYS = 30  # baseline: latest value on days -30..0
BEST_FIRST_DAY = 7  # best: lowest value on days 7..60 of the cycle
BEST_LAST_DAY = 60
MIN_CYCLES_FOR_PROJECTION = 2
_WEAR_OFF_NEEDS = (
    "A wear-off day needs an SAQ in the month before the injection, one 1-8 weeks after "
    "it, and later ones until the effect fades."
)


class CycleDataError(ValueError):
    """Input the analysis refuses (for example two injection visits on one day)."""


# --- phases ----------------------------------------------------------------------


class Phase(StrEnum):
    ONSET = "onset"
    BUILDING = "building"
    FULL_EFFECT = "full_effect"
    WEARING_OFF = "wearing_off"
    BEYOND = "beyond"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASE_LABELS = {
    Phase.ONSET: "Starting to work",
    Phase.BUILDING: "Building up",
    Phase.FULL_EFFECT: "Full effect",
    Phase.WEARING_OFF: "Wearing off",
    Phase.BEYOND: "Past the usual duration",
}


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


DEFAULT_PHASES = Phases()


# --- inputs ----------------------------------------------------------------------

Site = tuple[str, str, float]  # (muscle, side, units)
DoseKey = tuple[str, str, str]  # (product, muscle, side)


@dataclass(frozen=True)
class InjectionVisit:
    on: date
    product: str
    sites: tuple[Site, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sites", tuple(tuple(site) for site in self.sites))
        if not isinstance(self.product, str) or not self.product.strip():
            raise CycleDataError(f"The visit on {self.on.isoformat()} has no product.")
        for site in self.sites:
            if len(site) != 3:
                raise CycleDataError("A site is (muscle, side, units).")
            units = site[2]
            if isinstance(units, bool) or not isinstance(units, int | float) or units < 0:
                raise CycleDataError(
                    f"The visit on {self.on.isoformat()} has a site with units that are not "
                    "a number of 0 or more."
                )


AdherenceSource = Mapping[int, object] | Callable[[int, date, date | None], object]


# --- results ---------------------------------------------------------------------


@dataclass(frozen=True)
class CycleMeasure:
    """Baseline, best, response and wear-off of one series within one cycle."""

    baseline: float | None = None
    baseline_day: int | None = None  # -30..0
    best: float | None = None
    best_day: int | None = None  # 7..60
    response_points: float | None = None  # baseline - best
    response_pct: float | None = None  # response as % of baseline
    wear_off_day: int | None = None  # rounded to the nearest whole day
    wear_off_day_exact: float | None = None  # the interpolated fractional day


@dataclass(frozen=True)
class CycleSummary:
    index: int  # 1 for the first injection
    injected_on: date
    ends_on: date | None  # the next injection's date; None for the open (latest) cycle
    product: str
    # SAQ
    baseline: float | None
    baseline_day: int | None
    best: float | None
    best_day: int | None
    response_points: float | None
    response_pct: float | None
    wear_off_day: int | None
    wear_off_day_exact: float | None
    # 7-day trailing mean of the daily synkinesis rating (never mixed with the SAQ)
    rating_baseline: float | None
    rating_baseline_day: int | None
    rating_best: float | None
    rating_best_day: int | None
    rating_response_points: float | None
    rating_response_pct: float | None
    rating_wear_off_day: int | None
    rating_wear_off_day_exact: float | None
    # practice
    sessions_done: int | None
    sessions_prescribed: float | None
    adherence: float | None  # done / prescribed x 100, capped at 100; None: nothing prescribed
    doses: dict[DoseKey, float] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.ends_on is None

    @property
    def length_days(self) -> int | None:
        return None if self.ends_on is None else (self.ends_on - self.injected_on).days


@dataclass(frozen=True)
class CurrentCycle:
    index: int
    injected_on: date
    days_since_injection: int
    phase: Phase
    projected_wear_off_day: int | None
    projected_wear_off_on: date | None
    projection_reason: str | None  # why there is no projection (None when there is one)
    projection_based_on: tuple[int, ...] = ()  # the earlier wear-off days used


@dataclass(frozen=True)
class ProgressReport:
    cycles: list[CycleSummary]
    current: CurrentCycle | None
    saq_by_day: list[Point]  # every SAQ, one value per day (the trend)
    rating_trend: list[Point]  # 7-day trailing mean of every rating, before cycles too
    phases: Phases = DEFAULT_PHASES


# --- the definitions ---------------------------------------------------------------


def round_half_up(value: float) -> int:
    """Nearest whole number, halves upwards (88.5 -> 89), unlike Python's round()."""
    return math.floor(value + 0.5)


def measure_cycle(daily: Sequence[Point], injected_on: date, ends_on: date | None) -> CycleMeasure:
    """Baseline, best, response and wear-off of one series (one value per day) in one cycle.

    The cycle holds days 0 (the injection day) to the next injection day inclusive:
    a value on an injection day is taken before that injection, so it is the baseline
    of the new cycle and also the last value of the cycle before.
    """
    last_day = None if ends_on is None else (ends_on - injected_on).days
    relative = [((on - injected_on).days, value) for on, value in sorted(daily)]

    def in_cycle(day: int) -> bool:
        return day >= 0 and (last_day is None or day <= last_day)

    before = [(d, v) for d, v in relative if -BASELINE_WINDOW_DAYS <= d <= 0]
    baseline_day, baseline = before[-1] if before else (None, None)

    window = [(d, v) for d, v in relative if BEST_FIRST_DAY <= d <= BEST_LAST_DAY and in_cycle(d)]
    if not window:
        return CycleMeasure(baseline=baseline, baseline_day=baseline_day)
    best_day, best = min(window, key=lambda point: (point[1], point[0]))  # ties: earliest

    if baseline is None:
        return CycleMeasure(best=best, best_day=best_day)
    response = baseline - best
    response_pct = response / baseline * 100 if baseline != 0 else None

    wear_exact = None
    if response > 0:
        threshold = best + response / 2
        chain = [(best_day, best)] + [(d, v) for d, v in relative if d > best_day and in_cycle(d)]
        for (d0, v0), (d1, v1) in pairwise(chain):
            if v1 >= threshold:  # v0 < threshold here, so v1 > v0
                wear_exact = d0 + (threshold - v0) / (v1 - v0) * (d1 - d0)
                break
    return CycleMeasure(
        baseline=baseline,
        baseline_day=baseline_day,
        best=best,
        best_day=best_day,
        response_points=response,
        response_pct=response_pct,
        wear_off_day=None if wear_exact is None else round_half_up(wear_exact),
        wear_off_day_exact=wear_exact,
    )


def doses_of(visit: InjectionVisit) -> dict[DoseKey, float]:
    """Units per (product, muscle, side); several points in one muscle and side add up."""
    doses: dict[DoseKey, float] = {}
    for muscle, side, units in visit.sites:
        key = (visit.product, muscle, side)
        doses[key] = doses.get(key, 0) + units
    return doses


def project_wear_off(
    injected_on: date, earlier: Sequence[CycleSummary]
) -> tuple[int | None, date | None, str | None, tuple[int, ...]]:
    """Median SAQ wear-off day of the earlier cycles, as a date in the open cycle."""
    days = tuple(c.wear_off_day for c in earlier if c.wear_off_day is not None)
    if len(days) < MIN_CYCLES_FOR_PROJECTION:
        if not earlier:
            reason = (
                "This is the first recorded cycle, so there is no earlier wear-off to "
                "project from yet."
            )
        elif not days:
            which = (
                "The earlier cycle has no"
                if len(earlier) == 1
                else f"None of the {len(earlier)} earlier cycles has a"
            )
            reason = (
                f"{which} measured wear-off day yet; a projection needs at least "
                f"{MIN_CYCLES_FOR_PROJECTION}. {_WEAR_OFF_NEEDS}"
            )
        else:
            reason = (
                f"Only {len(days)} earlier cycle has a measured wear-off day; a projection "
                f"needs at least {MIN_CYCLES_FOR_PROJECTION}. {_WEAR_OFF_NEEDS}"
            )
        return None, None, reason, days
    day = round_half_up(statistics.median(days))
    return day, injected_on + timedelta(days=day), None, days


def analyse(
    visits: Iterable[InjectionVisit | tuple],
    saqs: Iterable[tuple[date, float]],
    ratings: Iterable[tuple[date, float]],
    today: date,
    adherence_by_cycle: AdherenceSource | None = None,
    phases: Phases = DEFAULT_PHASES,
) -> ProgressReport:
    """Split the patient's record into cycles and measure each one."""
    ordered = sorted((_as_visit(v) for v in visits), key=lambda v: v.on)
    for first, second in pairwise(ordered):
        if first.on == second.on:
            raise CycleDataError(
                f"Two injection visits on {first.on.isoformat()}: record one visit with all "
                "its sites."
            )
    if ordered and today < ordered[-1].on:
        raise CycleDataError("Today is before the latest injection visit.")

    saq_rows = list(saqs)
    for on, value in saq_rows:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise CycleDataError(
                f"The SAQ score on {on.isoformat()} is not a number from 0 to 100."
            )
    saq_by_day = daily_values(saq_rows)
    rating_trend = trailing_mean(ratings)

    cycles: list[CycleSummary] = []
    for number, visit in enumerate(ordered, start=1):
        ends_on = ordered[number].on if number < len(ordered) else None
        saq = measure_cycle(_span(saq_by_day, visit.on, ends_on), visit.on, ends_on)
        rating = measure_cycle(_span(rating_trend, visit.on, ends_on), visit.on, ends_on)
        done, prescribed = _sessions(adherence_by_cycle, number, visit.on, ends_on)
        cycles.append(
            CycleSummary(
                index=number,
                injected_on=visit.on,
                ends_on=ends_on,
                product=visit.product,
                baseline=saq.baseline,
                baseline_day=saq.baseline_day,
                best=saq.best,
                best_day=saq.best_day,
                response_points=saq.response_points,
                response_pct=saq.response_pct,
                wear_off_day=saq.wear_off_day,
                wear_off_day_exact=saq.wear_off_day_exact,
                rating_baseline=rating.baseline,
                rating_baseline_day=rating.baseline_day,
                rating_best=rating.best,
                rating_best_day=rating.best_day,
                rating_response_points=rating.response_points,
                rating_response_pct=rating.response_pct,
                rating_wear_off_day=rating.wear_off_day,
                rating_wear_off_day_exact=rating.wear_off_day_exact,
                sessions_done=done,
                sessions_prescribed=prescribed,
                adherence=_adherence_pct(done, prescribed),
                doses=doses_of(visit),
            )
        )

    current = None
    if cycles:
        last = cycles[-1]
        days_since = (today - last.injected_on).days
        day, on, reason, used = project_wear_off(last.injected_on, cycles[:-1])
        current = CurrentCycle(
            index=last.index,
            injected_on=last.injected_on,
            days_since_injection=days_since,
            phase=phases.phase(days_since),
            projected_wear_off_day=day,
            projected_wear_off_on=on,
            projection_reason=reason,
            projection_based_on=used,
        )
    return ProgressReport(
        cycles=cycles,
        current=current,
        saq_by_day=saq_by_day,
        rating_trend=rating_trend,
        phases=phases,
    )


def _span(series: list[Point], injected_on: date, ends_on: date | None) -> list[Point]:
    """The points of a date-sorted series that measure_cycle can use for this cycle.

    It reads days -BASELINE_WINDOW_DAYS..the cycle's last day only, so cutting the rest
    off first (by bisection) gives the same figures while each cycle of a long record
    costs its own length instead of the whole record's.
    """
    first = injected_on - timedelta(days=BASELINE_WINDOW_DAYS)
    start = bisect_left(series, first, key=_day_of)
    stop = len(series) if ends_on is None else bisect_right(series, ends_on, key=_day_of)
    return series[start:stop]


def _day_of(point: Point) -> date:
    return point[0]


def _as_visit(visit: InjectionVisit | tuple) -> InjectionVisit:
    if isinstance(visit, InjectionVisit):
        return visit
    on, product, sites = visit
    return InjectionVisit(on=on, product=product, sites=tuple(sites))


def _sessions(
    source: AdherenceSource | None, index: int, injected_on: date, ends_on: date | None
) -> tuple[int | None, float | None]:
    if source is None:
        return None, None
    counts = source(index, injected_on, ends_on) if callable(source) else source.get(index)
    if counts is None:
        return None, None
    if hasattr(counts, "credited") and hasattr(counts, "prescribed"):
        done, prescribed = counts.credited, counts.prescribed
    else:
        done, prescribed = counts
    if done < 0 or prescribed < 0:
        raise CycleDataError(f"Cycle {index}: session counts cannot be negative.")
    return done, prescribed


def _adherence_pct(done: int | None, prescribed: float | None) -> float | None:
    """Done / prescribed x 100, capped at 100 as in adherence.py; None if nothing prescribed."""
    if done is None or not prescribed:
        return None
    return min(100.0, done * 100 / prescribed)
