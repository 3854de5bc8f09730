"""What the care team wrote about a patient: notes and reinjection decisions, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

FORMER_COLLEAGUE = "A former colleague"  # the author's account was erased

DECISION_LABELS = {
    "reinject_now": "Reinject now",
    "adjust_doses": "Reinject with adjusted doses",
    "wait_until": "Wait until a date",
}


@dataclass(frozen=True)
class NoteRow:
    id: int
    created_at: datetime  # aware; in the patient's zone once presented
    author: str | None  # None when loaded for an erased account
    body: str


@dataclass(frozen=True)
class DecisionRow:
    id: int
    decided_on: date
    decision: str  # one of models.DECISIONS
    wait_until: date | None
    note: str | None
    clinician: str | None  # None when loaded for an erased account

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)


def notes(rows: Iterable[NoteRow], zone: tzinfo) -> list[NoteRow]:
    """Newest first, times in the patient's zone, every note with an author's name."""
    shown = [
        replace(n, created_at=n.created_at.astimezone(zone), author=n.author or FORMER_COLLEAGUE)
        for n in rows
    ]
    return sorted(shown, key=lambda n: (n.created_at, n.id), reverse=True)


def decisions(rows: Iterable[DecisionRow]) -> list[DecisionRow]:
    """Newest first, every decision with a clinician's name."""
    shown = [replace(d, clinician=d.clinician or FORMER_COLLEAGUE) for d in rows]
    return sorted(shown, key=lambda d: (d.decided_on, d.id), reverse=True)
