"""The numbers behind the progress pages, for the JSON API.

The pages word every figure (progress_page); the API gives the numbers themselves, from
the same record and the same analysis (retrain.progress.record.analyse), so the two
always agree. Definitions: docs/progress.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..models import INJECTION_SIDES, MUSCLES
from ..progress import cycles
from ..progress.graded import GradedInstrument
from ..progress.record import Analysis, PatientRecord
from ..progress.review import clinical_status
from .progress_cycles import response_change
from .sunnybrook import grading_rows


@dataclass(frozen=True)
class Dose:
    muscle: str
    side: str
    units: float
    product: str  # units of different products are never added together


@dataclass(frozen=True)
class TopUpFigures:
    injected_on: date
    day: int  # days since the cycle's first visit
    doses: list[Dose]


@dataclass(frozen=True)
class CycleFigures:
    index: int
    injected_on: date
    ends_on: date | None
    product: str
    baseline: float | None
    baseline_day: int | None
    baseline_while_working: bool
    best: float | None
    best_day: int | None
    response: float | None  # SAQ points: baseline - best
    response_pct: float | None
    response_change: str | None  # progress.change.Change value
    wear_off_day: int | None
    wear_off_day_exact: float | None
    adherence: float | None  # percent, capped at 100
    doses: list[Dose]  # the whole cycle: first visit and top-ups
    top_ups: list[TopUpFigures]


@dataclass(frozen=True)
class CurrentFigures:
    index: int
    injected_on: date
    days_since_injection: int
    phase: str  # Phase value
    phase_label: str
    projected_wear_off_day: int | None
    projected_wear_off_on: date | None
    projection_reason: str | None
    projection_earliest_day: int | None
    projection_latest_day: int | None
    projection_cycles: int
    projection_uncertain: bool
    review_due: str  # progress.review.Due value
    review_reasons: list[str]


@dataclass(frozen=True)
class GradingFigures:
    graded_on: date
    composite: int
    subscores: dict[str, int] | None


@dataclass(frozen=True)
class ProgressFigures:
    today: date
    saq: list[tuple[date, float]]  # oldest first, exact scores
    cycles: list[CycleFigures]  # oldest first
    current: CurrentFigures | None
    sunnybrook: list[GradingFigures]


def progress_figures(
    record: PatientRecord, analysis: Analysis, floor: float, grading: GradedInstrument
) -> ProgressFigures:
    """``floor``: the SAQ's best score; ``grading``: the Sunnybrook instrument."""
    report = analysis.report
    return ProgressFigures(
        today=record.today,
        saq=list(record.saqs),
        cycles=[cycle_figures(summary, analysis, floor) for summary in report.cycles],
        current=current_figures(record, analysis, floor),
        sunnybrook=[
            GradingFigures(row.on, row.composite, row.subscores)
            for row in grading_rows(record.gradings, grading, report)
        ],
    )


def current_figures(
    record: PatientRecord, analysis: Analysis, floor: float
) -> CurrentFigures | None:
    now = analysis.report.current
    if now is None:
        return None
    status = clinical_status(analysis.report, record.today, analysis.rules, floor)
    projection = now.projection
    return CurrentFigures(
        index=now.index,
        injected_on=now.injected_on,
        days_since_injection=now.days_since_injection,
        phase=now.phase.value,
        phase_label=now.phase.label,
        projected_wear_off_day=projection.day,
        projected_wear_off_on=projection.on,
        projection_reason=projection.reason,
        projection_earliest_day=projection.earliest_day,
        projection_latest_day=projection.latest_day,
        projection_cycles=projection.cycle_count,
        projection_uncertain=projection.uncertain,
        review_due=status.due.value,
        review_reasons=list(status.reasons),
    )


def cycle_figures(s: cycles.CycleSummary, analysis: Analysis, floor: float) -> CycleFigures:
    change = response_change(s, analysis, floor)
    return CycleFigures(
        index=s.index,
        injected_on=s.injected_on,
        ends_on=s.ends_on,
        product=s.product,
        baseline=s.baseline,
        baseline_day=s.baseline_day,
        baseline_while_working=s.baseline_while_working,
        best=s.best,
        best_day=s.best_day,
        response=s.response_points,
        response_pct=s.response_pct,
        response_change=None if change is None else change.value,
        wear_off_day=s.wear_off_day,
        wear_off_day_exact=s.wear_off_day_exact,
        adherence=s.adherence,
        doses=doses(s.doses),
        top_ups=[TopUpFigures(t.on, t.day, doses(t.doses)) for t in s.top_ups],
    )


def doses(by_key: dict[cycles.DoseKey, float]) -> list[Dose]:
    """Units per muscle and side, muscles top of the face down, left before right."""

    def order(item):
        (_, muscle, side), _ = item
        return (
            MUSCLES.index(muscle) if muscle in MUSCLES else len(MUSCLES),
            INJECTION_SIDES.index(side) if side in INJECTION_SIDES else len(INJECTION_SIDES),
        )

    return [
        Dose(muscle, side, units, product)
        for (product, muscle, side), units in sorted(by_key.items(), key=order)
    ]
