"""Patients: the caseload, adding a patient with an invitation link, one patient."""

from typing import Literal

from flask import url_for
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, create_model

from .. import access
from ..models import CLINICIAN, SIDES, THERAPIST
from ..presenters.caseload import CaseloadRow
from ..presenters.patient_overview import PatientOverview
from ..usecases import caseload, patients
from .core import Strict, endpoint, fields_of, out_of, patient_endpoint
from .pagination import Page, PageQuery, page_of
from .schemas import Email, text

STAFF = (THERAPIST, CLINICIAN)


# The caseload row's fields the API answers (the patient's id is answered as ``id``); the
# clinician's figures, the reminder reach and the unread count are not in it.
CASELOAD_FIELDS = (
    "name",
    "email",
    "affected_side",
    "has_programme",
    "last_session_at",
    "sessions_7d",
    "prescribed_7d",
    "sessions_28d",
    "prescribed_28d",
    "adherence_28d",
    "no_session_3_days",
)

CaseloadOut = create_model(
    "CaseloadOut",
    __doc__="One patient on the caseload with their practice figures (presenters/caseload.py).",
    id=int,
    **fields_of(
        CaseloadRow, *CASELOAD_FIELDS, adherence_28d="Percent 0-100; null when none prescribed"
    ),
)


Name = text(120)


class NewPatient(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Sam Rivers", "email": "sam@example.org", "affected_side": "left"}
            ]
        }
    )

    name: Name
    email: Email
    affected_side: Literal[SIDES]


class NewPatientOut(BaseModel):
    id: int
    invitation_url: str = Field(description="One-time link; shown only in this response")


# The patient page's account fields (presenters/patient_overview.py) the API answers.
ACCOUNT_FIELDS = (
    "name",
    "email",
    "affected_side",
    "active",
    "timezone",
    "password_set",
    "invitation_expires_at",
)

PatientOut = create_model(
    "PatientOut",
    id=int,
    **fields_of(
        PatientOverview, *ACCOUNT_FIELDS, invitation_expires_at="The live unused link, if any"
    ),
    programme_version=(int | None, Field(description="The version in force; null: none yet")),
    caseload=(CaseloadOut | None, Field(description="Staff only: the caseload figures")),
)


def caseload_out(row) -> CaseloadOut:
    return out_of(CaseloadOut, row, id=row.patient_id)


@endpoint("GET /patients", roles=STAFF, query=PageQuery, out=Page[CaseloadOut])
def patient_list(query: PageQuery):
    """Your caseload: the patients on your care teams, by name, with practice figures"""
    rows, cursor = page_of(caseload.caseload_rows(current_user), query)
    return Page[CaseloadOut](items=[caseload_out(r) for r in rows], next_cursor=cursor)


@endpoint(
    "POST /patients",
    roles=access.CREATE_PATIENT_ROLES,
    body=NewPatient,
    out=NewPatientOut,
    status=201,
)
def patient_create(body: NewPatient):
    """Add a patient to your care team; answers their one-time invitation link"""
    patient, token = patients.create_patient(
        current_user, body.name, body.email, body.affected_side
    )
    link = url_for("auth.invitation", token=token, _external=True)
    return NewPatientOut(id=patient.id, invitation_url=link)


@patient_endpoint("GET", access.VIEW, out=PatientOut)
def patient_detail(patient_id: int):
    """One patient (a patient: `me`)"""
    view = patients.view_patient(current_user, patient_id)
    return out_of(
        PatientOut,
        view,
        id=view.patient_id,
        programme_version=view.current.version if view.current else None,
        caseload=caseload_out(view.adherence) if view.adherence else None,
    )
