"""factory_boy factories for tests. Passwords are tests.conftest.TEST_PASSWORD."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from retrain.extensions import db
from retrain.infrastructure import passwords
from retrain.models import PATIENT, CareTeamMember, Patient, User

from .conftest import TEST_PASSWORD


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    role = "therapist"
    active = True
    password_hash = factory.LazyFunction(lambda: passwords.hash_password(TEST_PASSWORD))


def make_user(role: str, **kwargs) -> User:
    user = UserFactory(role=role, **kwargs)
    if role == PATIENT:
        db.session.add(Patient(id=user.id, affected_side="left"))
        db.session.commit()
    return user


def make_patient(*, care_team=(), **kwargs) -> Patient:
    """A patient with an account, on the care teams of the given staff users."""
    user = make_user(PATIENT, **kwargs)
    for staff in care_team:
        db.session.add(CareTeamMember(patient_id=user.id, staff_id=staff.id))
    db.session.commit()
    return db.session.get(Patient, user.id)
