"""The staff patient page's chart: the patient's daily synkinesis rating and how hard the
session felt, with each programme change marked (issue 16 part 2).

Plain values in (the local day, effort and rating of each session; the start days of the
programme versions), an SVG out. A day with several sessions shows their mean. The two
scales differ (synkinesis 0-10, effort 1-5) and are drawn on their own axis each: the
effort is plotted at twice its value on the 0-10 axis and the legend says so, so that
neither is mistaken for the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .. import formatting
from ..progress import charts

CHART_DAYS = 56  # eight weeks: two programme reviews at the usual 4-week interval


@dataclass(frozen=True)
class DailyPoint:
    day: date
    synkinesis: float  # mean 0-10 rating of the day's sessions
    effort: float  # mean 1-5 effort of the day's sessions


@dataclass(frozen=True)
class PracticeChart:
    svg: charts.Svg
    title: str
    points: list[DailyPoint]  # oldest first, for the table beside the chart


def daily_means(sessions: Sequence[tuple[date, int, int]]) -> list[DailyPoint]:
    """(local day, effort, synkinesis rating) per session -> one mean point per day."""
    by_day: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for day, effort, rating in sessions:
        by_day[day].append((effort, rating))
    return [
        DailyPoint(
            day,
            round(sum(r for _, r in values) / len(values), 1),
            round(sum(e for e, _ in values) / len(values), 1),
        )
        for day, values in sorted(by_day.items())
    ]


def practice_chart(
    sessions: Sequence[tuple[date, int, int]],
    changes: Sequence[tuple[date, int]],
    today: date,
    days: int = CHART_DAYS,
) -> PracticeChart:
    """The last ``days`` days to ``today``; ``changes`` are (start day, version number)."""
    start = today - timedelta(days=days - 1)
    points = [p for p in daily_means(sessions) if start <= p.day <= today]
    title = "Daily synkinesis rating and effort"
    x = charts.date_axis(start, today)
    y = charts.Axis(0, 10, "Rating", ticks=charts.nice_ticks(0, 10, 5))
    marked = [(on, v) for on, v in changes if start <= on <= today]
    svg = charts.line_chart(
        chart_id="practice-chart",
        title=title,
        desc=_description(points, marked, start, today),
        x=x,
        y=y,
        series=[
            charts.Series(
                "Synkinesis felt (0-10)",
                tuple((p.day.toordinal(), p.synkinesis) for p in points),
                break_over=7,
            ),
            charts.Series(
                "How hard (1-5, shown ×2)",
                tuple((p.day.toordinal(), p.effort * 2) for p in points),
                stroke=charts.PALETTE[1],
                dash=charts.DASHES[1],
                break_over=7,
            ),
        ],
        vlines=[charts.VLine(on.toordinal(), f"v{version}") for on, version in marked],
        empty_text="No sessions in these eight weeks.",
        layout=charts.Layout(legend_columns=1),
    )
    return PracticeChart(svg, title, points)


def _description(
    points: Sequence[DailyPoint], marked: Sequence[tuple[date, int]], start: date, end: date
) -> str:
    span = f"From {formatting.day(start)} to {formatting.day(end)}"
    if not points:
        return f"{span}: no sessions."
    latest = points[-1]
    words = (
        f"{span}: {len(points)} days with a session. On {formatting.day(latest.day)} "
        f"synkinesis felt {latest.synkinesis} of 10, effort {latest.effort} of 5."
    )
    if marked:
        words += " Programme changes: " + "; ".join(
            f"version {v} from {formatting.day(on)}" for on, v in marked
        )
        words += "."
    return words
