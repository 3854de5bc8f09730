from flask import Blueprint, render_template

from ..access import require_role
from ..models import THERAPIST

bp = Blueprint("therapist", __name__)


@bp.before_request
def _only_therapist_roles():
    require_role(THERAPIST)


@bp.get("/therapist/")
def caseload():
    return render_template("placeholder.html")


@bp.get("/therapist/templates")
def templates():
    return render_template("placeholder.html")
