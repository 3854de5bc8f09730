"""The progress pages (My progress, the care team's progress view and reinjection review)
built from one patient's record and its analysis: every figure as text, charts as SVG.

Every figure is defined in docs/progress.md; the pages' help section says the same in
plain words. A missing figure carries the reason it is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import formatting
from ..progress import adherence, cycles
from ..progress.change import Change, classify
from ..progress.graded import GradedInstrument
from ..progress.instruments import Instrument, display_score
from ..progress.phases import Phase
from ..progress.record import Analysis, PatientRecord, SaqOrigin, overlapping
from ..progress.review import clinical_status
from ..progress.saq_schedule import SaqStatus
from . import sunnybrook
from .care_team import FORMER_COLLEAGUE, DecisionRow, NoteRow
from .clinical_status import StatusText, projection_words, status_text
from .progress_charts import Chart, OverlayRow, RatingWeek, overlay_chart, rating_chart, saq_chart
from .progress_cycles import CycleRow, Figure, adherence_text, cycle_rows

# Plain words about each phase, for the patient's page (timing as in docs/progress.md).
PHASE_HELP = {
    Phase.ONSET: (
        "The injection is starting to work. Most people notice a change after 2 to 4 days."
    ),
    Phase.BUILDING: "The effect is building up. It is usually full after 1 to 2 weeks.",
    Phase.FULL_EFFECT: "This is usually when the injection works best.",
    Phase.WEARING_OFF: (
        "Around now the effect usually fades slowly. Your exercises help keep the gains."
    ),
    Phase.BEYOND: (
        "It has been longer than an injection usually lasts. Your care team will talk "
        "with you about the next step."
    ),
}
SAME = 0.05  # score differences below this show as "the same" (display has one decimal)


@dataclass(frozen=True)
class SaqRow:
    answered_on: date
    score: float
    score_text: str
    cycle_index: int | None  # the cycle it falls in (after that injection), None before any
    cycle_day: int | None
    origin_text: str | None = None  # "Entered by ... from paper"; None: answered in the app


@dataclass(frozen=True)
class Current:
    index: int
    injected_on: date
    days_since: int
    phase_label: str
    phase_help: str
    projection: Figure  # the projected wear-off date, or why there is none
    projection_note: str | None = None  # which earlier wear-off days it comes from
    projection_spread: str | None = None  # earliest-latest earlier wear-off day, how many
    projection_uncertain: str | None = None  # why the projection is uncertain
    last_visit_on: date | None = None  # the cycle's latest visit (a top-up, or the first)


@dataclass(frozen=True)
class Sunnybrook:
    """The clinician's gradings (staff pages only)."""

    name: str
    sections: list[tuple[str, str]]  # (key, name), in the instrument's order
    rows: list[sunnybrook.GradingRow]  # oldest first
    latest: Figure
    by_cycle: dict[int, Figure]
    missing: Figure  # what a cycle without a grading shows


@dataclass(frozen=True)
class ProgressPage:
    patient_id: int
    name: str
    today: date
    saqs: list[SaqRow]  # oldest first
    latest: SaqRow | None
    latest_vs_baseline: Figure  # latest SAQ against the current cycle's baseline
    cycles: list[CycleRow]  # oldest first
    current: Current | None
    status: SaqStatus
    summary: list[str]  # plain, encouraging sentences for the patient
    saq_chart: Chart
    overlay_chart: Chart | None
    overlay_table: list[OverlayRow]
    rating_chart: Chart | None
    rating_weeks: list[RatingWeek]
    adherence_28: Figure
    adherence_week: Figure
    sessions_total: int
    notes: list[NoteRow] = field(default_factory=list)  # newest first; staff pages only
    decisions: list[DecisionRow] = field(default_factory=list)
    analysis_error: str | None = None
    first_screen: StatusText | None = None  # what decides the visit (staff pages)
    sunnybrook: Sunnybrook | None = None  # staff pages only
    last_response: Figure | None = None  # the latest closed cycle's SAQ response

    @property
    def record_number(self) -> str:
        """Retrain's record number (also the FHIR export's patient identifier)."""
        return str(self.patient_id)

    @property
    def cycles_newest_first(self) -> list[CycleRow]:
        return list(reversed(self.cycles))


