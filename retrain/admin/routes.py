"""Admin pages: accounts and care teams. Admins see no clinical data."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import require_role
from ..errors import Invalid
from ..ids import to_id
from ..infrastructure import audit
from ..models import ADMIN, PATIENT, ROLES
from ..usecases import accounts, care_teams, erasure
from .forms import AuditFilterForm, CareTeamForm, EraseForm, StaffForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_admins():
    require_role(current_user, ADMIN)


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
        except Invalid as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            audit.record("create_account", target=f"user:{user.id}")
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
        audit.record(
            "reactivate_account" if activate else "deactivate_account", target=f"user:{user.id}"
        )
        flash(f"{user.name} is {'active again' if activate else 'deactivated'}.", "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/invitation")
def reinvite(user_id: int):
    user = _account_or_404(user_id)
    if not user.active:
        flash("Reactivate the account before sending a new link.", "error")
        return redirect(url_for("admin.accounts_list"))
    token = accounts.reinvite(user, current_user)
    audit.record("new_invitation", target=f"user:{user.id}")
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
            audit.record(
                "care_team_add",
                patient_id=form.patient_id.data,
                target=f"user:{form.staff_id.data}",
            )
        except Invalid as error:
            getattr(form, error.field or "staff_id").errors.append(error.message)
        else:
            flash("Care team updated.", "success")
            return redirect(url_for("admin.care_teams_page"))
    return render_template("admin/care_teams.html", form=form, teams=teams)


@bp.post("/care-teams/<int:patient_id>/remove/<int:staff_id>")
def remove_member(patient_id: int, staff_id: int):
    if not care_teams.remove_member(patient_id, staff_id):
        abort(404)
    audit.record("care_team_remove", patient_id=patient_id, target=f"user:{staff_id}")
    flash("Removed from the care team.", "success")
    return redirect(url_for("admin.care_teams_page"))


@bp.route("/accounts/<int:user_id>/erase", methods=["GET", "POST"])
def erase(user_id: int):
    user = _account_or_404(user_id)
    if user.role != PATIENT:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            erasure.erase_patient(
                user_id, confirm_email=form.confirm_email.data, admin=current_user
            )
        except Invalid as error:
            form.confirm_email.errors.append(error.message)
        else:
            flash("The patient's record, photos and logins have been erased.", "success")
            return redirect(url_for("admin.accounts_list"))
    return render_template("admin/erase.html", form=form, user=user)


def _audit_filter() -> tuple[AuditFilterForm, audit.EventFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Any")] + [
        SelectChoice(a, a.replace("_", " ")) for a in audit.actions()
    ]
    if not form.validate():
        return form, audit.EventFilter()
    return form, audit.EventFilter(
        actor_id=form.actor_id.data,
        patient_id=form.patient_id.data,
        action=form.action.data or None,
        outcome=form.outcome.data or None,
        start=form.start.data,
        end=form.end.data,
    )


@bp.get("/audit")
def audit_page():
    form, event_filter = _audit_filter()
    before = request.args.get("before", type=to_id)
    rows = audit.events(event_filter, before_id=before)
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        next_before=rows[-1].id if len(rows) == audit.PAGE_SIZE else None,
    )


AUDIT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "target",
    "outcome",
    "request_id",
    "address",
    "hash",
)


@bp.get("/audit.csv")
def audit_csv():
    _, event_filter = _audit_filter()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        for event in audit.iter_events(event_filter):
            writer.writerow([getattr(event, c) for c in AUDIT_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    audit.record("export_audit")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="retrain-audit.csv"'},
    )
