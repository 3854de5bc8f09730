from flask import Blueprint, render_template

from ..access import require_role
from ..models import CLINICIAN, THERAPIST

bp = Blueprint("library", __name__)


@bp.before_request
def _only_staff():
    require_role(THERAPIST, CLINICIAN)


@bp.get("/exercises/")
def exercises():
    return render_template("placeholder.html")