def progress_page(
    record: PatientRecord,
    analysis: Analysis,
    inst: Instrument,
    notes: Sequence[NoteRow] = (),
    decisions: Sequence[DecisionRow] = (),
    grading: GradedInstrument | None = None,
) -> ProgressPage:
    """Everything the progress pages show; ``notes`` and ``decisions`` presented already.
    ``grading`` (the Sunnybrook; staff pages) adds the clinician's gradings."""
    report, today = analysis.report, record.today
    cycle_starts = [c.injected_on for c in report.cycles]
    rows = cycle_rows(analysis, record.visits, today, inst.min_score)
    saqs = saq_rows(record.saqs, cycle_starts, record.saq_origins)
    status = record.saq_status()
    overlay, overlay_table = overlay_chart(report, record.saqs, inst)
    ratings, rating_weeks = rating_chart(report.rating_trend, record.visits, today)
    week, month = _recent_adherence(record, analysis)
    first_screen = status_text(
        clinical_status(report, today, analysis.rules, inst.min_score), analysis.rules
    )
    return ProgressPage(
        patient_id=record.patient_id,
        name=record.name,
        today=today,
        saqs=saqs,
        latest=saqs[-1] if saqs else None,
        latest_vs_baseline=first_screen.latest_saq,
        cycles=rows,
        current=current(report.current, analysis),
        status=status,
        summary=summary(saqs, report, status, analysis, inst),
        saq_chart=saq_chart(record.saqs, record.visits, today, inst),
        overlay_chart=overlay,
        overlay_table=overlay_table,
        rating_chart=ratings,
        rating_weeks=rating_weeks,
        adherence_28=month,
        adherence_week=week,
        sessions_total=len(record.session_days),
        notes=list(notes),
        decisions=list(decisions),
        analysis_error=analysis.error,
        first_screen=first_screen,
        sunnybrook=None if grading is None else gradings(record, report, grading),
        last_response=last_response(rows),
    )


def gradings(
    record: PatientRecord, report: cycles.ProgressReport, inst: GradedInstrument
) -> Sunnybrook:
    rows = sunnybrook.grading_rows(record.gradings, inst, report)
    return Sunnybrook(
        name=inst.short_name,
        sections=[(section.key, section.name) for section in inst.sections],
        rows=rows,
        latest=sunnybrook.latest(rows, inst),
        by_cycle=sunnybrook.by_cycle(rows, inst),
        missing=sunnybrook.missing_in_cycle(inst),
    )


def last_response(rows: Sequence[CycleRow]) -> Figure:
    """The SAQ response of the latest closed cycle (the open one is still running)."""
    closed = [row for row in rows if not row.is_open]
    if not closed:
        return Figure(None, "No cycle has ended yet.")
    row = closed[-1]
    if row.saq.response.missing:
        return Figure(None, f"Cycle {row.index}: {row.saq.response.reason}")
    return Figure(f"Cycle {row.index}: {row.saq.response.text}")


ORIGINS = {"paper": "from paper", "import": "imported from an earlier record"}


def saq_rows(
    saqs: Sequence[tuple[date, float]],
    cycle_starts: Sequence[date],
    origins: dict[date, SaqOrigin] | None = None,
) -> list[SaqRow]:
    """Each SAQ with the cycle it falls in: the latest cycle that began on or before its
    day (day 0: an SAQ on the injection day, answered before the injection, that cycle's
    baseline), and how it came in when not answered in the app."""
    rows = []
    for on, score in saqs:
        index = sum(1 for day in cycle_starts if day <= on) or None
        day = None if index is None else (on - cycle_starts[index - 1]).days
        origin = origin_text((origins or {}).get(on))
        rows.append(SaqRow(on, score, display_score(score), index, day, origin))
    return rows


def origin_text(origin: SaqOrigin | None) -> str | None:
    if origin is None:
        return None
    who = origin.entered_by or FORMER_COLLEAGUE.lower()
    text = f"Entered by {who} {ORIGINS.get(origin.source, origin.source)}"
    return text + " (total score only)" if origin.score_only else text


