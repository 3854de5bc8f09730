"""Progress: SAQ scores, each Botox cycle's figures, and where the current cycle is.

The same record and analysis as the progress pages (usecases.progress.figures), with
the definitions of docs/progress.md. A figure that cannot be worked out is null.
"""

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from ..usecases.progress import figures as progress_figures
from .core import patient_endpoint


class SaqPoint(BaseModel):
    answered_on: date
    score: float


class DoseOut(BaseModel):
    muscle: str
    side: str
    units: float
    product: str = Field(description="Units of different products are never added together")


class TopUpOut(BaseModel):
    injected_on: date
    day: int = Field(description="Days since the cycle's first visit")
    doses: list[DoseOut]


class CycleOut(BaseModel):
    index: int
    injected_on: date = Field(description="The cycle's first visit (day 0)")
    ends_on: date | None = Field(description="The next cycle's first visit; null: open")
    product: str = Field(description="The first visit's")
    baseline: float | None = Field(description="SAQ on days -30..0 (the latest)")
    baseline_day: int | None
    baseline_while_working: bool = Field(
        description="The baseline lies on days 4-60 of an earlier cycle"
    )
    best: float | None = Field(description="Lowest SAQ on days 7..60")
    best_day: int | None
    response: float | None = Field(description="baseline - best, in SAQ points")
    response_pct: float | None
    response_change: str | None = Field(
        description="better, worse, noise (under the minimum important change) or at_floor"
    )
    wear_off_day: int | None = Field(description="Day the SAQ regained half the response")
    wear_off_day_exact: float | None = Field(description="The same, unrounded")
    adherence: float | None = Field(description="Practice in the cycle, percent (max 100)")
    doses: list[DoseOut] = Field(description="The whole cycle: first visit and top-ups")
    top_ups: list[TopUpOut]


class CurrentOut(BaseModel):
    index: int
    injected_on: date
    days_since_injection: int
    phase: str = Field(description="onset, building, full_effect, wearing_off or beyond")
    phase_label: str
    projected_wear_off_day: int | None = Field(
        description="Median of the earlier cycles' exact wear-off days, rounded"
    )
    projected_wear_off_on: date | None
    projection_reason: str | None = Field(description="Why there is no projection")
    projection_earliest_day: int | None = Field(description="Spread: the earliest earlier day")
    projection_latest_day: int | None = Field(description="Spread: the latest earlier day")
    projection_cycles: int = Field(description="How many earlier wear-off days it comes from")
    projection_uncertain: bool = Field(description="The earlier days lie far apart")
    review_due: str = Field(description="due, not_due or no_injection")
    review_reasons: list[str]


class GradingPoint(BaseModel):
    graded_on: date
    composite: int = Field(description="Sunnybrook composite (voluntary - resting - synkinesis)")
    subscores: dict[str, int] | None = Field(description="resting, voluntary, synkinesis")


class ProgressOut(BaseModel):
    today: date
    saq: list[SaqPoint] = Field(description="Oldest first")
    cycles: list[CycleOut] = Field(description="Oldest first")
    current: CurrentOut | None = Field(description="Null before the first injection")
    sunnybrook: list[GradingPoint] = Field(description="Clinician gradings, oldest first")


@patient_endpoint("GET /progress", out=ProgressOut)
def progress(patient_id: int):
    """SAQ scores, Botox cycle figures and the current cycle (docs/progress.md)"""
    figures = progress_figures(current_user, patient_id)
    body = {
        "today": figures.today,
        "saq": [{"answered_on": on, "score": score} for on, score in figures.saq],
        "cycles": figures.cycles,
        "current": figures.current,
        "sunnybrook": figures.sunnybrook,
    }
    return ProgressOut.model_validate(body, from_attributes=True)
