"""Each Botox cycle as the progress pages show it: every figure as text, or why it is missing.

The figures are worked out by retrain.progress.cycles (defined in docs/progress.md);
this module only words them, on the SAQ and on the daily rating alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta

from .. import formatting
from ..models import MUSCLES, PRODUCT_LABELS
from ..progress import cycles
from ..progress.change import Change, classify
from ..progress.instruments import display_score
from ..progress.record import Analysis, Visit

# The two series a cycle is measured on, as the reasons for a missing figure name them.
SAQ = "SAQ"
RATING = "7-day mean rating"


@dataclass(frozen=True)
class Figure:
    """A value as text, or the reason there is none."""

    text: str | None
    reason: str | None = None

    @property
    def missing(self) -> bool:
        return self.text is None


@dataclass(frozen=True)
class DoseRow:
    muscle: str
    left: str  # units text, "" when none; "5 + 2" when a top-up added to the first visit
    right: str


@dataclass(frozen=True)
class DoseGroup:
    product: str
    product_label: str
    rows: list[DoseRow]
    total_text: str  # within this product only


@dataclass(frozen=True)
class Measures:
    """Baseline, best, response and wear-off of one series (SAQ or rating) in one cycle."""

    baseline: Figure
    best: Figure
    response: Figure
    wear_off: Figure


@dataclass(frozen=True)
class TopUpLink:
    visit_id: int | None
    text: str  # "Top-up 25 Jan 2026 (day 20)"


@dataclass(frozen=True)
class CycleRow:
    index: int
    visit_id: int | None  # the cycle's first visit
    injected_on: date
    ends_on: date | None
    is_open: bool
    length_text: str
    product_label: str
    saq: Measures
    rating: Measures
    adherence: Figure
    doses: list[DoseGroup]
    top_ups: list[TopUpLink]
    change: Change | None  # the SAQ response by the meaningful-change rule
    worse: bool  # the SAQ got worse by at least the minimum important change


def cycle_rows(
    analysis: Analysis, visits: Sequence[Visit], today: date, floor: float
) -> list[CycleRow]:
    """One row per cycle, oldest first. ``floor``: the SAQ's best possible score."""
    report = analysis.report
    ids = {visit.on: visit.id for visit in visits}
    rows = []
    for summary in report.cycles:
        length = (
            f"{summary.length_days} days"
            if summary.ends_on
            else f"open, day {(analysis.as_of - summary.injected_on).days}"
        )
        change = response_change(summary, analysis, floor)
        rows.append(
            CycleRow(
                index=summary.index,
                visit_id=ids.get(summary.injected_on),
                injected_on=summary.injected_on,
                ends_on=summary.ends_on,
                is_open=summary.is_open,
                length_text=length,
                product_label=PRODUCT_LABELS.get(summary.product, summary.product),
                saq=measures(measure_of(summary), report.saq_by_day, summary, today, SAQ, change),
                rating=measures(
                    measure_of(summary, "rating_"), report.rating_trend, summary, today, RATING
                ),
                adherence=cycle_adherence(summary),
                doses=dose_groups(summary),
                top_ups=[
                    TopUpLink(ids.get(t.on), f"Top-up {formatting.short_day(t.on)} (day {t.day})")
                    for t in summary.top_ups
                ],
                change=change,
                worse=change is Change.WORSE,
            )
        )
    return rows


def response_change(
    summary: cycles.CycleSummary, analysis: Analysis, floor: float
) -> Change | None:
    """The SAQ response (baseline against best) by the meaningful-change rule."""
    if summary.baseline is None or summary.best is None:
        return None
    return classify(
        summary.baseline,
        summary.best,
        min_change=analysis.rules.min_important_change,
        floor=floor,
    )


def measure_of(summary: cycles.CycleSummary, prefix: str = "") -> cycles.CycleMeasure:
    """The SAQ's measure of a cycle (prefix ""), or the rating's (prefix "rating_")."""
    names = [f.name for f in fields(cycles.CycleMeasure)]
    return cycles.CycleMeasure(**{name: getattr(summary, prefix + name) for name in names})


def measures(
    measure: cycles.CycleMeasure,
    daily: Sequence[tuple[date, float]],
    cycle: cycles.CycleSummary,
    today: date,
    what: str,
    change: Change | None = None,
) -> Measures:
    """The four figures of ``what`` (SAQ or RATING), each with the reason it is missing;
    ``change`` (the SAQ's) labels a response within measurement noise, at the floor or
    worse."""
    number = formatting.one_decimal if what == RATING else display_score
    return Measures(
        baseline=_baseline(measure, number, what),
        best=_best(measure, cycle, today, number, what),
        response=_response(measure, number, change),
        wear_off=_wear_off(measure, daily, cycle, what, change),
    )


WHILE_WORKING = "taken while the previous injection was working"


def _baseline(m: cycles.CycleMeasure, number, what: str) -> Figure:
    if m.baseline is not None:
        flag = f": {WHILE_WORKING}" if m.baseline_while_working else ""
        return Figure(f"{number(m.baseline)} (day {m.baseline_day}){flag}")
    reason = f"No {what} in the {cycles.BASELINE_WINDOW_DAYS} days before this injection."
    if what == RATING:
        reason += " A 7-day mean needs at least 3 ratings within 7 days."
    return Figure(None, reason)


