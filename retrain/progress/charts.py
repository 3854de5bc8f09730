"""Charts as SVG markup, built on the server: no JavaScript, no Flask, no inline styles.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (the page
also shows the same numbers in a data table for screen readers). Colours and line
widths are SVG presentation attributes (``stroke``, ``fill``), never ``style="..."``,
so the pages keep a strict Content-Security-Policy; classes let the stylesheet adjust
them for print. Line series also differ by dash pattern, so they stay apart in black
and white and for colour-blind readers.

Pure Python: plain numbers in, a string of SVG out. The caller escapes nothing: every
text put into the markup is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# Colours with at least 4.5:1 contrast on white (WCAG AA for graphics needs 3:1).
INK = "#1c2326"
MUTED = "#4d5b61"
GRID = "#d5dde0"
PALETTE = ("#1f6f78", "#a34a00", "#5b3f8c", "#1f4e99", "#6b5300", "#8c2d5a")
OLDER = "#8a969b"  # older cycles on the overlay chart (3.1:1, drawn thin)
DASHES = (None, "6 3", "2 3", "8 3 2 3", "4 4", "1 2")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Text size in the chart's own units. A chart is never drawn narrower than 576 px
# (retrain.css: .chart-frame .chart-svg, 36rem) for its 640 units, so 16 units are at
# least 14.4 px on a 360 px phone (issue 16: axis text >= 14 px).
TEXT = "16"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Svg(str):
    """SVG markup built here, every text in it escaped: safe to place in a page as is.

    Jinja calls ``__html__`` and then leaves the string alone, so neither the pages nor
    the code between need Markup or ``|safe``.
    """

    # The series a legend names (two or more), for a page to show beside the chart as
    # text: on a phone the chart scrolls and its legend scrolls out of view with it.
    key: tuple[Series, ...] = ()
    # Where a phone opens the scrolled chart, as a share of its width (None: at its
    # right end, where a chart over dates has its newest points).
    open_at: float | None = None

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    label: str
    ticks: tuple[tuple[float, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.high > self.low:
            raise ValueError("an axis needs high > low")

    @property
    def ticks_on_axis(self) -> list[tuple[float, str]]:
        return [(value, label) for value, label in self.ticks if self.low <= value <= self.high]


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[float, float], ...]
    stroke: str = PALETTE[0]
    width: float = 2.0
    dash: str | None = None
    dots: bool = True  # a dot at each point (measured values), else only the line
    break_over: float | None = None  # leave a gap where two points are further apart in x
    css: str = ""


@dataclass(frozen=True)
class VLine:
    """A vertical marker, e.g. an injection date, with a short label at the top."""

    x: float
    label: str
    stroke: str = MUTED


@dataclass(frozen=True)
class Band:
    """A shaded x range with a label, e.g. a phase of the toxin's effect."""

    low: float
    high: float
    label: str
    fill: str = "#eef3f4"


@dataclass(frozen=True)
class Layout:
    width: int = 640
    height: int = 300  # plot area plus margins, legend rows are added below
    left: int = 48
    right: int = 16
    top: int = 28
    bottom: int = 44
    legend_row: int = 20
    legend_columns: int = 3


