"""Two saves for one patient at the same moment keep the derived figures exact.

A save adds its sessions to the stored figures (usecases/derived.py, the incremental
path): without the row lock both transactions would read the same count and days and
the second commit would drop the first one's session. Here both have stored their
session before either commits (an SQLAlchemy event holds each until the other's INSERT;
see test_concurrent_writes.MeetAfter), one of them a late session older than the
latest; afterwards the figures equal those worked out from every stored session.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from retrain.extensions import db
from retrain.models import PatientFigures, PracticeSession, User
from retrain.models.base import utcnow
from retrain.progress.derived import practice_figures
from retrain.usecases.local_time import zone_for

from .test_concurrent_writes import MeetAfter, at_the_same_moment

pytestmark = pytest.mark.load


def _inserts_a_session(statement: str) -> bool:
    return statement.lstrip().upper().startswith("INSERT INTO PRACTICE_SESSIONS")


def test_two_saves_at_once_for_one_patient_both_count(seeded_app):
    app, people = seeded_app
    patient_id = people.patients[0].id
    now = utcnow()
    with app.app_context():
        db.session.add(  # the latest session: the late one below is older
            PracticeSession(
                patient_id=patient_id, performed_at=now, effort=3, synkinesis_rating=4,
                source="form",
            )
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
    times = [now - timedelta(minutes=5), now - timedelta(days=2)]

    def save(index):
        db.session.add(
            PracticeSession(
                patient_id=patient_id, performed_at=times[index], effort=3,
                synkinesis_rating=4, source="form", note=f"same moment {index}",
            )
        )  # fmt: skip
        db.session.commit()
        return "ok"

    meet = MeetAfter(_inserts_a_session)
    outcomes = at_the_same_moment(app, meet, save)
    with app.app_context():
        zone = zone_for(db.session.get(User, patient_id))
        stored = db.session.scalars(
            select(PracticeSession.performed_at).where(PracticeSession.patient_id == patient_id)
        ).all()
        row = db.session.get(PatientFigures, patient_id)
        kept = (row.zone, row.session_count, row.last_session_at, row.recent_days)
        db.session.remove()
    print(f"\n== same-moment saves: inserts met: {meet.met}; outcomes {outcomes}")
    assert outcomes == ["ok", "ok"]
    figures = practice_figures((at, at.astimezone(zone).date()) for at in stored)
    days = {day.isoformat(): n for day, n in figures.recent_days.items()}
    assert kept == (zone.key, figures.session_count, figures.last_session_at, days)
