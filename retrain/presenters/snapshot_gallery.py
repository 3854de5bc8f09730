"""A patient's photos as the pages show them: cards, galleries by expression, the
capture plan. Loaded rows and plain values in, dataclasses out; no database, no Flask.

Dates are the patient's own calendar days: callers pass the patient's zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from .. import formatting
from ..models import Patient, Snapshot
from ..models.snapshots import DEFAULT_EXPRESSIONS, EXPRESSION_CHOICES, PROMPTS


def chosen_expressions(patient: Patient) -> list[str]:
    """The expressions the therapist chose for this patient, in the order they are taken."""
    chosen = patient.snapshot_expressions or DEFAULT_EXPRESSIONS
    return [e for e in chosen if e in PROMPTS]


def eye_positions(row: Snapshot) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(subject's right, subject's left) iris centres in stored-image pixels, if known."""
    centres = (row.measures or {}).get("iris_centres")
    try:
        right, left = centres["right"], centres["left"]
        return (float(right[0]), float(right[1])), (float(left[0]), float(left[1]))
    except (TypeError, KeyError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Card:
    """One photo as a page shows it."""

    id: int
    expression: str
    taken_at: datetime
    taken_on: date  # the patient's own calendar day
    analysed: bool
    ok: bool
    hints: list[str]
    pending: bool  # stored, its check not finished yet
    session_id: int | None
    alignable: bool  # the eyes were found, so the photo can be lined up on them

    @property
    def date_label(self) -> str:
        return formatting.short_day(self.taken_on)

    @property
    def badge(self) -> tuple[str, str]:
        """(css class, text) for the quality badge."""
        if self.pending:
            return "muted", "Being checked"
        if not self.analysed:
            return "muted", "Not measured"
        if self.ok:
            return "ok", "Good photo"
        return "warn", "Retake suggested"


def card(row: Snapshot, zone: tzinfo) -> Card:
    quality = row.quality or {}
    return Card(
        id=row.id,
        expression=row.expression,
        taken_at=row.taken_at,
        taken_on=row.taken_at.astimezone(zone).date(),
        analysed=bool(quality.get("analysed")),
        ok=bool(quality.get("ok")),
        hints=[f.get("message", "") for f in quality.get("flags", [])],
        pending=bool(quality.get("pending")),
        session_id=row.session_id,
        alignable=eye_positions(row) is not None,
    )


@dataclass(frozen=True)
class Group:
    expression: str
    prompt: str
    cards: list[Card]  # oldest first
    in_set: bool  # one of the expressions the therapist chose


@dataclass(frozen=True)
class Gallery:
    patient_id: int
    patient_name: str
    consent: bool
    expressions: list[str]  # the chosen set
    groups: list[Group]
    total: int


def gallery(patient: Patient, rows: Iterable[Snapshot], zone: tzinfo) -> Gallery:
    """The chosen expressions first (even without photos), then others that have photos."""
    by_expression: dict[str, list[Card]] = defaultdict(list)
    total = 0
    for row in rows:
        by_expression[row.expression].append(card(row, zone))
        total += 1
    chosen = chosen_expressions(patient)
    order = (
        chosen
        + [e for e in EXPRESSION_CHOICES if e not in chosen]
        + sorted(e for e in by_expression if e not in EXPRESSION_CHOICES)
    )
    groups = [
        Group(e, PROMPTS.get(e, ""), by_expression.get(e, []), e in chosen)
        for e in order
        if e in chosen or by_expression.get(e)
    ]
    return Gallery(
        patient_id=patient.id,
        patient_name=patient.user.name,
        consent=patient.photo_consent_at is not None,
        expressions=chosen,
        groups=groups,
        total=total,
    )


@dataclass(frozen=True)
class Step:
    expression: str
    prompt: str


@dataclass(frozen=True)
class CapturePlan:
    steps: list[Step]
    session_id: int | None  # the practice session the photos belong to
    first: str | None  # the expression to start with (a retake); None: the first step


def capture_plan(patient: Patient, session_id: int | None, first: str | None) -> CapturePlan:
    steps = [Step(e, PROMPTS[e]) for e in chosen_expressions(patient)]
    if first not in {s.expression for s in steps}:
        first = None
    return CapturePlan(steps, session_id, first)
