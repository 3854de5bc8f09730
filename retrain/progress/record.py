"""One patient's dated record as plain values, and the cycle figures worked out from it.

The progress pages and the API read the same record (loaded by
``retrain.usecases.progress_record``) and the same analysis (``analyse`` below), so a
figure means the same wherever it is shown. Definitions: docs/progress.md. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from . import adherence, cycles, live
from .rules import DEFAULT_RULES, ClinicRules
from .saq_schedule import SaqStatus, start_on_from, status_from


@dataclass(frozen=True)
class Visit:
    id: int
    on: date
    product: str
    sites: tuple[cycles.Site, ...]  # (muscle, side, units), in entry order
    kind: str = cycles.NEW_CYCLE  # or cycles.TOP_UP (stored with the visit)


@dataclass(frozen=True)
class SaqOrigin:
    """How an SAQ came in when the patient did not answer it in the app."""

    source: str  # "paper" (entered by staff) or "import" (a CSV of past answers)
    entered_by: str | None  # the staff member's name (None: account gone)
    score_only: bool  # imported as a total score without the item answers


@dataclass(frozen=True)
class Grading:
    """One clinician-graded instrument (the Sunnybrook), answers in item order."""

    on: date
    answers: tuple[int, ...]
    score: float  # the composite stored when it was graded


@dataclass(frozen=True)
class PatientRecord:
    patient_id: int
    name: str
    zone: tzinfo  # the patient's own, else the clinic's
    today: date  # in that zone
    joined_on: date  # the day the account was made, in that zone
    saq_interval_days: int | None
    visits: tuple[Visit, ...]  # date order
    saqs: tuple[tuple[date, float], ...]  # (answered on, exact score), date order
    requests: tuple[date, ...]  # days the care team asked for an SAQ, date order
    session_days: tuple[date, ...]  # every session's local date, in time order
    ratings: tuple[tuple[date, float], ...]  # (local date, synkinesis rating 0-10)
    versions: tuple[adherence.Version, ...]  # the programme's versions, in version order
    saq_origins: dict[date, SaqOrigin] = field(default_factory=dict)  # not answered in the app
    gradings: tuple[Grading, ...] = ()  # Sunnybrook gradings, date order
    # Live feedback's numbers per exercise of each session, time order, and the exercises.
    live: tuple[live.LiveRecord, ...] = ()
    live_exercises: dict[int, live.LiveExercise] = field(default_factory=dict)

    def saq_status(self) -> SaqStatus:
        return status_from(
            start_on=start_on_from([v.starts_on for v in self.versions], self.joined_on),
            answered_on=[on for on, _ in self.saqs],
            interval_days=self.saq_interval_days,
            requested=self.requests,
            today=self.today,
        )


@dataclass(frozen=True)
class Analysis:
    report: cycles.ProgressReport
    rules: ClinicRules
    as_of: date  # the analysis' today: the later of today and the latest visit
    sessions_by_day: dict[date, int]
    error: str | None = None  # why stored data could not be analysed (no cycle figures then)


def analyse(record: PatientRecord, rules: ClinicRules = DEFAULT_RULES) -> Analysis:
    """Every cycle's figures, adherence per cycle included (``cycle_sessions``)."""
    visits = [
        cycles.InjectionVisit(on=v.on, product=v.product, sites=v.sites, kind=v.kind)
        for v in record.visits
    ]
    # A visit dated after the patient's today (their zone is behind the clinic's).
    as_of = max([record.today, *(v.on for v in visits)])
    counts = adherence.daily_counts(record.session_days)
    try:
        report = cycles.analyse(
            visits,
            record.saqs,
            record.ratings,
            as_of,
            adherence_by_cycle=lambda _, start, end: cycle_sessions(record, counts, start, end),
            uncertain_days=rules.uncertain_spread_days,
        )
    except (cycles.CycleDataError, ValueError) as error:
        # Stored data the analysis refuses (the forms check it, so it should not happen).
        return Analysis(cycles.analyse([], [], [], as_of), rules, as_of, counts, str(error))
    return Analysis(report, rules, as_of, counts)


def cycle_sessions(
    record: PatientRecord, counts: dict[date, int], injected_on: date, ends_on: date | None
) -> tuple[int, float]:
    """(sessions credited, sessions prescribed) in a cycle's adherence window: from the
    injection day to the day before the next injection (so no session counts twice), or
    to today for the open cycle, today counting only as far as it has been met."""
    end = record.today if ends_on is None else ends_on - timedelta(days=1)
    versions = overlapping(record.versions, injected_on, end)
    if ends_on is None:
        window = adherence.to_date(counts, versions, injected_on, end)
        return window.credited, window.prescribed
    return adherence.credited_and_prescribed(counts, versions, injected_on, end)


def overlapping(
    versions: tuple[adherence.Version, ...] | list[adherence.Version], start: date, end: date
) -> list[adherence.Version]:
    """The versions in force on some day of start..end, in their order: the others cannot
    change any figure for those days, and leaving them out keeps long records fast."""
    return [
        v for v in versions if v.starts_on <= end and (v.ended_on is None or v.ended_on >= start)
    ]
