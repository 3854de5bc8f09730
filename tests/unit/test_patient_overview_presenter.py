"""presenters/patient_overview.py on hand-made values: the staff patient page."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from retrain.models import Patient, PracticeSession, Programme, User
from retrain.presenters.patient_overview import SessionRow, patient_overview, session_rows

AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+13 in March


def test_session_rows_are_in_the_patients_time_with_their_counts():
    at = datetime(2026, 3, 3, 12, 30, tzinfo=UTC)
    stored = PracticeSession(performed_at=at, effort=2, synkinesis_rating=6, note="Tight cheek")
    (row,) = session_rows([(stored, 3, 1)], AUCKLAND)
    assert row == SessionRow(
        performed_at=datetime(2026, 3, 4, 1, 30, tzinfo=AUCKLAND),
        effort=2,
        synkinesis_rating=6,
        exercises_done=3,
        exercises_skipped=1,
        note="Tight cheek",
    )


def test_the_overview_names_the_version_in_force_and_what_the_viewer_may_do():
    user = User(id=4, name="Pat Patient", email="pat@example.org", active=True, password_hash=None)
    patient = Patient(id=4, user=user, affected_side="right")
    new = Programme(id=2, version=2, starts_on=date(2026, 3, 1), ended_on=None)
    old = Programme(id=1, version=1, starts_on=date(2026, 1, 1), ended_on=date(2026, 2, 28))
    overview = patient_overview(
        patient,
        AUCKLAND,
        invitation_expires_at=None,
        history=[new, old],
        sessions=[],
        adherence=None,
        can_prescribe=False,
        can_invite=True,
    )
    assert (overview.patient_id, overview.name, overview.email) == (
        4,
        "Pat Patient",
        "pat@example.org",
    )
    assert overview.current is new and overview.history == [new, old]
    assert overview.timezone == "Pacific/Auckland" and overview.password_set is False
    assert (overview.can_prescribe, overview.can_invite) == (False, True)
    ended = patient_overview(
        patient,
        AUCKLAND,
        invitation_expires_at=None,
        history=[old],
        sessions=[],
        adherence=None,
        can_prescribe=True,
        can_invite=True,
    )
    assert ended.current is None


def test_a_session_row_carries_its_live_feedback_counts():
    at = datetime(2026, 3, 3, 12, 30, tzinfo=UTC)
    stored = PracticeSession(performed_at=at, effort=2, synkinesis_rating=6, note=None)
    measured, unmeasured = session_rows([(stored, 3, 0, 8, 6), (stored, 3, 0, None, None)], UTC)
    assert (measured.live_scored, measured.live_clean) == (8, 6)
    assert (unmeasured.live_scored, unmeasured.live_clean) == (None, None)
