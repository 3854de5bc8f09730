import pytest

from ..conftest import TEST_PASSWORD


@pytest.fixture
def api_token(client, factories):
    """Make a user of ``role`` and return (user, headers with their bearer token)."""

    def _token(role, **kwargs):
        user = factories.make_user(role, **kwargs)
        response = client.post(
            "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 201, response.json
        return user, {"Authorization": f"Bearer {response.json['token']}"}

    return _token


class Clinic:
    """A therapist and a clinician treating ``patient``; ``other`` is a patient nobody here
    treats (their own therapist treats them); an admin. Each with a bearer token."""

    def __init__(self, api_token, factories):
        from tests.web.practice_helpers import make_programme

        self.therapist, therapist_headers = api_token("therapist")
        self.clinician, clinician_headers = api_token("clinician")
        self.admin, admin_headers = api_token("admin")
        self.patient, patient_headers = api_token("patient", timezone="Europe/London")
        self.other, other_headers = api_token("patient")
        self.other_therapist = factories.make_user("therapist")
        from retrain.extensions import db
        from retrain.models import CareTeamMember, Exercise

        for staff in (self.therapist, self.clinician):
            db.session.add(CareTeamMember(patient_id=self.patient.id, staff_id=staff.id))
        db.session.add(CareTeamMember(patient_id=self.other.id, staff_id=self.other_therapist.id))
        db.session.commit()
        self.exercises = list(
            db.session.scalars(
                db.select(Exercise).where(Exercise.retired_at.is_(None)).order_by(Exercise.id)
            )
        )[:3]
        self.programme = make_programme(self.patient.id, self.exercises[:2])
        make_programme(self.other.id, self.exercises[:1])
        from retrain.usecases import snapshots

        snapshots.give_consent(self.patient, self.patient.id)
        snapshots.give_consent(self.other, self.other.id)
        self.visit = make_visit(self.patient.id, days_ago=40)
        self.other_visit = make_visit(self.other.id, days_ago=40)
        self.headers = {
            "patient": patient_headers,
            "other": other_headers,
            "therapist": therapist_headers,
            "clinician": clinician_headers,
            "admin": admin_headers,
            "anonymous": {},
        }


def make_visit(patient_id, *, days_ago, product="onabotulinumtoxinA", sites=None):
    """An injection visit stored directly (the service's rules are tested elsewhere)."""
    from datetime import timedelta

    from retrain.extensions import db
    from retrain.models import InjectionSite, InjectionVisit
    from retrain.usecases.local_time import patient_today

    sites = sites or [("orbicularis oculi", "left", 2.5), ("platysma", "left", 5.0)]
    visit = InjectionVisit(
        patient_id=patient_id,
        injected_on=patient_today(patient_id) - timedelta(days=days_ago),
        product=product,
        sites=[InjectionSite(muscle=m, side=s, units=u) for m, s, u in sites],
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def add_saq_scores(patient_id, scores):
    """SAQ scores stored directly, ``(days ago, score)`` each (every answer 3)."""
    from datetime import timedelta

    from retrain.extensions import db
    from retrain.models import QuestionnaireResponse
    from retrain.usecases.local_time import patient_today

    today = patient_today(patient_id)
    for days_ago, score in scores:
        db.session.add(
            QuestionnaireResponse(
                patient_id=patient_id,
                instrument="saq",
                answered_on=today - timedelta(days=days_ago),
                answers=[3] * 9,
                score=score,
            )
        )
    db.session.commit()


@pytest.fixture
def clinic(api_token, factories):
    return Clinic(api_token, factories)


def table_rows() -> dict:
    """Every row of every table the API could write to (audit and tokens aside)."""
    from retrain.extensions import db

    skip = {"audit_events", "api_tokens", "alembic_version", "login_sessions"}
    db.session.commit()
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
        if table.name not in skip
    }


def assert_refused_naming(post, cases):
    """Each ``(body, fields)`` of ``cases``: ``post(body)`` answers 422 naming exactly
    ``fields``; and nothing is written."""
    before = table_rows()
    for body, fields in cases:
        response = post(body)
        assert response.status_code == 422, body
        assert set(response.json["error"]["fields"]) == fields, (body, response.json)
    assert table_rows() == before
