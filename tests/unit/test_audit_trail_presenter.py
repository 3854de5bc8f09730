"""The audit trail as people read it (presenters/audit_trail.py), on hand-made rows."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

from retrain.presenters.audit_trail import FORMER_STAFF, RecordAccess, accesses_by_day, csv_lines


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_accesses_are_counted_per_person_and_day_newest_first():
    rows = [
        (2, "therapist", at(5, 16)),
        (2, "therapist", at(5, 9)),
        (3, "clinician", at(5, 8)),
        (2, "therapist", at(4, 12)),
        (9, "clinician", at(1, 10)),  # no longer has an account
    ]
    names = {2: "Tess Okafor", 3: "Dr Chris Lindqvist"}
    assert accesses_by_day(rows, names) == [
        RecordAccess("Tess Okafor", "therapist", date(2026, 3, 5), 2),
        RecordAccess("Dr Chris Lindqvist", "clinician", date(2026, 3, 5), 1),
        RecordAccess("Tess Okafor", "therapist", date(2026, 3, 4), 1),
        RecordAccess(FORMER_STAFF, "clinician", date(2026, 3, 1), 1),
    ]


def test_no_rows_no_accesses():
    assert accesses_by_day([], {}) == []


def test_csv_lines_are_the_header_then_one_line_per_event():
    events = [
        SimpleNamespace(id=1, action="login", target=None),
        SimpleNamespace(id=2, action="view", target="therapist.patient, page"),
    ]
    lines = list(csv_lines(events, ("id", "action", "target")))
    assert len(lines) == 3
    assert list(csv.reader(io.StringIO("".join(lines)))) == [
        ["id", "action", "target"],
        ["1", "login", ""],
        ["2", "view", "therapist.patient, page"],
    ]
