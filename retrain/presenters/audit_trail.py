"""The audit trail as people read it: the admin's CSV download, and a patient's "who
opened my record", counted by person and day."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from . import spreadsheet

FORMER_STAFF = "A former staff member"


@dataclass(frozen=True)
class RecordAccess:
    actor_name: str
    actor_role: str
    day: date  # UTC
    times: int


def accesses_by_day(
    rows: Iterable[tuple[int, str, datetime]], names: dict[int, str]
) -> list[RecordAccess]:
    """(actor id, role, when) rows, newest first, counted per person, role and day in the
    order met (so newest first too). A person no longer in ``names`` is former staff."""
    counts: dict[tuple[int, str, date], int] = {}
    for actor_id, role, at in rows:
        key = (actor_id, role, at.date())
        counts[key] = counts.get(key, 0) + 1
    return [
        RecordAccess(names.get(actor_id, FORMER_STAFF), role, day, times)
        for (actor_id, role, day), times in counts.items()
    ]


def csv_lines(events: Iterable, columns: tuple[str, ...]) -> Iterator[str]:
    """The header, then one CSV line per event (each value read as the column's attribute),
    one at a time so a long trail streams; every cell guarded (presenters/spreadsheet.py)."""
    rows = ([getattr(event, column) for column in columns] for event in events)
    return spreadsheet.csv_lines(rows, columns)