@dataclass(frozen=True)
class _Frame:
    """The axes and the plot's box: the layout less its margins."""

    x: Axis
    y: Axis
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float

    @classmethod
    def of(cls, x: Axis, y: Axis, layout: Layout) -> _Frame:
        right, bottom = layout.width - layout.right, layout.height - layout.bottom
        return cls(x, y, layout.left, layout.top, right, bottom)

    def px(self, x: float) -> float:
        span = self.plot_right - self.plot_left
        return self.plot_left + (x - self.x.low) / (self.x.high - self.x.low) * span

    def py(self, y: float) -> float:
        span = self.plot_bottom - self.plot_top
        return self.plot_bottom - (y - self.y.low) / (self.y.high - self.y.low) * span

    def inside(self, x: float, y: float) -> bool:
        return self.x.low <= x <= self.x.high and self.y.low <= y <= self.y.high

    def visible(self, points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        """The points inside the axes (``inside`` for a whole series at once)."""
        x_low, x_high, y_low, y_high = self.x.low, self.x.high, self.y.low, self.y.high
        return [(x, y) for x, y in points if x_low <= x <= x_high and y_low <= y <= y_high]

    def coordinates(self, points: Iterable[tuple[float, float]]) -> list[tuple[str, str]]:
        """Each point's (px, py) as text: px and py for a whole series, with the frame's
        numbers read once (a five-year series has thousands of points; the arithmetic
        is px's and py's, step for step, so the text is the same)."""
        left, x_low, x_width = self.plot_left, self.x.low, self.x.high - self.x.low
        x_span = self.plot_right - self.plot_left
        bottom, y_low, y_height = self.plot_bottom, self.y.low, self.y.high - self.y.low
        y_span = self.plot_bottom - self.plot_top
        return [
            (
                num(left + (x - x_low) / x_width * x_span),
                num(bottom - (y - y_low) / y_height * y_span),
            )
            for x, y in points
        ]


def num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing '.0'."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def svg_attrs(**attributes) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"')
    return " ".join(parts)


def svg_text(x: float, y: float, content: str, **attributes) -> str:
    return f"<text {svg_attrs(x=num(x), y=num(y), **attributes)}>{escape(content)}</text>"


# --- axes and ticks --------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[tuple[float, str], ...]:
    """Round tick values from ``low`` to ``high`` (both included when they are round)."""
    if high <= low:
        raise ValueError("high must be above low")
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step / 1000:
        ticks.append((value, num(value)))
        value += step
    return tuple(ticks)


# A tick closer than this to the newest point's own tick gives way to it (labels of ~16
# units would touch on a chart of a year or more).
NEWEST_TICK_GAP_DAYS = 21


def date_axis(start: date, end: date, label: str = "Date", newest: date | None = None) -> Axis:
    """An x axis over dates (as ordinals) with month or year ticks, whichever fits, and,
    with ``newest``, a tick naming that day ("24 Nov"): on a phone a chart of months shows
    a few weeks at a time, and its newest point would otherwise have no date beside it."""
    axis = _calendar_axis(start, end, label)
    if newest is None or not axis.low <= newest.toordinal() <= axis.high:
        return axis
    day = newest.toordinal()
    kept = [t for t in axis.ticks if abs(t[0] - day) >= NEWEST_TICK_GAP_DAYS]
    ticks = sorted([*kept, (day, f"{newest.day} {MONTHS[newest.month - 1]}")])
    return Axis(axis.low, axis.high, axis.label, tuple(ticks))


def _calendar_axis(start: date, end: date, label: str) -> Axis:
    if end <= start:
        end = date.fromordinal(start.toordinal() + 1)
    span_days = end.toordinal() - start.toordinal()
    ticks: list[tuple[float, str]] = []
    if span_days > 3 * 366:
        for year in range(start.year + (start.month > 1 or start.day > 1), end.year + 1):
            ticks.append((date(year, 1, 1).toordinal(), str(year)))
    else:
        months_between = 1 if span_days <= 200 else 3 if span_days <= 800 else 6
        year, month = start.year, start.month
        while True:
            month += 1
            if month > 12:
                year, month = year + 1, 1
            first = date(year, month, 1)
            if first > end:
                break
            if (month - 1) % months_between == 0:
                text = (
                    f"{MONTHS[month - 1]} {year}" if month == 1 or not ticks else MONTHS[month - 1]
                )
                ticks.append((first.toordinal(), text))
    return Axis(low=start.toordinal(), high=end.toordinal(), label=label, ticks=tuple(ticks))


# --- the line chart --------------------------------------------------------------------


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x: Axis,
    y: Axis,
    series: Sequence[Series],
    vlines: Sequence[VLine] = (),
    bands: Sequence[Band] = (),
    layout: Layout | None = None,
    empty_text: str = "Nothing to show yet.",
    y_note: str | None = None,
    focus: float | None = None,
) -> Svg:
    """An SVG line chart. Points outside the axes are left out (say so in ``desc``).

    ``focus``: the x a phone opens the chart at, whose points are marked newest, when
    the newest points are not the rightmost (days since each injection: the current
    cycle's days are the fewest); None: the rightmost points."""
    layout = layout or Layout()
    frame = _Frame.of(x, y, layout)
    shown = [s for s in series if s.points]
    legend_rows = math.ceil(len(shown) / layout.legend_columns) if len(shown) > 1 else 0
    height = layout.height + legend_rows * layout.legend_row
    out = _svg_head(chart_id, title, desc, layout.width, height)
    out += _bands(frame, bands)
    out += _grid(frame)
    if focus is not None:
        newest = focus
    else:
        newest = max((x for item in shown for x, _ in frame.visible(item.points)), default=None)
    out += _vlines(frame, vlines, newest)
    if not shown:
        out.append(
            svg_text(
                (frame.plot_left + frame.plot_right) / 2,
                (frame.plot_top + frame.plot_bottom) / 2,
                empty_text,
                text_anchor="middle",
                fill=MUTED,
            )
        )
    for item in shown:
        out += _series(frame, item, newest)
    out += _legend(frame, shown, layout)
    out += _y_axis(frame, y_note)
    out.append("</svg>")
    svg = Svg("\n".join(out))
    if len(shown) > 1:
        svg.key = tuple(shown)
    if focus is not None:
        svg.open_at = round(frame.px(focus) / layout.width, 3)
    return svg


