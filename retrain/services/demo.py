"""The demo clinic: accounts and about 8 weeks of realistic history."""

from ..extensions import db
from ..models import ADMIN, CLINICIAN, PATIENT, THERAPIST
from . import accounts

PASSWORD = "retrain-demo"

STAFF = [
    ("admin@demo.retrain", "Alex Admin", ADMIN),
    ("therapist@demo.retrain", "Tess Therapist", THERAPIST),
    ("clinician@demo.retrain", "Dr Chris Clinician", CLINICIAN),
]
PATIENTS = [
    ("patient@demo.retrain", "Pat Patient", "left"),
    ("patient2@demo.retrain", "Sam Second", "right"),
    ("patient3@demo.retrain", "Robin Third", "left"),
]


def load() -> list[tuple[str, str]]:
    for email, name, role in STAFF:
        accounts.create_user_with_password(email=email, name=name, role=role, password=PASSWORD)
    for email, name, _side in PATIENTS:
        accounts.create_user_with_password(email=email, name=name, role=PATIENT, password=PASSWORD)
    db.session.commit()
    return [(email, role) for email, _, role in STAFF] + [(e, PATIENT) for e, _, _ in PATIENTS]
