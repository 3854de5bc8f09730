"""Change measures of expression photos against the same day's rest photo, as the staff
pages show them: one photo in detail, and two photos side by side.

- Dynamic measures compare an expression photo with the rest photo of the SAME day
  (the patient's own calendar day). When a day has several photos of one expression
  (retakes), the one without quality flags is used, else the latest.
- Every number keeps its noise floor: a value closer to "no change" than twice its
  floor is labelled "within measurement noise"; mouth-corner values are labelled as
  likely underestimates (retrain/vision/measures.py, docs/vision.md).

Stored analyses in, dataclasses out; no database, no Flask.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, tzinfo

from ..models import Snapshot
from ..models.snapshots import EXPRESSION_CHOICES, PROMPTS, REST
from .snapshot_gallery import Card, card

log = logging.getLogger("retrain.snapshots")

# Change measures worth showing for each expression (names from vision.measures).
# Eye opening during a smile, pucker or snarl is the objective sign of ocular
# synkinesis (Laryngoscope 2013, doi 10.1002/lary.23778); during gentle closure it
# shows how completely each eye closes.
DYNAMIC = {
    "brow raise": ("brow_rise",),
    "gentle eye closure": ("eye_narrowing",),
    "full smile": ("eye_narrowing", "commissure_excursion", "mouth_corner_rise"),
    "pucker": ("eye_narrowing",),
    "snarl": ("eye_narrowing", "mouth_corner_rise"),
}
MEASURE_TITLES = {
    "eye_narrowing": "Eye opening, as a share of the opening at rest",
    "brow_rise": "Eyebrow rise from rest",
    "commissure_excursion": "Mouth corner movement from rest",
    "mouth_corner_rise": "Mouth corner rise from rest",
    "smile_angle_change": "Smile angle change from rest",
}
MEASURE_NOTES = {
    "eye_narrowing": "100 % = the eye is as open as at rest; lower = narrower.",
    "brow_rise": "Millimetres (approximate) the eyebrow moved up.",
    "commissure_excursion": "Millimetres (approximate) the mouth corner moved.",
    "mouth_corner_rise": "Millimetres (approximate) the mouth corner moved up.",
    "smile_angle_change": "Degrees.",
}
NO_REST_PHOTO = "There is no rest photo from the same day to compare with."
NO_FACE = "No face could be measured in this photo or in that day's rest photo."


def _vision():
    """retrain.vision (OpenCV, numpy), imported on first use: it adds a few tenths of a
    second and about 30 MB to every process at start (docs/performance.md)."""
    from .. import vision

    return vision


@dataclass(frozen=True)
class Value:
    text: str  # e.g. "78 %", "2.4 mm", "–"
    within_noise: bool
    underestimate: bool


@dataclass(frozen=True)
class MeasureRow:
    name: str
    title: str
    note: str
    right: Value
    left: Value
    difference: Value  # left minus right


@dataclass(frozen=True)
class DayMeasures:
    """Change measures of one expression photo against its day's rest photo."""

    rest_id: int | None
    usable: bool
    reasons: list[str]
    rows: list[MeasureRow] = field(default_factory=list)


def local_day(row: Snapshot, zone: tzinfo) -> date:
    return row.taken_at.astimezone(zone).date()


def preferred(rows: Iterable[Snapshot]) -> Snapshot | None:
    """Of several photos of one expression on one day: a good one, else the latest."""
    return max(
        rows,
        key=lambda row: (bool((row.quality or {}).get("ok")), row.taken_at, row.id),
        default=None,
    )


def rest_by_day(rows: Iterable[Snapshot], zone: tzinfo) -> dict[date, Snapshot]:
    """Each day's preferred rest photo."""
    days: dict[date, list[Snapshot]] = defaultdict(list)
    for row in rows:
        if row.expression == REST:
            days[local_day(row, zone)].append(row)
    return {day: preferred(candidates) for day, candidates in days.items()}


def _analysis(row: Snapshot):
    data = row.measures or {}
    if not data.get("geometry"):
        return None
    try:
        return _vision().Analysis.from_dict(data)
    except (KeyError, TypeError, ValueError):
        log.warning("snapshot %s: stored analysis could not be read", row.id)
        return None


