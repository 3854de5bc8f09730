"""Issue 17's migration creates patient_figures and fills it for every patient: the rows
it writes equal what the app's ``derived.refresh`` works out from the same records, and
nothing else changes. On SQLite and on PostgreSQL (test_migration_upgrade's
``empty_app``)."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import PatientFigures
from retrain.schema import upgrade
from retrain.usecases import derived

from .test_migration_upgrade import (
    T0,
    assert_rows_kept,
    current_revision,
    empty_app,  # noqa: F401 - the fixture
    insert,
    schema_differences,
    snapshot,
)

BEFORE = "i12_audit_hmac_chain"  # the head before issue 17's migration
DAY_0 = date(2026, 1, 5)
INPUTS = ("practice_sessions", "injection_visits", "questionnaire_responses", "users")


def _fill(connection) -> dict[str, int]:
    ids = {}
    for key, zone in (("ann", "Pacific/Kiritimati"), ("ben", None), ("cy", "America/Denver")):
        ids[key] = insert(
            connection, "users", email=f"{key}@example.org", name=key, role="patient",
            password_hash=None, active=True, timezone=zone, created_at=T0,
        )  # fmt: skip
        insert(connection, "patients", id=ids[key], affected_side="left", created_by_id=None)
    for n in range(0, 60, 2):  # ann: a session every other day, late in the UTC day
        insert(
            connection, "practice_sessions", patient_id=ids["ann"], programme_id=None,
            performed_at=T0 + timedelta(days=n, hours=13), logged_at=T0, effort=3,
            synkinesis_rating=4, note=None, source="form", idempotency_key=None,
        )  # fmt: skip
    for offset, score in ((-5, 70.0), (10, 40.0), (30, 45.0), (80, 66.5), (95, 68.0)):
        insert(
            connection, "questionnaire_responses", patient_id=ids["ann"], instrument="saq",
            answered_on=DAY_0 + timedelta(days=offset), answers=[2] * 9, score=score,
            entered_by_id=None, source="app", score_only=False, created_at=T0,
        )  # fmt: skip
    for offset in (0, 100):
        insert(
            connection, "injection_visits", patient_id=ids["ann"],
            injected_on=DAY_0 + timedelta(days=offset), product="onabotulinumtoxinA",
            kind="new_cycle", lot=None, dilution=None, note=None, created_by_id=None,
            created_at=T0, updated_at=None,
        )  # fmt: skip
    insert(  # cy: one visit and nothing else
        connection, "injection_visits", patient_id=ids["cy"], injected_on=DAY_0,
        product="abobotulinumtoxinA", kind="new_cycle", lot=None, dilution=None, note=None,
        created_by_id=None, created_at=T0, updated_at=None,
    )  # fmt: skip
    return ids


def _figures() -> dict[int, tuple]:
    rows = db.session.scalars(select(PatientFigures).order_by(PatientFigures.patient_id))
    return {
        row.patient_id: (
            row.zone, row.session_count, row.last_session_at, row.recent_days, row.clinical
        )
        for row in rows
    }  # fmt: skip


@pytest.mark.usefixtures("empty_app")
def test_the_migration_fills_each_patients_figures_as_the_app_works_them_out():
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        ids = _fill(connection)
    before = snapshot(INPUTS)

    upgrade(revision="i17_derived_figures")
    assert current_revision() == "i17_derived_figures"
    assert_rows_kept(before, snapshot(INPUTS))
    filled = _figures()
    assert set(filled) == set(ids.values())
    ann = filled[ids["ann"]]
    assert ann[0] == "Pacific/Kiritimati" and ann[1] == 30
    assert ann[2] == datetime.fromisoformat("2026-03-04T22:30:00+00:00")
    assert len(ann[3]) == 14  # every other local day of the 28 ending on the latest one
    assert ann[4]["cycle_index"] == 2 and ann[4]["earlier_wear_off"] != []
    assert filled[ids["ben"]][1:4] == (0, None, {})
    assert filled[ids["cy"]][4]["injected_on"] == DAY_0.isoformat()

    db.session.rollback()  # end the read, so the migrations can take the database
    upgrade()  # the later migrations keep the figures; the app's models need their columns
    assert schema_differences() == []
    assert _figures() == filled
    assert derived.rebuild() == 3
    db.session.expire_all()
    assert _figures() == filled
