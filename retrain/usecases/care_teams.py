"""Care teams: which staff treat which patient (staff see a patient only while on the
team). An admin manages them; a therapist or clinician who adds a patient joins that
patient's team (usecases/accounts.py). Every change goes to the audit trail.
"""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..errors import Invalid, NotFound
from ..extensions import db
from ..infrastructure import audit
from ..models import ADMIN, PATIENT, STAFF_ROLES, CareTeamMember, Patient, User
from . import messages


@dataclass(frozen=True)
class TeamView:
    patient_id: int
    patient_name: str
    patient_email: str
    members: list[tuple[int, str, str]]  # (staff id, name, role)


@dataclass(frozen=True)
class CareTeamsPage:
    teams: list[TeamView]  # every patient, by name
    staff: list[User]  # who may join a team: active therapists and clinicians, by name


def care_teams_page(admin) -> CareTeamsPage:
    """Every patient with their care team, and the staff who may join one (3 queries)."""
    access.require_role(admin, ADMIN)
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
    staff = db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES), User.active).order_by(User.name)
    )
    return CareTeamsPage(
        teams=[TeamView(pid, name, email, members.get(pid, [])) for pid, name, email in patients],
        staff=list(staff),
    )


def add_member(admin, patient_id: int, staff_id: int) -> None:
    access.require_role(admin, ADMIN)
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
    messages.recount([staff_id])  # the patient's waiting messages now wait for them too
    db.session.commit()
    audit.record("care_team_add", patient_id=patient_id, target=f"user:{staff_id}", actor=admin)


def remove_member(admin, patient_id: int, staff_id: int) -> None:
    """NotFound when that person is not on that patient's team."""
    access.require_role(admin, ADMIN)
    result = db.session.execute(
        delete(CareTeamMember).where(
            CareTeamMember.patient_id == patient_id, CareTeamMember.staff_id == staff_id
        )
    )
    if result.rowcount == 0:
        raise NotFound()
    messages.recount([staff_id])
    db.session.commit()
    audit.record("care_team_remove", patient_id=patient_id, target=f"user:{staff_id}", actor=admin)
