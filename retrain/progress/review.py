"""What decides an injection visit, for one patient: where the open cycle is, the latest
SAQ against its baseline (with the noise label), the projected wear-off with its spread,
and whether the patient is due for review.

Every path ends in ``status_from_facts``: the caseload finishes the stored, date-free
facts (progress.derived) for today, and a page with the whole record goes through the
same facts of its analysis, so the two always agree.
Definitions: docs/progress.md, "Due for review". Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from . import cycles
from .change import Change, classify
from .derived import ClinicalFacts, facts_of_report
from .labelled import LabelledEnum
from .phases import DEFAULT_PHASES, Phase
from .projection import Projection, project_wear_off
from .rules import ClinicRules

# Due for review: the projected wear-off is this close (or past), ...
DUE_WITHIN_DAYS = 14
# ... or the open cycle is past this day with no SAQ since its injection (the SAQ's
# full-effect check is usually 2-5 weeks after an injection: docs/progress.md).
SAQ_EXPECTED_BY_DAY = 21


class Due(LabelledEnum):
    DUE = "due", "Due for review"  # due for review (``reasons`` say why)
    NOT_DUE = "not_due", "Not due"
    NO_INJECTION = "no_injection", "No injection yet"  # no cycle yet: nothing to review


@dataclass(frozen=True)
class ClinicalStatus:
    due: Due
    reasons: tuple[str, ...] = ()  # why due, in plain words
    cycle_index: int | None = None
    cycle_started_on: date | None = None  # the open cycle's first visit: day 0
    last_visit_on: date | None = None  # its latest visit (a top-up, or the first visit)
    days_since: int | None = None  # days since the cycle's first visit
    phase: Phase | None = None
    latest_saq_on: date | None = None
    latest_saq: float | None = None
    baseline: float | None = None  # the open cycle's SAQ baseline
    change_points: float | None = None  # latest - baseline (negative: fewer symptoms)
    change: Change | None = None  # the latest SAQ against the baseline, with the noise rule
    projection: Projection | None = None
    wear_off_day: int | None = None  # measured in the open cycle (SAQ)


def clinical_status_of(
    visits: Iterable[cycles.InjectionVisit],
    saqs: Iterable[tuple[date, float]],
    today: date,
    rules: ClinicRules,
    floor: float,
) -> ClinicalStatus:
    """The status from the visits and the SAQ scores alone (the caseload's case). Stored
    data the analysis refuses is flagged for review rather than hidden."""
    visits = list(visits)
    as_of = max([today, *(v.on for v in visits)])
    try:
        report = cycles.analyse(visits, saqs, (), as_of, uncertain_days=rules.uncertain_spread_days)
    except cycles.CycleDataError as error:
        return status_from_facts(ClinicalFacts(error=str(error)), today, rules, floor)
    return clinical_status(report, today, rules, floor)


def clinical_status(
    report: cycles.ProgressReport, today: date, rules: ClinicRules, floor: float
) -> ClinicalStatus:
    """The figures that decide a visit, from an analysis. ``floor``: the SAQ's best score.
    The analysis gives the same facts that are stored per patient, so a page with the
    whole record and the caseload with the stored facts agree by construction."""
    return status_from_facts(facts_of_report(report), today, rules, floor)


def due_reasons(
    projected_on: date | None,
    wear_off_day: int | None,
    injected_on: date,
    days_since: int,
    latest_saq_on: date | None,
    today: date,
) -> tuple[str, ...]:
    """Why the open cycle is due for review (none: not due): the projected wear-off is
    within DUE_WITHIN_DAYS (or past), a wear-off was measured, or no SAQ has come in
    since the injection and the cycle is past day SAQ_EXPECTED_BY_DAY."""
    reasons = []
    if projected_on is not None and projected_on <= today + timedelta(days=DUE_WITHIN_DAYS):
        reasons.append(
            "Projected wear-off has passed"
            if projected_on < today
            else f"Projected wear-off within {DUE_WITHIN_DAYS} days"
        )
    if wear_off_day is not None:
        reasons.append(f"Wear-off measured on day {wear_off_day}")
    no_saq_since = latest_saq_on is None or latest_saq_on <= injected_on
    if days_since > SAQ_EXPECTED_BY_DAY and no_saq_since:
        reasons.append(f"No SAQ since the injection (day {days_since})")
    return tuple(reasons)


def status_from_facts(
    facts: ClinicalFacts, today: date, rules: ClinicRules, floor: float
) -> ClinicalStatus:
    """The same status as ``clinical_status_of`` from the stored, date-independent facts
    (progress.derived) finished for ``today`` and the clinic's settings: no history
    is read (tests/property/test_derived_property.py proves the two agree)."""
    if facts.error is not None:
        return ClinicalStatus(Due.DUE, (f"Check the record: {facts.error}",))
    if facts.injected_on is None:
        return ClinicalStatus(Due.NO_INJECTION)
    days_since = (max(today, facts.last_visit_on) - facts.injected_on).days
    projection = project_wear_off(
        facts.injected_on, facts.earlier_wear_off, rules.uncertain_spread_days
    )
    latest_on, latest, baseline = facts.latest_saq_on, facts.latest_saq, facts.baseline
    change, points = None, None
    if latest_on is not None and latest_on > facts.injected_on and baseline is not None:
        points = latest - baseline
        change = classify(baseline, latest, min_change=rules.min_important_change, floor=floor)
    reasons = due_reasons(
        projection.on, facts.wear_off_day, facts.injected_on, days_since, latest_on, today
    )
    return ClinicalStatus(
        due=Due.DUE if reasons else Due.NOT_DUE,
        reasons=reasons,
        cycle_index=facts.cycle_index,
        cycle_started_on=facts.injected_on,
        last_visit_on=facts.last_visit_on,
        days_since=days_since,
        phase=DEFAULT_PHASES.phase(days_since),
        latest_saq_on=latest_on,
        latest_saq=latest,
        baseline=baseline,
        change_points=points,
        change=change,
        projection=projection,
        wear_off_day=facts.wear_off_day,
    )
