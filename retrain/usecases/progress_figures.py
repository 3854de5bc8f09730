"""The numbers behind the progress pages, for the JSON API (issue 5).

The progress pages (services.progress_report) turn every figure into text. The API
needs the numbers themselves, from the same record and the same analysis:

- the record: ``progress_report.load_record`` (the pages' own 4-query load);
- the analysis: ``retrain.progress.cycles.analyse`` with the same inputs and the same
  "today" as ``progress_report.build_page`` (the latest of today and the latest visit);
- per-cycle adherence: the same windows as the pages (``progress_report.cycle_sessions``):
  an open cycle from its injection day to today (today counted as far as it has been
  met, ``adherence.to_date``); a closed one from its injection day to the day before
  the next injection, so no session counts twice. tests/api/test_progress.py checks
  that these numbers and the page's text agree.

Every definition lives in retrain/progress/ and docs/progress.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..models import INJECTION_SIDES, MUSCLES
from ..progress import adherence, cycles
from ..usecases import progress_report


@dataclass(frozen=True)
class Dose:
    muscle: str
    side: str
    units: float


@dataclass(frozen=True)
class CycleFigures:
    index: int
    injected_on: date
    ends_on: date | None
    product: str
    baseline: float | None
    baseline_day: int | None
    best: float | None
    best_day: int | None
    response: float | None  # SAQ points: baseline - best
    response_pct: float | None
    wear_off_day: int | None
    adherence: float | None  # percent, capped at 100
    doses: list[Dose]


@dataclass(frozen=True)
class CurrentFigures:
    index: int
    injected_on: date
    days_since_injection: int
    phase: str  # cycles.Phase value
    phase_label: str
    projected_wear_off_day: int | None
    projected_wear_off_on: date | None
    projection_reason: str | None


@dataclass(frozen=True)
class ProgressFigures:
    today: date
    saq: list[tuple[date, float]]  # oldest first, exact scores
    cycles: list[CycleFigures]  # oldest first
    current: CurrentFigures | None


def _doses(summary: cycles.CycleSummary) -> list[Dose]:
    def order(item):
        (_, muscle, side), _ = item
        return (
            MUSCLES.index(muscle) if muscle in MUSCLES else len(MUSCLES),
            INJECTION_SIDES.index(side) if side in INJECTION_SIDES else 2,
        )

    return [
        Dose(muscle, side, units)
        for (_, muscle, side), units in sorted(summary.doses.items(), key=order)
    ]


def figures(patient_id: int, today: date | None = None) -> ProgressFigures:
    record = progress_report.load_record(patient_id, today)
    counts = adherence.daily_counts(record.session_days)
    visits = [
        cycles.InjectionVisit(on=v.on, product=v.product, sites=v.sites) for v in record.visits
    ]
    analyse_today = max([record.today, *(v.on for v in visits)])
    try:
        report = cycles.analyse(
            visits,
            record.saqs,
            record.ratings,
            analyse_today,
            adherence_by_cycle=lambda _, start, end: progress_report.cycle_sessions(
                record, counts, start, end
            ),
        )
    except (cycles.CycleDataError, ValueError):
        # As the pages: stored data the analysis refuses shows no cycle figures.
        report = cycles.analyse([], [], [], analyse_today)
    current = None
    if report.current is not None:
        c = report.current
        current = CurrentFigures(
            index=c.index,
            injected_on=c.injected_on,
            days_since_injection=c.days_since_injection,
            phase=c.phase.value,
            phase_label=c.phase.label,
            projected_wear_off_day=c.projected_wear_off_day,
            projected_wear_off_on=c.projected_wear_off_on,
            projection_reason=c.projection_reason,
        )
    return ProgressFigures(
        today=record.today,
        saq=list(record.saqs),
        cycles=[
            CycleFigures(
                index=s.index,
                injected_on=s.injected_on,
                ends_on=s.ends_on,
                product=s.product,
                baseline=s.baseline,
                baseline_day=s.baseline_day,
                best=s.best,
                best_day=s.best_day,
                response=s.response_points,
                response_pct=s.response_pct,
                wear_off_day=s.wear_off_day,
                adherence=s.adherence,
                doses=_doses(s),
            )
            for s in report.cycles
        ],
        current=current,
    )
