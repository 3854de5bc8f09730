from flask import Blueprint, render_template

from ..access import require_role
from ..models import ADMIN

bp = Blueprint("admin", __name__)


@bp.before_request
def _only_admin_roles():
    require_role(ADMIN)


@bp.get("/admin/")
def accounts():
    return render_template("placeholder.html")


@bp.get("/admin/care-teams")
def care_teams():
    return render_template("placeholder.html")
