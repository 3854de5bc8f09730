"""Admin pages: accounts and care teams. Admins see no clinical data."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import require_role
from ..models import ADMIN, ROLES
from ..services import ServiceError, accounts, care_teams
from .forms import CareTeamForm, StaffForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_admins():
    require_role(ADMIN)


@bp.get("/")
def accounts_list():
    role = request.args.get("role")
    return render_template(
        "admin/accounts.html", users=accounts.list_accounts(role), role=role, roles=ROLES
    )


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user, token = accounts.create_staff(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                created_by=current_user,
            )
        except ServiceError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            return render_template("admin/invitation.html", user=user, token=token)
    return render_template("admin/new_staff.html", form=form)


def _account_or_404(user_id: int):
    user = accounts.get_account(user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/accounts/<int:user_id>/active")
def set_active(user_id: int):
    user = _account_or_404(user_id)
    activate = request.form.get("active") == "1"
    if user.id == current_user.id and not activate:
        flash("You cannot deactivate your own account.", "error")
    else:
        accounts.set_active(user, activate)
        flash(f"{user.name} is {'active again' if activate else 'deactivated'}.", "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/invitation")
def reinvite(user_id: int):
    user = _account_or_404(user_id)
    if not user.active:
        flash("Reactivate the account before sending a new link.", "error")
        return redirect(url_for("admin.accounts_list"))
    token = accounts.reinvite(user, current_user)
    return render_template("admin/invitation.html", user=user, token=token)


@bp.route("/care-teams", methods=["GET", "POST"])
def care_teams_page():
    form = CareTeamForm()
    teams = care_teams.teams()
    form.patient_id.choices = [
        SelectChoice(t.patient_id, f"{t.patient_name} ({t.patient_email})") for t in teams
    ]
    form.staff_id.choices = [
        SelectChoice(s.id, f"{s.name} ({s.role})") for s in care_teams.active_staff()
    ]
    if form.validate_on_submit():
        try:
            care_teams.add_member(form.patient_id.data, form.staff_id.data)
        except ServiceError as error:
            getattr(form, error.field or "staff_id").errors.append(error.message)
        else:
            flash("Care team updated.", "success")
            return redirect(url_for("admin.care_teams_page"))
    return render_template("admin/care_teams.html", form=form, teams=teams)


@bp.post("/care-teams/<int:patient_id>/remove/<int:staff_id>")
def remove_member(patient_id: int, staff_id: int):
    if not care_teams.remove_member(patient_id, staff_id):
        abort(404)
    flash("Removed from the care team.", "success")
    return redirect(url_for("admin.care_teams_page"))
