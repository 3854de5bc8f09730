"""The progress pages' charts: SAQ over time, the cycles overlaid, the daily rating trend.

Each chart is an SVG from retrain.progress.charts with a title and a description that
says in words what it shows, and comes with the rows of its data table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .. import formatting
from ..progress import adherence, charts, cycles
from ..progress.instruments import Instrument, display_score
from ..progress.phases import DEFAULT_PHASES, Phases
from ..progress.record import Visit
from ..progress.series import OVERLAY_DAYS_BEFORE, overlay_series

LOWER_IS_BETTER = "lower is better"


@dataclass(frozen=True)
class Chart:
    svg: charts.Svg
    title: str


@dataclass(frozen=True)
class OverlayRow:
    cycle_index: int
    injected_on: date
    points_text: str  # "day 21: 40.0; day 70: 45.0", or why there is none


@dataclass(frozen=True)
class RatingWeek:
    starts_on: date
    mean_text: str  # the 7-day mean on the week's last rated day


def _saq_axis(inst: Instrument) -> charts.Axis:
    low, high = inst.min_score, inst.max_score
    return charts.Axis(low=low, high=high, label="SAQ score", ticks=charts.nice_ticks(low, high, 4))


def _injection_lines(visits: Sequence[Visit]) -> list[charts.VLine]:
    """A dashed line per visit: the cycle's number, "+" after it for a top-up ("2+")."""
    lines, number = [], 0
    for visit in visits:
        top_up = visit.kind == cycles.TOP_UP and number > 0
        number += 0 if top_up else 1
        lines.append(charts.VLine(visit.on.toordinal(), f"{number}+" if top_up else str(number)))
    return lines


def _injection_words(visits: Sequence[Visit]) -> str:
    return "; ".join(
        f"{line.label}: {formatting.day(visit.on)}"
        for line, visit in zip(_injection_lines(visits), visits, strict=True)
    )


def saq_chart(
    saqs: Sequence[tuple[date, float]], visits: Sequence[Visit], today: date, inst: Instrument
) -> Chart:
    """Every SAQ score by date, the injections as numbered dashed lines."""
    title = "SAQ score over time"
    dates = [on for on, _ in saqs] + [visit.on for visit in visits]
    start = min(dates) - timedelta(days=7) if dates else today - timedelta(days=90)
    if saqs:
        desc = (
            f"{len(saqs)} SAQ scores from {formatting.day(saqs[0][0])} to "
            f"{formatting.day(saqs[-1][0])}; the latest is {display_score(saqs[-1][1])}. "
            "Lower scores mean less synkinesis."
        )
    else:
        desc = "No SAQ has been answered yet."
    if visits:
        desc += (
            " Injections are marked by dashed lines, numbered by cycle (a top-up is the "
            f"cycle's number with a plus): {_injection_words(visits)}."
        )
    svg = charts.line_chart(
        chart_id="saq-chart",
        title=title,
        desc=desc,
        x=charts.date_axis(start, today + timedelta(days=3), newest=saqs[-1][0] if saqs else None),
        y=_saq_axis(inst),
        series=[charts.Series("SAQ", tuple((on.toordinal(), score) for on, score in saqs))],
        vlines=_injection_lines(visits),
        empty_text="No questionnaire answered yet.",
        y_note=LOWER_IS_BETTER,
    )
    return Chart(svg, title)


def _phase_bands(phases: Phases) -> list[charts.Band]:
    return [
        charts.Band(0, phases.onset_last_day, "", "#f6f1e7"),
        charts.Band(phases.onset_last_day, phases.building_last_day, "building", "#eef3f4"),
        charts.Band(
            phases.building_last_day, phases.full_effect_last_day, "full effect", "#e3eef0"
        ),
        charts.Band(
            phases.full_effect_last_day, phases.wearing_off_last_day, "wearing off", "#eef3f4"
        ),
    ]


