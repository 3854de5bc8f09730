"""A patient's whole record made by hand (plain objects, no database) for the presenter
tests: one SAQ, two practice sessions, one injection visit of two sites, one photo."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from retrain.presenters.record import PatientRecord
from retrain.progress.instruments import load_instrument

SYDNEY = ZoneInfo("Australia/Sydney")  # UTC+11 in January: evening UTC is the next day


def hand_made_record(**changes) -> PatientRecord:
    user = SimpleNamespace(id=7, name="Pat Rivera", email="pat@example.org", active=True)
    fields = {
        "exported_at": datetime(2026, 1, 20, 13, 30, tzinfo=UTC),  # 00:30 on the 21st there
        "user": user,
        "patient": SimpleNamespace(id=7, affected_side="left"),
        "zone": SYDNEY,
        "instrument": load_instrument("saq"),
        "programmes": [],
        "sessions": [
            SimpleNamespace(
                id=11,
                performed_at=datetime(2026, 1, 10, 20, 0, tzinfo=UTC),  # the 11th in Sydney
                synkinesis_rating=4,
                effort=2,
                source="player",
                note='=HYPERLINK("http://evil.example","click")',
            ),
            SimpleNamespace(
                id=12,
                performed_at=datetime(2026, 1, 12, 1, 0, tzinfo=UTC),
                synkinesis_rating=3,
                effort=3,
                source="form",
                note=None,
            ),
        ],
        "saqs": [
            SimpleNamespace(
                id=21,
                instrument="saq",
                answered_on=date(2026, 1, 5),
                answers=[3, 3, 3, 3, 3, 3, 3, 3, 3],
                score=60.0,
                source="app",
            )
        ],
        "saq_requests": [],
        "visits": [
            SimpleNamespace(
                id=31,
                injected_on=date(2026, 1, 2),
                product="onabotulinumtoxinA",
                kind="new_cycle",
                lot="C5012AB",
                dilution=4.0,
                note="First visit.",
                sites=[
                    SimpleNamespace(muscle="orbicularis oculi", side="left", units=2.5),
                    SimpleNamespace(muscle="platysma", side="left", units=5.0),
                ],
            )
        ],
        "snapshots": [
            SimpleNamespace(
                id=41, expression="Big Smile!", taken_at=datetime(2026, 1, 3, 9, 5, 7, tzinfo=UTC)
            )
        ],
    }
    return PatientRecord(**{**fields, **changes})


def with_grading(record: PatientRecord) -> PatientRecord:
    """The record with one Sunnybrook grading: composite 50 (resting 10, voluntary 64,
    synkinesis 4), worked out in tests/unit/test_graded_instruments.py."""
    from dataclasses import replace

    from retrain.progress.graded import load_graded

    grading = SimpleNamespace(
        id=51,
        instrument="sunnybrook",
        answered_on=date(2026, 1, 4),
        answers=[1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0],
        score=50.0,
        source="paper",
    )
    return replace(record, grading_instrument=load_graded("sunnybrook"), gradings=[grading])
