"""Opening a patient's progress: the patient's own page, the care team's pages, the API's
figures. Each checks access once, loads the record, and hands it to a presenter.

The figures are defined in docs/progress.md and worked out by retrain.progress.record;
the words are the presenters' (progress_page, progress_figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import access
from ..presenters import care_team, live_trends
from ..presenters.progress_figures import ProgressFigures, progress_figures
from ..presenters.progress_page import ProgressPage, progress_page
from ..progress import live
from ..progress.record import analyse
from .clinic_settings import grading_instrument, rules
from .progress_record import load_record, load_team_notes
from .questionnaires import instrument


@dataclass(frozen=True)
class StaffProgress:
    """The care team's progress view and reinjection review: the page, and what this
    member of the team may do on it."""

    page: ProgressPage
    can_note: bool
    can_schedule: bool
    can_decide: bool
    can_enter_saq: bool  # enter a paper SAQ, import history
    can_grade: bool  # grade the Sunnybrook
    can_record: bool  # record injection visits
    prepared_by: str  # the viewer's name, printed on the review
    # Live feedback per cycle beside the SAQ: cycle index -> one cell per exercise.
    live_by_cycle: dict[int, list[live_trends.CycleCell]]
    # Live feedback's weekly trend per exercise (the care team's progress page).
    live_weekly: list[live_trends.ExerciseTrend]


def my_progress(user, today: date | None = None) -> ProgressPage:
    """The patient's own page: no care-team notes or decisions."""
    patient = access.require(user, access.VIEW, user.id)
    record = load_record(patient, today)
    return progress_page(record, analyse(record, rules()), instrument())


def staff_progress(user, patient_id: int, today: date | None = None) -> StaffProgress:
    """The whole picture for the care team, notes and decisions included."""
    patient = access.require(user, access.VIEW, patient_id)
    record = load_record(patient, today)
    notes, decisions = load_team_notes(patient_id)
    page = progress_page(
        record,
        analyse(record, rules()),
        instrument(),
        notes=care_team.notes(notes, record.zone),
        decisions=care_team.decisions(decisions),
        grading=grading_instrument(),
    )
    return StaffProgress(
        page=page,
        can_note=access.may(user, access.WRITE_NOTE, patient_id),
        can_schedule=access.may(user, access.SET_SAQ_SCHEDULE, patient_id),
        can_decide=access.may(user, access.DECIDE, patient_id),
        can_enter_saq=access.may(user, access.ENTER_SAQ, patient_id),
        can_grade=access.may(user, access.GRADE_FACE, patient_id),
        can_record=access.may(user, access.RECORD_INJECTION, patient_id),
        prepared_by=user.name,
        live_by_cycle=live_trends.cycle_cells(
            live.by_cycle(record.live, [(c.index, c.injected_on, c.ends_on) for c in page.cycles]),
            record.live_exercises,
        ),
        live_weekly=live_trends.exercise_trends(
            live.weekly(record.live), record.live_exercises, record.today
        ),
    )


def figures(user, patient_id: int, today: date | None = None) -> ProgressFigures:
    """The numbers of the progress pages, for the API."""
    patient = access.require(user, access.VIEW, patient_id)
    record = load_record(patient, today)
    analysis = analyse(record, rules())
    return progress_figures(record, analysis, instrument().min_score, grading_instrument())
