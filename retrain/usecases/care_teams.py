"""Care teams: which staff treat which patient. Managed by admins (and by staff adding patients)."""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import Invalid
from ..extensions import db
from ..models import PATIENT, STAFF_ROLES, CareTeamMember, Patient, User


@dataclass(frozen=True)
class TeamView:
    patient_id: int
    patient_name: str
    patient_email: str
    members: list[tuple[int, str, str]]  # (staff id, name, role)


def teams() -> list[TeamView]:
    """Every patient with their care team, in two queries."""
    patients = db.session.execute(
        select(User.id, User.name, User.email).where(User.role == PATIENT).order_by(User.name)
    ).all()
    members: dict[int, list[tuple[int, str, str]]] = {}
    for patient_id, staff_id, name, role in db.session.execute(
        select(CareTeamMember.patient_id, User.id, User.name, User.role)
        .join(User, User.id == CareTeamMember.staff_id)
        .order_by(User.name)
    ):
        members.setdefault(patient_id, []).append((staff_id, name, role))
    return [TeamView(pid, name, email, members.get(pid, [])) for pid, name, email in patients]


def active_staff() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_(STAFF_ROLES), User.active).order_by(User.name)
        )
    )


def add_member(patient_id: int, staff_id: int) -> None:
    patient = db.session.get(Patient, patient_id)
    staff = db.session.get(User, staff_id)
    if patient is None:
        raise Invalid("Choose a patient.", field="patient_id")
    if staff is None or staff.role not in STAFF_ROLES or not staff.active:
        raise Invalid("Choose an active therapist or clinician.", field="staff_id")
    db.session.add(CareTeamMember(patient_id=patient_id, staff_id=staff_id))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Invalid(
            f"{staff.name} is already on this patient's care team.", field="staff_id"
        ) from exc


def remove_member(patient_id: int, staff_id: int) -> bool:
    result = db.session.execute(
        delete(CareTeamMember).where(
            CareTeamMember.patient_id == patient_id, CareTeamMember.staff_id == staff_id
        )
    )
    db.session.commit()
    return result.rowcount > 0
