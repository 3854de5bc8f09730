"""Derived figures (issue 17, part 3): kept by every write, rebuilt by `flask derived
rebuild`, gone with an erased patient. Their equality with a full recomputation over
random histories is tests/property/test_derived_property.py."""

from datetime import UTC, datetime

from sqlalchemy import delete, event

from retrain.extensions import db
from retrain.models import PatientFigures, User

from .practice_helpers import add_session

NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _row(patient_id: int) -> PatientFigures | None:
    db.session.expire_all()
    return db.session.get(PatientFigures, patient_id)


def test_a_new_patient_starts_with_figures_and_a_session_updates_them(factories):
    patient = factories.make_patient()
    assert _row(patient.id).session_count == 0
    add_session(patient.id, NOON)
    row = _row(patient.id)
    assert (row.session_count, row.last_session_at) == (1, NOON)
    assert row.recent_days == {"2026-03-02": 1}


def test_a_save_counts_its_session_in_without_reading_the_sessions(factories):
    patient = factories.make_patient()
    add_session(patient.id, NOON)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        add_session(patient.id, NOON.replace(hour=9))  # late: before the latest
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    reads = [s for s in statements if s.startswith("SELECT") and "FROM PRACTICE_SESSIONS" in s]
    assert reads == []
    figures = [s for s in statements if "PATIENT_FIGURES" in s]
    assert [s.split()[0] for s in figures] == ["SELECT", "UPDATE"]  # locked and read, stored
    row = _row(patient.id)
    assert (row.session_count, row.last_session_at) == (2, NOON)
    assert row.recent_days == {"2026-03-02": 2}


def test_a_session_added_after_the_clinic_changed_its_zone_recounts_in_the_new_zone(app, factories):
    """The stored days were taken in the clinic's old zone: adding to them would mix two
    zones' days, so the save works the figures out again."""
    app.config["TIMEZONE"] = "UTC"
    patient = factories.make_patient(timezone=None)  # the clinic's zone is theirs
    add_session(patient.id, datetime(2026, 3, 2, 23, tzinfo=UTC))
    assert _row(patient.id).recent_days == {"2026-03-02": 1}
    app.config["TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14: that session was on 3 March
    add_session(patient.id, NOON)
    row = _row(patient.id)
    assert (row.zone, row.session_count) == ("Pacific/Kiritimati", 2)
    assert row.recent_days == {"2026-03-03": 2}


def test_rebuild_restores_lost_figures_for_one_patient_or_all(app, factories):
    first, second = factories.make_patient(), factories.make_patient()
    add_session(first.id, NOON)
    add_session(second.id, NOON)
    db.session.execute(delete(PatientFigures))  # a Core delete: the hooks do not see it
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["derived", "rebuild", "--patient", str(first.id)])
    assert result.exit_code == 0, result.output
    assert "1 patient." in result.output
    assert _row(first.id).session_count == 1 and _row(second.id) is None

    result = runner.invoke(args=["derived", "rebuild"])
    assert result.exit_code == 0 and "2 patients." in result.output
    assert _row(second.id).last_session_at == NOON


def test_rebuild_of_an_unknown_patient_says_so(app):
    result = app.test_cli_runner().invoke(args=["derived", "rebuild", "--patient", "999999"])
    assert result.exit_code == 1
    assert "No patient 999999." in result.output


def test_erasing_a_patient_takes_their_figures_with_them(factories):
    patient_id = factories.make_patient().id
    add_session(patient_id, NOON)
    db.session.execute(delete(User).where(User.id == patient_id))  # as erasure does
    db.session.commit()
    assert _row(patient_id) is None
