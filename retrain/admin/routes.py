"""Admin pages: accounts, care teams, erasure and the audit trail. Admins see no
clinical data."""

from flask import (
    Blueprint,
    Response,
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
from ..auth import link_mail
from ..errors.handlers import problems_beside, problems_flashed
from ..ids import to_id
from ..models import ADMIN, ROLES
from ..presenters.qr_code import qr_svg
from ..usecases import accounts, audit_trail, care_teams, erasure
from .forms import AuditFilterForm, CareTeamForm, EraseForm, StaffForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_admins():
    require_role(current_user, ADMIN)


@bp.get("/")
def accounts_list():
    role = request.args.get("role")
    users = accounts.list_accounts(current_user, role)
    return render_template("admin/accounts.html", users=users, role=role, roles=ROLES)


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff():
    form = StaffForm()
    if form.validate_on_submit():
        with problems_beside(form, "email"):
            user, token = accounts.create_staff(
                current_user, email=form.email.data, name=form.name.data, role=form.role.data
            )
            return _invitation_page(user, token)
    return render_template("admin/new_staff.html", form=form)


def _invitation_page(user, token: str):
    """A staff member's invitation link, shown once to the admin who made it."""
    link = url_for("auth.invitation", token=token, _external=True)
    qr = qr_svg(link, f"QR code of {user.name}'s invitation link")
    return render_template("admin/invitation.html", user=user, link=link, qr=qr)


@bp.post("/accounts/<int:user_id>/active")
def set_active(user_id: int):
    activate = request.form.get("active") == "1"
    with problems_flashed():
        user = accounts.set_active(current_user, user_id, activate)
        flash(f"{user.name} is {'active again' if activate else 'deactivated'}.", "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/invitation")
def reinvite(user_id: int):
    with problems_flashed():
        user, token = accounts.new_link(current_user, user_id)
        return _invitation_page(user, token)
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/password-reset")
def send_password_reset(user_id: int):
    """A reset link by e-mail to the account's own address; the admin never sees it."""
    with problems_flashed():
        user = accounts.send_password_reset(current_user, user_id)
        link_mail.request_for_account(user_id)  # first: before a query opens a transaction
        flash(f"A link to set a new password is being sent to {user.email}.", "success")
    return redirect(url_for("admin.accounts_list"))


@bp.route("/care-teams", methods=["GET", "POST"])
def care_teams_page():
    form = CareTeamForm()
    page = care_teams.care_teams_page(current_user)
    form.patient_id.choices = [
        SelectChoice(t.patient_id, f"{t.patient_name} ({t.patient_email})") for t in page.teams
    ]
    form.staff_id.choices = [SelectChoice(s.id, f"{s.name} ({s.role})") for s in page.staff]
    if form.validate_on_submit():
        with problems_beside(form, "staff_id"):
            care_teams.add_member(current_user, form.patient_id.data, form.staff_id.data)
            flash("Care team updated.", "success")
            return redirect(url_for("admin.care_teams_page"))
    return render_template("admin/care_teams.html", form=form, teams=page.teams)


@bp.post("/care-teams/<int:patient_id>/remove/<int:staff_id>")
def remove_member(patient_id: int, staff_id: int):
    care_teams.remove_member(current_user, patient_id, staff_id)
    flash("Removed from the care team.", "success")
    return redirect(url_for("admin.care_teams_page"))


@bp.route("/accounts/<int:user_id>/erase", methods=["GET", "POST"])
def erase(user_id: int):
    user = erasure.patient_to_erase(current_user, user_id)
    form = EraseForm()
    if form.validate_on_submit():
        with problems_beside(form, "confirm_email"):
            erasure.erase_patient(current_user, user_id, confirm_email=form.confirm_email.data)
            flash("The patient's record, photos and logins have been erased.", "success")
            return redirect(url_for("admin.accounts_list"))
    return render_template("admin/erase.html", form=form, user=user)


def _audit_filter() -> tuple[AuditFilterForm, audit_trail.EventFilter | None]:
    """The filter of the query string; None while any value is not valid (the page then
    lists nothing: every event would look like an answer to the filter)."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return form, None
    return form, audit_trail.EventFilter(
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
    page = audit_trail.audit_page(current_user, event_filter, before_id=before)
    form.action.choices = [SelectChoice("", "Any")] + [
        SelectChoice(a, a.replace("_", " ")) for a in page.actions
    ]
    html = render_template(
        "admin/audit.html",
        form=form,
        rows=page.events,
        next_before=page.next_before,
        invalid=event_filter is None,
    )
    return html, 200 if event_filter is not None else 422


@bp.get("/audit.csv")
def audit_csv():
    _, event_filter = _audit_filter()
    if event_filter is None:  # not every event: the page says what to correct
        flash("No CSV was made: please correct the filter first.", "error")
        return redirect(url_for("admin.audit_page", **request.args))
    lines = audit_trail.audit_csv(current_user, event_filter)
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="retrain-audit.csv"'},
    )
