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
from ..progress.instruments import Instrument, display_score
from ..progress.record import Analysis, PatientRecord, overlapping
from ..progress.saq_schedule import SaqStatus
from .care_team import DecisionRow, NoteRow
from .progress_charts import Chart, OverlayRow, RatingWeek, overlay_chart, rating_chart, saq_chart
from .progress_cycles import CycleRow, Figure, adherence_text, cycle_rows

# Plain words about each phase, for the patient's page (timing as in docs/progress.md).
PHASE_HELP = {
    cycles.Phase.ONSET: (
        "The injection is starting to work. Most people notice a change after 2 to 4 days."
    ),
    cycles.Phase.BUILDING: "The effect is building up. It is usually full after 1 to 2 weeks.",
    cycles.Phase.FULL_EFFECT: "This is usually when the injection works best.",
    cycles.Phase.WEARING_OFF: (
        "Around now the effect usually fades slowly. Your exercises help keep the gains."
    ),
    cycles.Phase.BEYOND: (
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


@dataclass(frozen=True)
class Current:
    index: int
    injected_on: date
    days_since: int
    phase_label: str
    phase_help: str
    projection: Figure  # the projected wear-off date, or why there is none
    projection_note: str | None = None  # which earlier wear-off days it comes from


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

    @property
    def cycles_newest_first(self) -> list[CycleRow]:
        return list(reversed(self.cycles))


def progress_page(
    record: PatientRecord,
    analysis: Analysis,
    inst: Instrument,
    notes: Sequence[NoteRow] = (),
    decisions: Sequence[DecisionRow] = (),
) -> ProgressPage:
    """Everything the progress pages show; ``notes`` and ``decisions`` presented already."""
    report, today = analysis.report, record.today
    injected = [v.on for v in record.visits]
    rows = cycle_rows(analysis, record.visits, today)
    saqs = saq_rows(record.saqs, injected)
    latest = saqs[-1] if saqs else None
    status = record.saq_status()
    overlay, overlay_table = overlay_chart(report, record.saqs, inst)
    ratings, rating_weeks = rating_chart(report.rating_trend, injected, today)
    week, month = _recent_adherence(record, analysis)
    return ProgressPage(
        patient_id=record.patient_id,
        name=record.name,
        today=today,
        saqs=saqs,
        latest=latest,
        latest_vs_baseline=latest_vs_baseline(latest, report, rows),
        cycles=rows,
        current=current(report.current),
        status=status,
        summary=summary(saqs, report, status),
        saq_chart=saq_chart(record.saqs, injected, today, inst),
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
    )


def saq_rows(saqs: Sequence[tuple[date, float]], injected: Sequence[date]) -> list[SaqRow]:
    """Each SAQ with the cycle it falls in: the latest injection on or before its day (day
    0: an SAQ on the injection day, answered before the injection, that cycle's baseline)."""
    rows = []
    for on, score in saqs:
        index = sum(1 for day in injected if day <= on) or None
        day = None if index is None else (on - injected[index - 1]).days
        rows.append(SaqRow(on, score, display_score(score), index, day))
    return rows


def current(now: cycles.CurrentCycle | None) -> Current | None:
    """Where the open cycle is, with its projected wear-off or why there is none."""
    if now is None:
        return None
    projection, note = Figure(None, now.projection_reason), None
    if now.projected_wear_off_on is not None:
        used = now.projection_based_on
        projection = Figure(
            f"{formatting.day(now.projected_wear_off_on)} (day {now.projected_wear_off_day})"
        )
        note = (
            f"The median of the wear-off days of the {len(used)} earlier cycles that "
            f"had one: {', '.join(str(d) for d in used)}."
        )
    return Current(
        index=now.index,
        injected_on=now.injected_on,
        days_since=now.days_since_injection,
        phase_label=now.phase.label,
        phase_help=PHASE_HELP[now.phase],
        projection=projection,
        projection_note=note,
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


def latest_vs_baseline(
    latest: SaqRow | None, report: cycles.ProgressReport, rows: Sequence[CycleRow]
) -> Figure:
    """The latest SAQ against the open cycle's baseline, in words."""
    if latest is None:
        return Figure(None, "No SAQ has been answered yet.")
    if report.current is None:
        return Figure(None, "No injection is recorded, so there is no baseline to compare with.")
    summary = report.cycles[-1]
    if summary.baseline is None:
        return Figure(None, rows[-1].saq.baseline.reason)
    if latest.answered_on < summary.injected_on:
        return Figure(None, "No SAQ since the latest injection yet.")
    difference = latest.score - summary.baseline
    if abs(difference) < SAME:
        word = "the same as"
    elif difference < 0:
        word = f"{display_score(-difference)} points lower (better) than"
    else:
        word = f"{display_score(difference)} points higher (worse) than"
    return Figure(
        f"{latest.score_text} on {formatting.day(latest.answered_on)}: {word} the baseline of "
        f"{display_score(summary.baseline)}"
    )


def summary(saqs: Sequence[SaqRow], report: cycles.ProgressReport, status: SaqStatus) -> list[str]:
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
            _latest_in_words(saqs, report.cycles[-1] if report.cycles else None),
        ]
    if status.due:
        lines.append("A questionnaire is due now. It takes about two minutes.")
    else:
        lines.append(f"Your next questionnaire is due on {formatting.day(status.due_on)}.")
    return [line for line in lines if line]


def _latest_in_words(saqs: Sequence[SaqRow], cycle: cycles.CycleSummary | None) -> str:
    """The latest score against the latest injection's baseline, else the first score."""
    latest = saqs[-1]
    if cycle is not None and cycle.baseline is not None and latest.answered_on > cycle.injected_on:
        difference = cycle.baseline - latest.score
        if difference >= SAME:
            return (
                f"Your latest score, {latest.score_text}, is {display_score(difference)} "
                "points lower than before your latest injection. Lower means less "
                "synkinesis: that is a good sign."
            )
        return (
            f"Your latest score is {latest.score_text}. Scores go up and down from week to "
            "week; your care team looks at the whole picture with you."
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