def overlay_chart(
    report: cycles.ProgressReport, saqs: Sequence[tuple[date, float]], inst: Instrument
) -> tuple[Chart | None, list[OverlayRow]]:
    """Every cycle's SAQ by days since its own injection, on one chart (None: no cycle)."""
    if not report.cycles:
        return None, []
    overlay = overlay_series(report, saqs)
    longest = max(
        [day for item in overlay for day, _ in item.points] + [DEFAULT_PHASES.wearing_off_last_day]
    )
    high = min(365, ((longest // 30) + 1) * 30)
    series, table = [], []
    for position, item in enumerate(overlay):
        style = charts.series_style(len(overlay) - 1 - position)
        label = f"{item.cycle_index}: {formatting.short_day(item.injected_on)}"
        series.append(
            charts.Series(label, tuple(item.points), css=f"cycle-{item.cycle_index}", **style)
        )
        points = "; ".join(f"day {d}: {display_score(v)}" for d, v in item.points)
        table.append(
            OverlayRow(item.cycle_index, item.injected_on, points or "No SAQ in this cycle.")
        )
    title = "All cycles overlaid: SAQ by days since injection"
    desc = (
        f"{len(overlay)} {'cycle' if len(overlay) == 1 else 'cycles'} drawn "
        f"from {OVERLAY_DAYS_BEFORE} days before each injection (day 0) to the next injection; "
        "the newest cycle is the thickest line, cycles older than the last four are grey. "
        "Shaded bands mark the usual phases. Lower scores mean less synkinesis."
    )
    if longest > high:
        desc += f" Points after day {high} are not drawn; the table lists them."
    ticks = tuple((d, str(d)) for d in range(-30, high + 1, 30))
    svg = charts.line_chart(
        chart_id="overlay-chart",
        title=title,
        desc=desc,
        x=charts.Axis(-OVERLAY_DAYS_BEFORE, high, "Days since injection", ticks),
        y=_saq_axis(inst),
        series=series,
        vlines=[charts.VLine(0, "injection")],
        bands=_phase_bands(report.phases),
        layout=charts.Layout(height=320, top=40),
        empty_text="No SAQ within any cycle yet.",
        y_note=LOWER_IS_BETTER,
        focus=min(max([0, *(day for day, _ in overlay[-1].points)]), high),
    )
    return Chart(svg, title), table


def rating_chart(
    trend: Sequence[tuple[date, float]], visits: Sequence[Visit], today: date
) -> tuple[Chart | None, list[RatingWeek]]:
    """The 7-day mean of the daily rating by date (None: no mean yet), with one table row
    per week: the mean on the week's last rated day."""
    if not trend:
        return None, []
    title = "Daily synkinesis rating: 7-day mean"
    start = min([trend[0][0], *(visit.on for visit in visits)]) - timedelta(days=7)
    desc = (
        f"The 7-day mean of the patient's own synkinesis rating (0 none to 10 worst), "
        f"{len(trend)} days with a value from {formatting.day(trend[0][0])} to "
        f"{formatting.day(trend[-1][0])}; the latest is {formatting.one_decimal(trend[-1][1])}. "
        "Gaps are periods with fewer than 3 ratings in 7 days. Injections are dashed lines, "
        "numbered by cycle (a top-up is the cycle's number with a plus)."
    )
    svg = charts.line_chart(
        chart_id="rating-chart",
        title=title,
        desc=desc,
        x=charts.date_axis(start, today + timedelta(days=3), newest=trend[-1][0]),
        y=charts.Axis(0, 10, "Rating, 7-day mean", charts.nice_ticks(0, 10, 5)),
        series=[
            charts.Series(
                "7-day mean",
                tuple((on.toordinal(), value) for on, value in trend),
                stroke=charts.PALETTE[1],
                dots=False,
                break_over=7,
            )
        ],
        vlines=_injection_lines(visits),
        y_note=LOWER_IS_BETTER,
    )
    weeks: dict[date, float] = {}
    for on, value in trend:
        weeks[adherence.week_start(on)] = value  # the last rated day of each week wins
    table = [
        RatingWeek(week, formatting.one_decimal(value)) for week, value in sorted(weeks.items())
    ]
    return Chart(svg, title), table
