"""Clinician pages: the caseload and adding a patient.

The patient page itself is shared with therapists (therapist.patient, /patients/<id>)
and is read-only for clinicians: prescribing is for therapists (access.PRESCRIBE).
"""

from flask import Blueprint
from flask_login import current_user

from ..access import require_role
from ..models import CLINICIAN
from ..therapist.routes import caseload_page, new_patient_page

bp = Blueprint("clinician", __name__)


@bp.before_request
def _only_clinician_roles():
    require_role(current_user, CLINICIAN)


@bp.get("/clinician/")
def caseload():
    return caseload_page("clinician.new_patient")


@bp.route("/clinician/patients/new", methods=["GET", "POST"])
def new_patient():
    return new_patient_page("clinician.caseload")
