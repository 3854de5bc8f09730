from flask import Blueprint, render_template

from ..access import require_role
from ..models import PATIENT

bp = Blueprint("patient", __name__)


@bp.before_request
def _only_patient_roles():
    require_role(PATIENT)


@bp.get("/today")
def today():
    return render_template("placeholder.html")


@bp.get("/history")
def history():
    return render_template("placeholder.html")
