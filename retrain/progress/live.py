"""Live feedback's rules and numbers, as the server keeps them (docs/live-feedback.md).

The browser measures (static/js/live/); the server stores, per exercise, which movement
is the target and which must be held back (an exercise's ``live_rule``), a patient's own
limit per programme item, and the few numbers a session brings back. The measures, the
sides and the default limits are those of static/js/live/measures.js and scoring.js
(a unit test keeps them equal).
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# measure -> (measured per side?, what the patient reads)
MEASURES: dict[str, tuple[bool, str]] = {
    "eye_narrowing": (True, "Eye narrowing"),
    "mouth_corner": (True, "Mouth corner movement"),
    "brow_raise": (True, "Brow raise"),
    "brow_lower": (True, "Brow lowering"),
    "lip_pucker": (False, "Lip pucker"),
}
SIDES = {"affected": "affected side", "both": "both sides"}

# Held-back limits by measure (scoring.js DEFAULT_LIMITS; sources there and in the doc).
DEFAULT_LIMITS = {
    "eye_narrowing": 0.25,
    "mouth_corner": 0.03,
    "brow_raise": 0.03,
    "brow_lower": 0.03,
    "lip_pucker": 0.1,
}
# A therapist's limit: above the landmark noise (about 0.005 eye-corner distances) and at
# most the whole eye opening or mouth width.
LIMIT_RANGE = (0.005, 1.0)

# A session's numbers per exercise: what the browser can have measured at all.
MAX_REPS = 1000
FPS_RANGE = (0.0, 240.0)
HOLD_BACK_RANGE = (0.0, 5.0)  # fractions and eye-corner distances; a whole face is ~2


def part_choices() -> list[tuple[str, str]]:
    """Every "measure:side" a rule part may name, with its label (the library form)."""
    choices = []
    for measure, (per_side, label) in MEASURES.items():
        if per_side:
            choices += [(f"{measure}:{side}", f"{label}, {text}") for side, text in SIDES.items()]
        else:
            choices.append((f"{measure}:both", label))
    return choices


def part_key(part: Mapping | None) -> str:
    """A rule part as its "measure:side" choice; "" for none."""
    return f"{part['measure']}:{part['side']}" if part else ""


def part_from_key(key: str | None) -> dict | None:
    """A "measure:side" choice as a rule part; None for ""; ValueError when unknown."""
    if not key:
        return None
    measure, _, side = str(key).partition(":")
    if f"{measure}:{side}" not in dict(part_choices()):
        raise ValueError(key)
    return {"measure": measure, "side": side}


def rule_from_parts(target: str | None, hold_back: str | None) -> dict | None:
    """The rule stored on an exercise from the two choices; None when neither is measured."""
    rule = {"target": part_from_key(target), "hold_back": part_from_key(hold_back)}
    return rule if rule["target"] or rule["hold_back"] else None


def check_rule(rule) -> dict | None:
    """A rule read from data (the built-ins' file): only known measures, sides and numbers."""
    if rule is None:
        return None
    clean = {}
    for key, bound in (("target", "reach"), ("hold_back", "limit")):
        part = rule.get(key)
        if part is None:
            clean[key] = None
            continue
        clean[key] = part_from_key(part_key(part))
        if bound in part:
            value = float(part[bound])
            if not LIMIT_RANGE[0] <= value <= LIMIT_RANGE[1]:
                raise ValueError(f"{key}.{bound} out of range: {value}")
            clean[key][bound] = value
    return clean if clean["target"] or clean["hold_back"] else None


def default_limit(rule: Mapping | None) -> float | None:
    """The held-back limit a rule uses when the therapist set none."""
    part = (rule or {}).get("hold_back")
    if not part:
        return None
    return part.get("limit", DEFAULT_LIMITS[part["measure"]])


def describe(rule: Mapping | None) -> str:
    """A rule in words: "Target: brow raise, affected side. Hold back: ..."."""
    if not rule:
        return "Not measured live."
    words = []
    for key, title in (("target", "Target"), ("hold_back", "Hold back")):
        label = dict(part_choices()).get(part_key(rule.get(key)))
        if label:
            words.append(f"{title}: {label[0].lower()}{label[1:]}.")
    return " ".join(words)


# Trends of a patient's saved numbers ---------------------------------------------------


@dataclass(frozen=True)
class LiveExercise:
    """What the trends need of an exercise: its name and live rule."""

    id: int
    name: str
    rule: dict | None


@dataclass(frozen=True)
class LiveRecord:
    """One exercise of one session with live numbers, on the patient's local day."""

    day: date
    exercise_id: int
    reps_scored: int
    clean_reps: int | None
    median_hold_back: float | None


@dataclass(frozen=True)
class LiveSpan:
    """Live numbers summed over a span (a week, a cycle) for one exercise."""

    start: date
    sessions: int
    reps_scored: int
    clean_reps: int | None  # None: nothing to hold back, or nothing measured
    median_hold_back: float | None  # median of the sessions' medians

    @property
    def clean_share(self) -> float | None:
        if self.clean_reps is None or not self.reps_scored:
            return None
        return self.clean_reps / self.reps_scored


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _span(start: date, records: Sequence[LiveRecord]) -> LiveSpan:
    with_clean = [r for r in records if r.clean_reps is not None]
    medians = [r.median_hold_back for r in records if r.median_hold_back is not None]
    return LiveSpan(
        start=start,
        sessions=len(records),
        reps_scored=sum(r.reps_scored for r in records),
        clean_reps=sum(r.clean_reps for r in with_clean) if with_clean else None,
        median_hold_back=statistics.median(medians) if medians else None,
    )


def weekly(records: Iterable[LiveRecord]) -> dict[int, list[LiveSpan]]:
    """exercise id -> its weeks with live numbers, oldest first (weeks start on Monday).

    A week's clean share is its clean reps over the reps measured in the sessions that
    count clean reps, so an exercise with nothing to hold back never lowers it."""
    by_week: dict[int, dict[date, list[LiveRecord]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        by_week[record.exercise_id][week_start(record.day)].append(record)
    return {
        exercise: [_span(start, weeks[start]) for start in sorted(weeks)]
        for exercise, weeks in by_week.items()
    }


def by_cycle(
    records: Iterable[LiveRecord], cycles: Sequence[tuple[int, date, date | None]]
) -> dict[int, dict[int, LiveSpan]]:
    """cycle index -> exercise id -> the cycle's live numbers. ``cycles``: (index, first
    day, last day or None while open); a session before the first cycle is left out."""
    records = list(records)
    result: dict[int, dict[int, LiveSpan]] = {}
    for index, first, last in cycles:
        inside: dict[int, list[LiveRecord]] = defaultdict(list)
        for record in records:
            if first <= record.day and (last is None or record.day <= last):
                inside[record.exercise_id].append(record)
        result[index] = {exercise: _span(first, rows) for exercise, rows in inside.items()}
    return result
