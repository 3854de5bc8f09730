"""Sunnybrook gradings as the review shows them: a table, the latest one, and the
gradings of each cycle (scores by retrain.progress.graded, docs/progress.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .. import formatting
from ..progress import cycles
from ..progress.graded import GradedInstrument, grade
from ..progress.instruments import AnswerError
from ..progress.record import Grading
from .progress_cycles import Figure


@dataclass(frozen=True)
class GradingRow:
    on: date
    composite: int
    subscores: dict[str, int] | None  # by section key; None: answers do not fit the file
    cycle_index: int | None  # the cycle it falls in (None: before any injection)
    cycle_day: int | None

    @property
    def short_text(self) -> str:
        day = "" if self.cycle_day is None else f", day {self.cycle_day}"
        return f"{self.composite} ({formatting.short_day(self.on)}{day})"


def grading_rows(
    gradings: Sequence[Grading], inst: GradedInstrument, report: cycles.ProgressReport
) -> list[GradingRow]:
    """Each grading with its scores and the cycle it falls in, oldest first."""
    rows = []
    for graded in gradings:
        try:
            result = grade(inst, list(graded.answers))
            composite, subscores = result.composite, result.subscores
        except AnswerError:  # graded with another version of the file: the stored score
            composite, subscores = round(graded.score), None
        cycle = next((c for c in reversed(report.cycles) if c.injected_on <= graded.on), None)
        day = None if cycle is None else (graded.on - cycle.injected_on).days
        rows.append(GradingRow(graded.on, composite, subscores, cycle and cycle.index, day))
    return rows


def latest(rows: Sequence[GradingRow], inst: GradedInstrument) -> Figure:
    if not rows:
        return Figure(None, f"No {inst.short_name} grading recorded yet.")
    row = rows[-1]
    text = f"{row.composite} on {formatting.day(row.on)}"
    if row.subscores:
        parts = ", ".join(
            f"{section.key} {row.subscores[section.key]}" for section in inst.sections
        )
        text += f" ({parts})"
    return Figure(text)


def by_cycle(rows: Sequence[GradingRow], inst: GradedInstrument) -> dict[int, Figure]:
    """Per cycle index, its gradings ("52 (3 Mar, day 0); 64 (31 Mar, day 28)")."""
    found: dict[int, list[str]] = {}
    for row in rows:
        if row.cycle_index is not None:
            found.setdefault(row.cycle_index, []).append(row.short_text)
    return {index: Figure("; ".join(texts)) for index, texts in found.items()}


def missing_in_cycle(inst: GradedInstrument) -> Figure:
    return Figure(None, f"No {inst.short_name} grading in this cycle.")
