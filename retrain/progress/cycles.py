"""Botulinum toxin cycles: how each injection worked and when it wore off.

Every number here has a plain-language definition in docs/progress.md; the unit
tests in tests/unit/test_cycles.py check each one on hand-made series.

Inputs are plain values so a service can feed them from the database:

- visits: ``InjectionVisit(on, product, sites, kind)`` (or a plain ``(on, product,
  sites)`` tuple: a new cycle), sites being ``(muscle, side, units)``; ``kind`` is
  stored with the visit: a top-up joins the cycle of the latest new-cycle visit before
  it (rules.TOP_UP_DAYS says which visits the form proposes as top-ups);
- saqs: ``(date, score)`` with the exact (unrounded) SAQ score;
- ratings: ``(date, rating)``, the patient's synkinesis rating 0-10;
- adherence: per cycle index, ``(sessions done, sessions prescribed)``, as a mapping
  or a callable ``(index, injected_on, ends_on) -> (done, prescribed) | None``; an
  object with ``credited`` and ``prescribed`` (adherence.Window) is accepted too.
  "Done" should be the credited sessions of retrain/progress/adherence.py so the
  figure means the same as adherence elsewhere in the app.

Timing defaults (retrain/progress/phases.py) come from the usual course of botulinum
toxin for synkinesis: effect begins after about 2-4 days, is full at 1-2 weeks and lasts
about 3-4 months (sources in docs/progress.md). The projection of the open cycle's
wear-off is retrain/progress/projection.py's.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from itertools import pairwise

from .phases import DEFAULT_PHASES, Phase, Phases
from .projection import Projection, project_wear_off, round_half_up
from .rules import PROJECTION_UNCERTAIN_DAYS
from .series import Point, daily_values, trailing_mean

BASELINE_WINDOW_DAYS = 30  # baseline: latest value on days -30..0
BEST_FIRST_DAY = 7  # best: lowest value on days 7..60 of the cycle
BEST_LAST_DAY = 60
NEW_CYCLE, TOP_UP = "new_cycle", "top_up"
VISIT_KINDS = (NEW_CYCLE, TOP_UP)


class CycleDataError(ValueError):
    """Input the analysis refuses (for example two injection visits on one day)."""


# --- inputs ----------------------------------------------------------------------

Site = tuple[str, str, float]  # (muscle, side, units)
DoseKey = tuple[str, str, str]  # (product, muscle, side)


@dataclass(frozen=True)
class InjectionVisit:
    on: date
    product: str
    sites: tuple[Site, ...] = ()
    kind: str = NEW_CYCLE

    def __post_init__(self) -> None:
        object.__setattr__(self, "sites", tuple(tuple(site) for site in self.sites))
        if not isinstance(self.product, str) or not self.product.strip():
            raise CycleDataError(f"The visit on {self.on.isoformat()} has no product.")
        if self.kind not in VISIT_KINDS:
            raise CycleDataError(f"The visit on {self.on.isoformat()} has an unknown kind.")
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
    # the baseline lies on days 4-60 of an earlier cycle: taken while that injection worked
    baseline_while_working: bool = False


@dataclass(frozen=True)
class TopUp:
    """A visit that joined its cycle: its day (since the cycle's first visit) and doses."""

    on: date
    day: int
    product: str
    doses: dict[DoseKey, float]


@dataclass(frozen=True)
class CycleSummary:
    index: int  # 1 for the first injection
    injected_on: date  # the cycle's first visit: day 0
    ends_on: date | None  # the next cycle's first visit; None for the open (latest) cycle
    product: str  # the first visit's
    # SAQ
    baseline: float | None
    baseline_day: int | None
    best: float | None
    best_day: int | None
    response_points: float | None
    response_pct: float | None
    wear_off_day: int | None
    wear_off_day_exact: float | None
    baseline_while_working: bool
    # 7-day trailing mean of the daily synkinesis rating (never mixed with the SAQ)
    rating_baseline: float | None
    rating_baseline_day: int | None
    rating_best: float | None
    rating_best_day: int | None
    rating_response_points: float | None
    rating_response_pct: float | None
    rating_wear_off_day: int | None
    rating_wear_off_day_exact: float | None
    rating_baseline_while_working: bool
    # practice
    sessions_done: int | None
    sessions_prescribed: float | None
    adherence: float | None  # done / prescribed x 100, capped at 100; None: nothing prescribed
    doses: dict[DoseKey, float] = field(default_factory=dict)  # the whole cycle, top-ups too
    first_doses: dict[DoseKey, float] = field(default_factory=dict)  # the first visit's
    top_ups: tuple[TopUp, ...] = ()

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
    projection: Projection
    last_visit_on: date  # the cycle's latest visit (its last top-up, or its first visit)


@dataclass(frozen=True)
class ProgressReport:
    cycles: list[CycleSummary]
    current: CurrentCycle | None
    saq_by_day: list[Point]  # every SAQ, one value per day (the trend)
    rating_trend: list[Point]  # 7-day trailing mean of every rating, before cycles too
    phases: Phases = DEFAULT_PHASES


# --- the definitions ---------------------------------------------------------------


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


def doses_of(*visits: InjectionVisit) -> dict[DoseKey, float]:
    """Units per (product, muscle, side); several points in one muscle and side add up,
    and so do a cycle's first visit and its top-ups (never across products)."""
    doses: dict[DoseKey, float] = {}
    for visit in visits:
        for muscle, side, units in visit.sites:
            key = (visit.product, muscle, side)
            doses[key] = doses.get(key, 0) + units
    return doses


def group_cycles(visits: Iterable[InjectionVisit]) -> list[list[InjectionVisit]]:
    """The visits (in date order) as cycles: each a first visit and then its top-ups.

    A top-up joins the cycle of the latest new-cycle visit before it; a top-up with no
    visit before it (its first visit was moved or deleted) starts a cycle itself.
    """
    groups: list[list[InjectionVisit]] = []
    for visit in sorted(visits, key=lambda v: v.on):
        if visit.kind == TOP_UP and groups:
            groups[-1].append(visit)
        else:
            groups.append([visit])
    return groups


def suggested_kind(earlier: Iterable[InjectionVisit], on: date, top_up_days: int) -> str:
    """What the form proposes for a visit on ``on``: a top-up when it falls 1 to
    ``top_up_days`` days after the first visit of the cycle it would join (the latest
    cycle that began before it), else a new cycle."""
    start = cycle_start_before(earlier, on)
    if start is not None and 1 <= (on - start).days <= top_up_days:
        return TOP_UP
    return NEW_CYCLE


def cycle_start_before(visits: Iterable[InjectionVisit], on: date) -> date | None:
    """The first visit of the latest cycle that began before ``on`` (the "last full
    treatment" before a visit on that day), from the visits dated before it."""
    groups = group_cycles(v for v in visits if v.on < on)
    return groups[-1][0].on if groups else None


def analyse(
    visits: Iterable[InjectionVisit | tuple],
    saqs: Iterable[tuple[date, float]],
    ratings: Iterable[tuple[date, float]],
    today: date,
    adherence_by_cycle: AdherenceSource | None = None,
    phases: Phases = DEFAULT_PHASES,
    uncertain_days: int = PROJECTION_UNCERTAIN_DAYS,
) -> ProgressReport:
    """Split the patient's record into cycles and measure each one."""
    groups = group_cycles(_checked_visits(visits, today))
    saq_by_day = daily_values(_checked_saqs(saqs))
    rating_trend = trailing_mean(ratings)
    starts = [group[0].on for group in groups]
    cycles = []
    for number, group in enumerate(groups, start=1):
        ends_on = starts[number] if number < len(starts) else None
        span = (group[0].on, ends_on, starts[: number - 1])
        cycles.append(
            CycleSummary(
                index=number,
                injected_on=group[0].on,
                ends_on=ends_on,
                product=group[0].product,
                **_measures("", saq_by_day, *span, phases),
                **_measures("rating_", rating_trend, *span, phases),
                **_practice(adherence_by_cycle, number, group[0].on, ends_on),
                doses=doses_of(*group),
                first_doses=doses_of(group[0]),
                top_ups=tuple(_top_up(group[0].on, v) for v in group[1:]),
            )
        )
    return ProgressReport(
        cycles=cycles,
        current=_current(cycles, groups, today, phases, uncertain_days),
        saq_by_day=saq_by_day,
        rating_trend=rating_trend,
        phases=phases,
    )


def _checked_visits(visits: Iterable[InjectionVisit | tuple], today: date) -> list:
    ordered = sorted((_as_visit(v) for v in visits), key=lambda v: v.on)
    for first, second in pairwise(ordered):
        if first.on == second.on:
            raise CycleDataError(
                f"Two injection visits on {first.on.isoformat()}: record one visit with all "
                "its sites."
            )
    if ordered and today < ordered[-1].on:
        raise CycleDataError("Today is before the latest injection visit.")
    return ordered


def _checked_saqs(saqs: Iterable[tuple[date, float]]) -> list[tuple[date, float]]:
    rows = list(saqs)
    for on, value in rows:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise CycleDataError(
                f"The SAQ score on {on.isoformat()} is not a number from 0 to 100."
            )
    return rows


def _measures(
    prefix: str,
    series: list[Point],
    injected_on: date,
    ends_on: date | None,
    earlier_starts: Sequence[date],
    phases: Phases,
) -> dict:
    """One series' measure of a cycle as CycleSummary's fields (named with ``prefix``),
    the baseline flagged when it fell while an earlier cycle's injection was working."""
    measure = measure_cycle(_span(series, injected_on, ends_on), injected_on, ends_on)
    if measure.baseline_day is not None:
        baseline_on = injected_on + timedelta(days=measure.baseline_day)
        working = any(phases.is_working((baseline_on - s).days) for s in earlier_starts)
        measure = CycleMeasure(**{**_values(measure), "baseline_while_working": working})
    return {prefix + name: value for name, value in _values(measure).items()}


def _values(measure: CycleMeasure) -> dict:
    return {f.name: getattr(measure, f.name) for f in fields(CycleMeasure)}


def _top_up(first_on: date, visit: InjectionVisit) -> TopUp:
    return TopUp(visit.on, (visit.on - first_on).days, visit.product, doses_of(visit))


def _current(
    cycles: list[CycleSummary],
    groups: list[list[InjectionVisit]],
    today: date,
    phases: Phases,
    uncertain_days: int,
) -> CurrentCycle | None:
    """Where the open cycle is, and its projected wear-off from the earlier cycles."""
    if not cycles:
        return None
    last = cycles[-1]
    days_since = (today - last.injected_on).days
    earlier = [c.wear_off_day_exact for c in cycles[:-1]]
    return CurrentCycle(
        index=last.index,
        injected_on=last.injected_on,
        days_since_injection=days_since,
        phase=phases.phase(days_since),
        projection=project_wear_off(last.injected_on, earlier, uncertain_days),
        last_visit_on=groups[-1][-1].on,
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


def _practice(
    source: AdherenceSource | None, index: int, injected_on: date, ends_on: date | None
) -> dict:
    done, prescribed = _sessions(source, index, injected_on, ends_on)
    return {
        "sessions_done": done,
        "sessions_prescribed": prescribed,
        "adherence": _adherence_pct(done, prescribed),
    }


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
