"""The people of a load test, made through the app's own use cases.

An admin, a therapist, a clinician and a few patients on both their care teams; each patient
joins by their invitation (so their password passes the real password rules) and has a
first programme of two built-in exercises.
"""

from dataclasses import dataclass

from sqlalchemy import delete

from retrain.extensions import db
from retrain.models import ADMIN, CLINICIAN, THERAPIST, LoginSession
from retrain.usecases import (
    accounts,
    authentication,
    care_teams,
    exercises,
    local_time,
    patients,
    programmes,
)

PASSWORD = "amber quokka lantern 7391"


@dataclass(frozen=True)
class Account:
    id: int
    email: str


@dataclass(frozen=True)
class Seed:
    therapist: Account
    clinician: Account
    patients: tuple[Account, ...]
    exercise_ids: tuple[int, ...]


def seed(app, patient_count: int = 4) -> Seed:
    with app.app_context():
        therapist = accounts.create_user_with_password(
            email="load.therapist@example.org",
            name="Tess Therapist",
            role=THERAPIST,
            password=PASSWORD,
        )
        clinician = accounts.create_user_with_password(
            email="load.clinician@example.org",
            name="Cal Clinician",
            role=CLINICIAN,
            password=PASSWORD,
        )
        admin = accounts.create_user_with_password(
            email="load.admin@example.org", name="Ada Admin", role=ADMIN, password=PASSWORD
        )
        db.session.commit()
        exercise_ids = tuple(e.id for e in exercises.choices_for_programme()[:2])
        assert len(exercise_ids) == 2, "the built-in exercises are not loaded"
        people = []
        for n in range(patient_count):
            patient, token = patients.create_patient(
                therapist, f"Load Patient {n}", f"load.patient{n}@example.org", "left"
            )
            authentication.accept_invitation(token, PASSWORD)
            care_teams.add_member(admin, patient.id, clinician.id)
            programmes.save_programme(
                therapist,
                patient.id,
                local_time.patient_today(patient.id),
                [{"exercise_id": e, "reps": 10, "sets": 1} for e in exercise_ids],
                "First programme (seed).",
            )
            people.append(Account(patient.id, f"load.patient{n}@example.org"))
        # Accepting an invitation logs the patient in; the load test counts its own logins.
        db.session.execute(delete(LoginSession))
        db.session.commit()
        result = Seed(
            Account(therapist.id, therapist.email),
            Account(clinician.id, clinician.email),
            tuple(people),
            exercise_ids,
        )
        db.session.remove()
    return result
