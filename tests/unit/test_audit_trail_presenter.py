"""The audit trail as people read it (presenters/audit_trail.py), on hand-made rows."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

from retrain.presenters.audit_trail import (
    ADMINISTRATION,
    CARE,
    ERASED_PATIENT,
    FORMER_STAFF,
    RecordAccess,
    accesses_by_day,
    audit_lines,
    csv_lines,
)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_accesses_are_counted_per_person_day_and_action_newest_first():
    rows = [
        (2, "therapist", "view", at(5, 16)),
        (2, "therapist", "prescribe", at(5, 10)),
        (2, "therapist", "view", at(5, 9)),
        (3, "clinician", "view", at(5, 8)),
        (2, "therapist", "view", at(4, 12)),
        (1, "admin", "care_team_add", at(4, 11)),
        (9, "clinician", "export", at(1, 10)),  # no longer has an account
    ]
    names = {1: "Ada Admin", 2: "Tess Okafor", 3: "Dr Chris Lindqvist"}
    looked, changed = "looked at your record", "changed your exercise programme"
    assert accesses_by_day(rows, names) == [
        RecordAccess("Tess Okafor", "therapist", date(2026, 3, 5), looked, CARE, 2),
        RecordAccess("Tess Okafor", "therapist", date(2026, 3, 5), changed, CARE, 1),
        RecordAccess("Dr Chris Lindqvist", "clinician", date(2026, 3, 5), looked, CARE, 1),
        RecordAccess("Tess Okafor", "therapist", date(2026, 3, 4), looked, CARE, 1),
        RecordAccess(
            "Ada Admin",
            "admin",
            date(2026, 3, 4),
            "added someone to your care team",
            ADMINISTRATION,
            1,
        ),  # fmt: skip
        RecordAccess(
            FORMER_STAFF, "clinician", date(2026, 3, 1), "downloaded your record", CARE, 1
        ),
    ]


def test_e_mails_about_signing_in_are_in_the_patients_words_as_running_their_account():
    rows = [
        (1, "admin", "password_reset_email", at(6, 10)),
        (2, "therapist", "email_invitation", at(5, 10)),
    ]
    names = {1: "Ada Admin", 2: "Tess Okafor"}
    assert [(a.what, a.why) for a in accesses_by_day(rows, names)] == [
        ("sent you an e-mail to set a new password", ADMINISTRATION),
        ("e-mailed you your sign-in link", ADMINISTRATION),
    ]


def test_audit_lines_name_the_people_and_the_record():
    event = SimpleNamespace(
        id=5, at=at(5, 9), actor_id=2, actor_role="therapist", action="view", patient_id=4,
        target="therapist.patient", outcome="ok", reason=None, request_id="r", address=None,
        seq=None, hash=None,
    )  # fmt: skip
    erased = SimpleNamespace(**{**vars(event), "id": 6, "actor_id": 8, "patient_id": 7})
    line, gone = audit_lines([event, erased], {2: "Tess Okafor", 4: "Ann Patient"})
    assert (line.actor_name, line.patient_name, line.patient_record_no) == (
        "Tess Okafor",
        "Ann Patient",
        4,
    )
    assert (gone.actor_name, gone.patient_name) == (FORMER_STAFF, ERASED_PATIENT)


def test_csv_cells_that_could_start_a_formula_are_text():
    event = SimpleNamespace(id=1, name="=HYPERLINK(1)")
    lines = list(csv_lines([event], ("id", "name")))
    assert lines[1].strip() == "1,'=HYPERLINK(1)"


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
