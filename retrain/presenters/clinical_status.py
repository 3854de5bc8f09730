"""The figures that decide an injection visit, in words: shared by the clinician's
caseload and the first screen of the reinjection review, so both say the same.

The figures are retrain.progress.review.clinical_status's (docs/progress.md, "Due for
review"); this module only words them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import formatting
from ..progress.change import Change
from ..progress.instruments import display_score
from ..progress.projection import Projection
from ..progress.review import ClinicalStatus, Due
from ..progress.rules import ClinicRules
from .progress_cycles import Figure


@dataclass(frozen=True)
class StatusText:
    due: Due
    due_label: str  # "Due for review", "Not due", "No injection yet"
    reasons: tuple[str, ...]
    injection: Figure  # the open cycle's first visit (and its latest top-up)
    days_since: int | None
    phase_label: str | None
    latest_saq: Figure  # the latest SAQ against the cycle's baseline, with the noise label
    change_label: str | None  # "within measurement noise", ...; None: no comparison
    projection: Figure  # the projected wear-off date, or why there is none
    spread: str | None  # the earlier cycles the projection comes from
    uncertain: str | None  # why the projection is uncertain (None: it is not)


def status_text(status: ClinicalStatus, rules: ClinicRules) -> StatusText:
    projection, spread, uncertain = projection_words(status.projection, rules)
    return StatusText(
        due=status.due,
        due_label=status.due.label,
        reasons=status.reasons,
        injection=injection_figure(status),
        days_since=status.days_since,
        phase_label=None if status.phase is None else status.phase.label,
        latest_saq=latest_against_baseline(status),
        change_label=None if status.change is None else status.change.label,
        projection=projection,
        spread=spread,
        uncertain=uncertain,
    )


def injection_figure(status: ClinicalStatus) -> Figure:
    if status.cycle_started_on is None:
        return Figure(None, "No injection is recorded yet.")
    text = f"{formatting.day(status.cycle_started_on)} (cycle {status.cycle_index})"
    if status.last_visit_on != status.cycle_started_on:
        text += f", top-up {formatting.day(status.last_visit_on)}"
    return Figure(text)


def latest_against_baseline(status: ClinicalStatus) -> Figure:
    """The latest SAQ against the open cycle's baseline, with the meaningful-change label."""
    if status.latest_saq_on is None:
        return Figure(None, "No SAQ has been answered yet.")
    if status.cycle_started_on is None:
        return Figure(None, "No injection is recorded, so there is no baseline to compare with.")
    if status.latest_saq_on <= status.cycle_started_on:
        return Figure(None, "No SAQ since the latest injection yet.")
    if status.baseline is None:
        return Figure(None, "No SAQ in the 30 days before this injection, so no baseline.")
    latest = f"{display_score(status.latest_saq)} on {formatting.day(status.latest_saq_on)}"
    baseline = display_score(status.baseline)
    points = status.change_points
    if display_score(abs(points)) == "0.0":
        compared = f"the same as the baseline of {baseline}"
    else:
        direction = "lower" if points < 0 else "higher"
        better = " (better)" if status.change is Change.BETTER else ""
        compared = (
            f"{display_score(abs(points))} points {direction}{better} than the baseline of "
            f"{baseline}"
        )
    label = "" if status.change is Change.BETTER else f": {status.change.label}"
    return Figure(f"{latest}: {compared}{label}")


def projection_words(
    projection: Projection | None, rules: ClinicRules
) -> tuple[Figure, str | None, str | None]:
    """(the date, the spread of the earlier cycles, why it is uncertain)."""
    if projection is None:
        return Figure(None, "No injection is recorded yet."), None, None
    if projection.on is None:
        return Figure(None, projection.reason), None, None
    count = projection.cycle_count
    spread = (
        f"From {count} earlier cycles, which wore off between day {projection.earliest_day} "
        f"and day {projection.latest_day}."
    )
    uncertain = None
    if projection.uncertain:
        # Said from the rule, not from the rounded days: exact days 80.5 and 108.6 are
        # more than 28 apart, but their rounded days 81 and 109 only 28.
        uncertain = (
            "Uncertain: the earlier wear-off days lie more than "
            f"{rules.uncertain_spread_days} days apart."
        )
    date_text = f"{formatting.day(projection.on)} (day {projection.day})"
    return Figure(date_text), spread, uncertain
