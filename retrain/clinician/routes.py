from flask import Blueprint, render_template

from ..access import require_role
from ..models import CLINICIAN

bp = Blueprint("clinician", __name__)


@bp.before_request
def _only_clinician_roles():
    require_role(CLINICIAN)


@bp.get("/clinician/")
def caseload():
    return render_template("placeholder.html")
