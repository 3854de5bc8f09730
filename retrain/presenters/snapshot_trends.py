"""Each change measure over time, per side, with the injection dates marked: a chart
and its numbers for the care team's photo page.

One point per day: that day's preferred expression photo against that day's preferred
rest photo (snapshot_measures.py). Pairs with a quality flag are left out and counted.
Stored analyses in, dataclasses and SVG out; no database, no Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from .. import formatting
from ..models import Snapshot
from ..progress import charts
from .snapshot_measures import (
    DYNAMIC,
    MEASURE_NOTES,
    MEASURE_TITLES,
    Value,
    compare,
    local_day,
    preferred,
    rest_by_day,
    shown,
    value,
)

SIDES = ("right", "left")


@dataclass(frozen=True)
class TrendRow:
    day_label: str
    days_since_injection: int | None
    right: Value
    left: Value


@dataclass(frozen=True)
class Trend:
    chart_id: str
    expression: str
    name: str
    title: str
    note: str
    svg: charts.Svg  # escaped by the chart module, placed in the page as is
    rows: list[TrendRow]
    left_out: int  # days not shown because of quality flags
    underestimate: bool


def days_since(day: date, injections: Sequence[date]) -> int | None:
    """Days from the latest injection on or before ``day``; None before the first."""
    before = [d for d in injections if d <= day]
    return (day - before[-1]).days if before else None


def trends(
    rows: Sequence[Snapshot], zone: tzinfo, injections: Sequence[date], today: date
) -> list[Trend]:
    """``rows``: all the patient's photos; ``injections``: their injection dates, in order."""
    rests = rest_by_day(rows, zone)
    out = []
    for expression, names in DYNAMIC.items():
        per_day: dict[date, list[Snapshot]] = defaultdict(list)
        for row in rows:
            if row.expression == expression:
                per_day[local_day(row, zone)].append(row)
        usable, left_out = [], 0
        for day in sorted(per_day):
            dynamic, _reason = compare(rests.get(day), preferred(per_day[day]))
            if dynamic is None:
                continue
            if not dynamic.usable:
                left_out += 1
                continue
            usable.append((day, dynamic))
        if usable or left_out:
            out.extend(
                _trend(expression, name, usable, left_out, injections, today) for name in names
            )
    return out


def _trend(expression, name, usable, left_out, injections, today) -> Trend:
    points = {side: [] for side in SIDES}
    table = []
    underestimate = False
    for day, dynamic in usable:
        of_day = [m for m in dynamic.measures if m.name == name and m.side in SIDES]
        for measure in of_day:
            underestimate = underestimate or measure.underestimate
            points[measure.side].append((day.toordinal(), shown(measure)[0]))
        table.append(
            TrendRow(
                day_label=formatting.short_day(day),
                days_since_injection=days_since(day, injections),
                right=value(of_day, name, "right"),
                left=value(of_day, name, "left"),
            )
        )
    chart_id = f"trend-{expression.replace(' ', '-')}-{name.replace('_', '-')}"
    title = f"{MEASURE_TITLES[name]}: {expression}"
    days = [day for day, _ in usable]
    return Trend(
        chart_id=chart_id,
        expression=expression,
        name=name,
        title=title,
        note=MEASURE_NOTES[name],
        svg=_chart(chart_id, title, name, points, days, injections, left_out, today),
        rows=table,
        left_out=left_out,
        underestimate=underestimate,
    )


def _chart(chart_id, title, name, points, days, injections, left_out, today) -> charts.Svg:
    values = [v for side in points.values() for _x, v in side]
    reference = 100.0 if name == "eye_narrowing" else 0.0
    if days:
        start, end = min(days) - timedelta(days=7), max(days) + timedelta(days=7)
    else:
        start, end = today - timedelta(days=30), today
    low, high = min([reference, *values]), max([reference, *values])
    pad = max((high - low) * 0.1, 5.0 if name == "eye_narrowing" else 0.5)
    low, high = low - pad, high + pad
    unit = {"eye_narrowing": "%", "smile_angle_change": "degrees"}.get(name, "mm")
    desc = (
        f"{len(days)} days with photos, the patient's right and left sides. "
        "Dashed upright lines are injection dates."
    )
    if left_out:
        desc += f" {left_out} days left out because of photo quality."
    series = [
        charts.Series("Right side", tuple(points["right"]), stroke=charts.PALETTE[0]),
        charts.Series(
            "Left side", tuple(points["left"]), stroke=charts.PALETTE[1], dash=charts.DASHES[1]
        ),
    ]
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        x=charts.date_axis(start, end),
        y=charts.Axis(low, high, unit, charts.nice_ticks(low, high)),
        series=series,
        vlines=[charts.VLine(d.toordinal(), "Injection") for d in injections if start <= d <= end],
        empty_text="No photos fit to measure yet.",
    )
