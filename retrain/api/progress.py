"""Progress: SAQ scores, each Botox cycle's figures, and where the current cycle is.

The same record and analysis as the progress pages (usecases.progress.figures), with
the definitions of docs/progress.md. A figure that cannot be worked out is null.
"""

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases.progress import figures as progress_figures
from .core import endpoint, patient_id_from, reply

CLINICAL = (PATIENT, THERAPIST, CLINICIAN)


class SaqPoint(BaseModel):
    answered_on: date
    score: float


class DoseOut(BaseModel):
    muscle: str
    side: str
    units: float


class CycleOut(BaseModel):
    index: int
    injected_on: date
    ends_on: date | None = Field(description="The next injection; null for the open cycle")
    product: str
    baseline: float | None = Field(description="SAQ on days -30..0 (the latest)")
    baseline_day: int | None
    best: float | None = Field(description="Lowest SAQ on days 7..60")
    best_day: int | None
    response: float | None = Field(description="baseline - best, in SAQ points")
    response_pct: float | None
    wear_off_day: int | None = Field(description="Day the SAQ regained half the response")
    adherence: float | None = Field(description="Practice in the cycle, percent (max 100)")
    doses: list[DoseOut]


class CurrentOut(BaseModel):
    index: int
    injected_on: date
    days_since_injection: int
    phase: str = Field(description="onset, building, full_effect, wearing_off or beyond")
    phase_label: str
    projected_wear_off_day: int | None
    projected_wear_off_on: date | None
    projection_reason: str | None = Field(description="Why there is no projection")


class ProgressOut(BaseModel):
    today: date
    saq: list[SaqPoint] = Field(description="Oldest first")
    cycles: list[CycleOut] = Field(description="Oldest first")
    current: CurrentOut | None = Field(description="Null before the first injection")


@endpoint(
    "/patients/<patient_id>/progress",
    "GET",
    summary="SAQ scores, Botox cycle figures and the current cycle (docs/progress.md)",
    roles=CLINICAL,
    responses={200: ProgressOut},
)
def progress(patient_id: str):
    figures = progress_figures(current_user, patient_id_from(patient_id))
    body = {
        "today": figures.today,
        "saq": [{"answered_on": on, "score": score} for on, score in figures.saq],
        "cycles": figures.cycles,
        "current": figures.current,
    }
    return reply(ProgressOut.model_validate(body, from_attributes=True))