def compare(rest: Snapshot | None, row: Snapshot):
    """(vision.DynamicMeasures, None), or (None, a plain reason why there are none)."""
    if rest is None:
        return None, NO_REST_PHOTO
    before, after = _analysis(rest), _analysis(row)
    if before is None or after is None:
        return None, NO_FACE
    return _vision().compare(before, after), None


def shown(measure) -> tuple[float, str]:
    """(value as shown, its text): eye opening ratios as percentages."""
    if measure.name.startswith("eye_narrowing") and measure.unit == "ratio":
        percent = measure.value * 100
        if measure.side is None:
            return percent, f"{percent:+.0f} points"
        return percent, f"{percent:.0f} %"
    unit = {"degrees": "°", "mm (approx.)": " mm"}.get(measure.unit, f" {measure.unit}")
    if measure.side is None:
        return measure.value, f"{measure.value:+.1f}{unit}"
    return measure.value, f"{measure.value:.1f}{unit}"


def value(measures, name: str, side: str | None) -> Value:
    """The measure ``name`` of ``side`` as a page shows it; a dash when there is none."""
    for m in measures:
        if m.name == name and m.side == side:
            return Value(shown(m)[1], m.within_noise, m.underestimate)
    return Value("–", False, False)


def _measure_rows(dynamic, expression: str) -> list[MeasureRow]:
    return [
        MeasureRow(
            name=name,
            title=MEASURE_TITLES[name],
            note=MEASURE_NOTES[name],
            right=value(dynamic.measures, name, "right"),
            left=value(dynamic.measures, name, "left"),
            difference=value(dynamic.measures, f"{name}_difference", None),
        )
        for name in DYNAMIC.get(expression, ())
    ]


def day_measures(row: Snapshot, rests: dict[date, Snapshot], zone: tzinfo) -> DayMeasures | None:
    """None for expressions without change measures (rest)."""
    if row.expression not in DYNAMIC:
        return None
    rest = rests.get(local_day(row, zone))
    dynamic, reason = compare(rest, row)
    if dynamic is None:
        return DayMeasures(rest.id if rest else None, False, [reason])
    return DayMeasures(
        rest.id, dynamic.usable, list(dynamic.reasons), _measure_rows(dynamic, row.expression)
    )


# --- one photo in detail ---------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    card: Card
    patient_id: int
    patient_name: str
    prompt: str
    measures: DayMeasures | None


def detail(row: Snapshot, patient_name: str, rests: Iterable[Snapshot], zone: tzinfo) -> Detail:
    """``rests``: the patient's rest photos around the photo's day (others are ignored)."""
    return Detail(
        card=card(row, zone),
        patient_id=row.patient_id,
        patient_name=patient_name,
        prompt=PROMPTS.get(row.expression, ""),
        measures=day_measures(row, rest_by_day(rests, zone), zone),
    )


# --- two photos side by side ------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    card: Card
    measures: DayMeasures | None


@dataclass(frozen=True)
class Comparison:
    patient_id: int
    patient_name: str
    expression: str
    choices: list[Card]  # every photo of this expression, newest first
    a: Side | None
    b: Side | None
    expressions: list[str]  # the expressions that have photos


def comparison(
    patient_id: int,
    patient_name: str,
    rows: list[Snapshot],
    expression: str,
    chosen: tuple[Snapshot | None, Snapshot | None],
    zone: tzinfo,
) -> Comparison:
    """``rows``: all the patient's photos, oldest first; ``chosen``: the two to show."""
    rests = rest_by_day(rows, zone)

    def side(row: Snapshot | None) -> Side | None:
        return None if row is None else Side(card(row, zone), day_measures(row, rests, zone))

    return Comparison(
        patient_id=patient_id,
        patient_name=patient_name,
        expression=expression,
        choices=[card(r, zone) for r in reversed(rows) if r.expression == expression],
        a=side(chosen[0]),
        b=side(chosen[1]),
        expressions=expressions_with_photos(rows),
    )


def expressions_with_photos(rows: Iterable[Snapshot]) -> list[str]:
    """The listed expressions that have at least one photo, in the usual order."""
    present = {row.expression for row in rows}
    return [e for e in EXPRESSION_CHOICES if e in present]