def _svg_head(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    """The opening tag, its title and description (named as the chart's label), and the
    white ground."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" {svg_attrs(id=chart_id, class_="chart-svg")} '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" font-family="{escape(FONT)}" '
        f'font-size="{TEXT}" fill="{INK}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _bands(frame: _Frame, bands: Iterable[Band]) -> list[str]:
    out = []
    for band in bands:
        low, high = max(band.low, frame.x.low), min(band.high, frame.x.high)
        if high <= low:
            continue
        left, right = frame.px(low), frame.px(high)
        out.append(
            f'<rect class="chart-band" x="{num(left)}" y="{num(frame.plot_top)}" '
            f'width="{num(right - left)}" height="{num(frame.plot_bottom - frame.plot_top)}" '
            f'fill="{escape(band.fill)}"/>'
        )
        out.append(
            svg_text(
                (left + right) / 2,
                frame.plot_top - 6,
                band.label,
                text_anchor="middle",
                fill=MUTED,
            )
        )
    return out


def _grid(frame: _Frame) -> list[str]:
    left, right = frame.plot_left, frame.plot_right
    top, bottom = frame.plot_top, frame.plot_bottom
    out = ['<g class="chart-grid">']
    for value, _ in frame.y.ticks_on_axis:
        y = frame.py(value)
        out.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(right)}" y2="{num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    for value, label in frame.x.ticks_on_axis:
        x = frame.px(value)
        out.append(
            f'<line x1="{num(x)}" y1="{num(bottom)}" x2="{num(x)}" y2="{num(bottom + 5)}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
        out.append(svg_text(x, bottom + 19, label, text_anchor="middle", fill=MUTED))
    out.append(
        f'<line x1="{num(left)}" y1="{num(bottom)}" x2="{num(right)}" y2="{num(bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    out.append(
        f'<line x1="{num(left)}" y1="{num(top)}" x2="{num(left)}" y2="{num(bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    out.append(svg_text((left + right) / 2, bottom + 38, frame.x.label, text_anchor="middle"))
    out.append("</g>")
    return out


def _y_axis(frame: _Frame, y_note: str | None) -> list[str]:
    """The y axis's numbers and name on a white strip over the left margin, drawn last: a
    chart wider than a phone scrolls, and app.js moves this group along with the scroll so
    the scale stays in view beside the newest points."""
    out = [
        '<g class="chart-y-axis">',
        f'<rect x="0" y="0" width="{num(frame.plot_left - 1)}" '
        f'height="{num(frame.plot_bottom + 1)}" fill="#ffffff"/>',
    ]
    for value, label in frame.y.ticks_on_axis:
        y = frame.py(value) + 4
        out.append(svg_text(frame.plot_left - 6, y, label, text_anchor="end", fill=MUTED))
    y_label = frame.y.label + (f" ({y_note})" if y_note else "")
    out.append(svg_text(4, 16, y_label, fill=INK))
    out.append("</g>")
    return out


def _vlines(frame: _Frame, vlines: Iterable[VLine], newest: float | None = None) -> list[str]:
    out = []
    inside = [line for line in vlines if frame.x.low <= line.x <= frame.x.high]
    latest = max((line.x for line in inside), default=None)
    for line in inside:
        x = frame.px(line.x)
        # A marker after the newest point (an injection since the last score) is, like
        # that point, what a phone must show first.
        at_the_end = line.x == latest and (newest is None or latest >= newest)
        css = "chart-marker chart-newest" if at_the_end else "chart-marker"
        out.append(
            f'<line class="{css}" x1="{num(x)}" y1="{num(frame.plot_top)}" '
            f'x2="{num(x)}" y2="{num(frame.plot_bottom)}" stroke="{escape(line.stroke)}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        out.append(svg_text(x + 3, frame.plot_top + 14, line.label, fill=line.stroke))
    return out


def _series(frame: _Frame, item: Series, newest: float | None = None) -> list[str]:
    points = frame.visible(item.points)
    if not points:
        return []
    runs: list[list[tuple[float, float]]] = [[points[0]]]
    for previous, point in zip(points, points[1:], strict=False):
        if item.break_over is not None and point[0] - previous[0] > item.break_over:
            runs.append([point])
        else:
            runs[-1].append(point)
    css = "chart-series" + (f" {item.css}" if item.css else "")
    out = [f"<g {svg_attrs(class_=css)}>"]
    for run in runs:
        if len(run) > 1:
            (x0, y0), *rest = frame.coordinates(run)
            path = " ".join([f"M{x0} {y0}", *(f"L{x} {y}" for x, y in rest)])
            out.append(
                f"<path {svg_attrs(d=path, fill='none', stroke=item.stroke, stroke_width=item.width, stroke_dasharray=item.dash, stroke_linejoin='round')}/>"  # noqa: E501
            )
    if item.dots:
        fill = escape(item.stroke)
        for (x, _), (cx, cy) in zip(points, frame.coordinates(points), strict=True):
            css = ' class="chart-newest"' if x == newest else ""
            out.append(f'<circle{css} cx="{cx}" cy="{cy}" r="3" fill="{fill}"/>')
    out.append("</g>")
    return out


def _legend(frame: _Frame, shown: Sequence[Series], layout: Layout) -> list[str]:
    if len(shown) < 2:
        return []
    out = ['<g class="chart-legend">']
    column_width = (layout.width - layout.left - layout.right) / layout.legend_columns
    for index, item in enumerate(shown):
        row, column = divmod(index, layout.legend_columns)
        x = layout.left + column * column_width
        y = layout.height + row * layout.legend_row + 4
        out.append(
            f"<line {svg_attrs(x1=num(x), y1=num(y), x2=num(x + 24), y2=num(y), stroke=item.stroke, stroke_width=max(2, item.width), stroke_dasharray=item.dash)}/>"  # noqa: E501
        )
        out.append(svg_text(x + 30, y + 4, item.label))
    out.append("</g>")
    return out


def series_style(position_from_newest: int) -> dict:
    """Stroke, width and dash for the n-th newest series (0 = newest) on an overlay chart.

    The newest few get distinct colours and dash patterns; older ones are thin and grey,
    so the current cycle stands out among many.
    """
    if position_from_newest < 4:
        return {
            "stroke": PALETTE[position_from_newest],
            "width": 3.0 if position_from_newest == 0 else 2.0,
            "dash": DASHES[position_from_newest],
        }
    return {"stroke": OLDER, "width": 1.25, "dash": None}
