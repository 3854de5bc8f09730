"""Issue 13's migration keeps every visit and response and gives old visits the kind the
top-up rule gives them: per patient in date order, a visit 1 to 28 days after its
cycle's first visit is a top-up; any other visit starts a new cycle. On SQLite and on
PostgreSQL (see test_migration_upgrade.py's ``empty_app``)."""

import json
from datetime import date

import pytest
from sqlalchemy import text

from retrain.extensions import db
from retrain.schema import upgrade

from .test_migration_upgrade import (
    T0,
    current_revision,
    empty_app,  # noqa: F401 - the fixture
    insert,
    schema_differences,
)

BEFORE = "13f50188f201"  # the head when issue 13 began
DAY_0 = date(2025, 1, 6)


@pytest.mark.usefixtures("empty_app")
def test_old_visits_get_the_rules_kind_and_responses_keep_their_values():
    upgrade(revision=BEFORE)
    offsets = {"ann": [0, 20, 28, 29, 120, 130, 170], "ben": [0, 10]}
    with db.engine.begin() as connection:
        ids = {}
        for key in ("ann", "ben"):
            ids[key] = insert(
                connection, "users", email=f"{key}@example.org", name=key, role="patient",
                password_hash=None, active=True, timezone=None, created_at=T0,
            )  # fmt: skip
            insert(connection, "patients", id=ids[key], affected_side="left", created_by_id=None)
            for offset in offsets[key]:
                insert(
                    connection,
                    "injection_visits",
                    patient_id=ids[key],
                    injected_on=date.fromordinal(DAY_0.toordinal() + offset),
                    product="onabotulinumtoxinA",
                    note=f"visit on day {offset}",
                    created_by_id=None,
                    created_at=T0,
                    updated_at=None,
                )
        insert(
            connection, "questionnaire_responses", patient_id=ids["ann"], instrument="saq",
            answered_on=DAY_0, answers=[2] * 9, score=40.0, entered_by_id=ids["ann"],
            created_at=T0,
        )  # fmt: skip

    upgrade(revision="i13_cycles_history")
    assert current_revision() == "i13_cycles_history"
    with db.engine.connect() as connection:
        visits = connection.execute(
            text(
                "SELECT patient_id, note, kind, lot, dilution FROM injection_visits "
                "ORDER BY patient_id, injected_on"
            )
        ).all()
        response = connection.execute(
            text("SELECT answers, score, source, score_only FROM questionnaire_responses")
        ).one()
    kinds = [(row.note, row.kind) for row in visits if row.patient_id == ids["ann"]]
    assert kinds == [
        ("visit on day 0", "new_cycle"),
        ("visit on day 20", "top_up"),
        ("visit on day 28", "top_up"),  # day 28 of the cycle begun on day 0
        ("visit on day 29", "new_cycle"),
        ("visit on day 120", "new_cycle"),
        ("visit on day 130", "top_up"),
        ("visit on day 170", "new_cycle"),  # 50 days after day 120
    ]
    assert [row.kind for row in visits if row.patient_id == ids["ben"]] == ["new_cycle", "top_up"]
    assert all(row.lot is None and row.dilution is None for row in visits)
    answers = response.answers
    answers = answers if isinstance(answers, list) else json.loads(answers)
    assert (answers, response.score, response.source, bool(response.score_only)) == (
        [2] * 9,
        40.0,
        "app",
        False,
    )
    upgrade()  # and on to the head: the schema then equals the models
    assert schema_differences() == []
