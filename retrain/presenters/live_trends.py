"""Live feedback's saved numbers as the care team reads them (docs/live-feedback.md):
per exercise, a weekly trend of clean repetitions and held-back movement (the therapist's
patient page), and per toxin cycle beside the SAQ (the clinician's review).

The numbers are change against the patient's own resting face, measured by the phone:
shown as a trend, never as a grade.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..progress import charts, live

CHART_LAYOUT = charts.Layout(width=560, height=240, left=44, legend_columns=1)


LiveExercise = live.LiveExercise


@dataclass(frozen=True)
class WeekRow:
    week: date
    sessions: int
    clean: str  # "7 of 9 (78 %)"
    hold_back: str  # "18 % of the eye opening"


@dataclass(frozen=True)
class ExerciseTrend:
    exercise_id: int
    name: str
    rule_text: str
    chart: charts.Svg
    title: str
    rows: list[WeekRow]  # newest first


@dataclass(frozen=True)
class CycleCell:
    name: str
    clean: str
    hold_back: str


def hold_back_text(value: float | None, rule: Mapping | None) -> str:
    """A median held-back movement in the unit of its measure."""
    if value is None:
        return "—"
    measure = ((rule or {}).get("hold_back") or {}).get("measure")
    if measure == "eye_narrowing":
        return f"{value * 100:.0f} % of the eye opening"
    if measure == "lip_pucker":
        return f"{value * 100:.0f} % of the mouth width"
    # Eye-corner distances: about 90 mm in adults (docs/live-feedback.md).
    return f"{value:.3f} eye-corner distances (about {value * 90:.1f} mm)"


def clean_text(span: live.LiveSpan) -> str:
    share = span.clean_share
    if share is None:
        noun = "repetition" if span.reps_scored == 1 else "repetitions"
        return f"{span.reps_scored} {noun} measured"
    return f"{span.clean_reps} of {span.reps_scored} ({share * 100:.0f} %)"


def _chart(exercise: LiveExercise, weeks: Sequence[live.LiveSpan], today: date):
    limit = live.default_limit(exercise.rule)
    clean = tuple(
        (w.start.toordinal(), w.clean_share * 100) for w in weeks if w.clean_share is not None
    )
    held = tuple(
        (w.start.toordinal(), w.median_hold_back / limit * 100)
        for w in weeks
        if limit and w.median_hold_back is not None
    )
    values = [y for _, y in clean + held]
    high = min(300, max(100, math.ceil(max(values, default=100) / 50) * 50))
    title = f"{exercise.name}: live feedback by week"
    desc = (
        "By week (Monday to Sunday): the share of measured repetitions whose held-back "
        "movement stayed under the patient's limit, and the median held-back movement as "
        "a percentage of the usual limit. Higher clean share and lower held-back movement "
        "are better."
    )
    if any(y > high for y in values):
        desc += f" Weeks above {high} % are not drawn; the table lists them."
    series = [
        charts.Series("Clean repetitions, % of measured", clean, stroke=charts.PALETTE[0]),
        charts.Series(
            "Held-back movement, % of the usual limit",
            held,
            stroke=charts.PALETTE[1],
            dash=charts.DASHES[1],
        ),
    ]
    start = weeks[0].start - timedelta(days=3)
    svg = charts.line_chart(
        chart_id=f"live-chart-{exercise.id}",
        title=title,
        desc=desc,
        x=charts.date_axis(start, today + timedelta(days=3)),
        y=charts.Axis(0, high, "%", charts.nice_ticks(0, high, 4)),
        series=series,
        layout=CHART_LAYOUT,
        empty_text="Not enough measured repetitions yet.",
    )
    return svg, title


def exercise_trends(
    weeks: Mapping[int, Sequence[live.LiveSpan]],
    exercises: Mapping[int, LiveExercise],
    today: date,
) -> list[ExerciseTrend]:
    """One trend per exercise with live numbers, in the order of ``exercises``."""
    trends = []
    for exercise_id, exercise in exercises.items():
        spans = weeks.get(exercise_id)
        if not spans:
            continue
        svg, title = _chart(exercise, spans, today)
        rows = [
            WeekRow(
                week=span.start,
                sessions=span.sessions,
                clean=clean_text(span),
                hold_back=hold_back_text(span.median_hold_back, exercise.rule),
            )
            for span in reversed(spans)
        ]
        trends.append(
            ExerciseTrend(
                exercise_id, exercise.name, live.describe(exercise.rule), svg, title, rows
            )
        )
    return trends


def cycle_cells(
    per_cycle: Mapping[int, Mapping[int, live.LiveSpan]],
    exercises: Mapping[int, LiveExercise],
) -> dict[int, list[CycleCell]]:
    """cycle index -> one cell per exercise measured in that cycle."""
    return {
        index: [
            CycleCell(
                name=exercise.name,
                clean=clean_text(spans[exercise_id]),
                hold_back=hold_back_text(spans[exercise_id].median_hold_back, exercise.rule),
            )
            for exercise_id, exercise in exercises.items()
            if exercise_id in spans
        ]
        for index, spans in per_cycle.items()
    }