def current(now: cycles.CurrentCycle | None, analysis: Analysis) -> Current | None:
    """Where the open cycle is, with its projected wear-off and spread, or why there is
    none."""
    if now is None:
        return None
    projection, spread, uncertain = projection_words(now.projection, analysis.rules)
    note = None
    if now.projection.on is not None:
        used = now.projection.based_on
        note = (
            f"The median of the exact wear-off days of the {len(used)} earlier cycles that "
            f"had one: {', '.join(formatting.one_decimal(d) for d in used)}."
        )
    return Current(
        index=now.index,
        injected_on=now.injected_on,
        days_since=now.days_since_injection,
        phase_label=now.phase.label,
        phase_help=PHASE_HELP[now.phase],
        projection=projection,
        projection_note=note,
        projection_spread=spread,
        projection_uncertain=uncertain,
        last_visit_on=now.last_visit_on,
    )


def _recent_adherence(record: PatientRecord, analysis: Analysis) -> tuple[Figure, Figure]:
    """Adherence over the last 7 and the last 28 days (today counted as far as it is met)."""
    today = record.today
    recent = overlapping(record.versions, today - timedelta(days=27), today)
    counts = analysis.sessions_by_day
    week = adherence.last_days(counts, recent, today, 7)
    month = adherence.last_days(counts, recent, today, 28)
    return _window_figure(week), _window_figure(month)


def _window_figure(window: adherence.Window) -> Figure:
    if window.adherence is None:
        return Figure(None, "No programme was prescribed in this period.")
    return Figure(adherence_text(window.adherence, window.credited, window.prescribed))


def summary(
    saqs: Sequence[SaqRow],
    report: cycles.ProgressReport,
    status: SaqStatus,
    analysis: Analysis,
    inst: Instrument,
) -> list[str]:
    """A few plain, kind sentences for the patient's own page."""
    if not saqs:
        lines = [
            "You have not filled in the synkinesis questionnaire yet. Your answers help "
            "you and your care team see how your treatment works over time."
        ]
    else:
        times = "time" if len(saqs) == 1 else "times"
        lines = [
            f"You have filled in the questionnaire {len(saqs)} {times}. Thank you: every one "
            "makes the picture clearer.",
            _latest_in_words(
                saqs,
                report.cycles[-1] if report.cycles else None,
                analysis.rules.min_important_change,
                inst.min_score,
            ),
        ]
    if status.due:
        lines.append("A questionnaire is due now. It takes about two minutes.")
    else:
        lines.append(f"Your next questionnaire is due on {formatting.day(status.due_on)}.")
    return [line for line in lines if line]


def _latest_in_words(
    saqs: Sequence[SaqRow], cycle: cycles.CycleSummary | None, min_change: float, floor: float
) -> str:
    """The latest score against the latest injection's baseline, else the first score.
    A change within the questionnaire's noise is not called an improvement."""
    latest = saqs[-1]
    if cycle is not None and cycle.baseline is not None and latest.answered_on > cycle.injected_on:
        change = classify(cycle.baseline, latest.score, min_change=min_change, floor=floor)
        difference = cycle.baseline - latest.score
        if change is Change.BETTER:
            return (
                f"Your latest score, {latest.score_text}, is {display_score(difference)} "
                "points lower than before your latest injection. Lower means less "
                "synkinesis: that is a good sign."
            )
        if change is Change.AT_FLOOR:
            return (
                f"Before your latest injection your score was already the lowest possible, "
                f"{display_score(floor)}: very little synkinesis. It cannot go any lower."
            )
        return (
            f"Your latest score is {latest.score_text}. Scores go up and down a little from "
            "week to week; your care team looks at the whole picture with you."
        )
    if len(saqs) == 1:
        return ""
    first = saqs[0]
    difference = first.score - latest.score
    if difference >= SAME:
        return (
            f"Your latest score, {latest.score_text}, is {display_score(difference)} points "
            f"lower than your first one ({first.score_text}). Lower means less synkinesis."
        )
    return (
        f"Your latest score is {latest.score_text}. Change can be slow and hard to see; "
        "keeping up your exercises is what counts."
    )
