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
from ..progress.record import Analysis, PatientRecord


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


def progress_figures(record: PatientRecord, analysis: Analysis) -> ProgressFigures:
    now = analysis.report.current
    return ProgressFigures(
        today=record.today,
        saq=list(record.saqs),
        cycles=[cycle_figures(summary) for summary in analysis.report.cycles],
        current=None
        if now is None
        else CurrentFigures(
            index=now.index,
            injected_on=now.injected_on,
            days_since_injection=now.days_since_injection,
            phase=now.phase.value,
            phase_label=now.phase.label,
            projected_wear_off_day=now.projected_wear_off_day,
            projected_wear_off_on=now.projected_wear_off_on,
            projection_reason=now.projection_reason,
        ),
    )


def cycle_figures(s: cycles.CycleSummary) -> CycleFigures:
    return CycleFigures(
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
        doses=doses(s),
    )


def doses(summary: cycles.CycleSummary) -> list[Dose]:
    """Units per muscle and side, muscles top of the face down, left before right."""

    def order(item):
        (_, muscle, side), _ = item
        return (
            MUSCLES.index(muscle) if muscle in MUSCLES else len(MUSCLES),
            INJECTION_SIDES.index(side) if side in INJECTION_SIDES else len(INJECTION_SIDES),
        )

    return [
        Dose(muscle, side, units)
        for (_, muscle, side), units in sorted(summary.doses.items(), key=order)
    ]