def _best(m: cycles.CycleMeasure, cycle: cycles.CycleSummary, today: date, number, what) -> Figure:
    if m.best is not None:
        # The cycle's lowest score: where that is not below the baseline, "best" alone
        # would read as an improvement.
        worse = m.baseline is not None and m.best >= m.baseline
        return Figure(
            f"{number(m.best)} (day {m.best_day})"
            + (", no better than the baseline" if worse else "")
        )
    days_in = ((cycle.ends_on or today) - cycle.injected_on).days
    if days_in >= cycles.BEST_FIRST_DAY:
        return Figure(
            None, f"No {what} between days {cycles.BEST_FIRST_DAY} and {cycles.BEST_LAST_DAY}."
        )
    if cycle.is_open:
        return Figure(None, f"Too early: the best is looked for from day {cycles.BEST_FIRST_DAY}.")
    return Figure(None, f"The cycle ended before day {cycles.BEST_FIRST_DAY}.")


def _response(m: cycles.CycleMeasure, number, change: Change | None) -> Figure:
    if m.response_points is not None:
        percent = "" if m.response_pct is None else f" ({m.response_pct:.0f} %)"
        label = "" if change in (None, Change.BETTER) else f": {change.label}"
        return Figure(f"{number(m.response_points)}{percent}{label}")
    missing = [
        name for name, value in (("a baseline", m.baseline), ("a best", m.best)) if value is None
    ]
    return Figure(None, f"Needs {' and '.join(missing)}.")


def _wear_off(
    m: cycles.CycleMeasure,
    daily: Sequence[tuple[date, float]],
    cycle: cycles.CycleSummary,
    what: str,
    change: Change | None = None,
) -> Figure:
    if m.wear_off_day is not None:
        on = cycle.injected_on + timedelta(days=m.wear_off_day)
        return Figure(f"day {m.wear_off_day} ({formatting.short_day(on)})")
    if m.response_points is None:
        return Figure(None, "Needs a response (a baseline and a best) first.")
    if change is Change.AT_FLOOR and m.response_points <= 0:
        return Figure(None, "The baseline was at the floor of the scale: no room to improve.")
    if m.response_points <= 0:
        return Figure(None, "No improvement on the baseline in this cycle, so nothing to wear off.")
    best_on = cycle.injected_on + timedelta(days=m.best_day)
    later = [
        on for on, _ in daily if best_on < on and (cycle.ends_on is None or on <= cycle.ends_on)
    ]
    if not later:
        where = "yet" if cycle.is_open else "in this cycle"
        return Figure(None, f"No {what} after the best day {where}.")
    if cycle.is_open:
        return Figure(None, f"Not reached yet: the {what} has not regained half of the response.")
    return Figure(
        None, f"The {what} had not regained half of the response before the next injection."
    )


def cycle_adherence(summary: cycles.CycleSummary) -> Figure:
    if summary.adherence is None:
        return Figure(None, "No programme was prescribed during this cycle.")
    return Figure(
        adherence_text(summary.adherence, summary.sessions_done, summary.sessions_prescribed)
    )


def adherence_text(percent: float, done: int, prescribed: float) -> str:
    """64 % (9 of 14 sessions)."""
    return f"{percent:.0f} % ({done} of {prescribed:.0f} sessions)"


def dose_groups(cycle: cycles.CycleSummary) -> list[DoseGroup]:
    """Units per muscle and side, one group per product (never added across products).
    A top-up's units follow the first visit's after a plus sign ("5 + 2", or "+ 2" for a
    site the first visit did not inject), so the map reads first visit + top-up."""
    first: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    added: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(lambda: defaultdict(list))
    for (product, muscle, side), units in cycle.first_doses.items():
        first[product][(muscle, side)] = units
    for top_up in cycle.top_ups:
        for (product, muscle, side), units in top_up.doses.items():
            added[product][(muscle, side)].append(units)
    groups = []
    for product in dict.fromkeys([*first, *added]):
        sites = {
            key: (first[product].get(key), tuple(added[product].get(key, ())))
            for key in dict.fromkeys([*first[product], *added[product]])
        }
        total = sum((f or 0) + sum(more) for f, more in sites.values())
        groups.append(
            DoseGroup(
                product=product,
                product_label=PRODUCT_LABELS.get(product, product),
                rows=dose_rows(sites),
                total_text=formatting.units(total),
            )
        )
    return groups


def _units_text(amount: float | tuple[float | None, tuple[float, ...]] | None) -> str:
    """Units as text: a number, or (first visit's units or None, top-ups' units)."""
    if amount is None:
        return ""
    if not isinstance(amount, tuple):
        return formatting.units(amount)
    first, added = amount
    text = " + ".join(formatting.units(u) for u in ([first] if first else []) + list(added))
    return text if first else f"+ {text}"


def dose_rows(units: dict[tuple[str, str], float | tuple]) -> list[DoseRow]:
    """One row per muscle, in the order of models.MUSCLES (top of the face down; unknown
    names last), from the units per (muscle, side); "" for a side without any. A value
    may be (the first visit's units or None, the top-ups' units): "5 + 2", "+ 2"."""

    def text(muscle: str, side: str) -> str:
        return _units_text(units.get((muscle, side)))

    muscles = sorted(
        {m for m, _ in units}, key=lambda m: MUSCLES.index(m) if m in MUSCLES else len(MUSCLES)
    )
    return [DoseRow(m, text(m, "left"), text(m, "right")) for m in muscles]
