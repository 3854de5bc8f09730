"""Therapist pages, and the patient pages therapists and clinicians share.

One way for shared staff views: they live here, under /patients/..., and the
blueprint lets both roles reach the endpoints in SHARED_ENDPOINTS (each still asks
access.require). Everything else here is for therapists only, so a clinician
gets 403 on the programme builder and the templates, whichever patient id is asked.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import access
from ..errors import Invalid
from ..ids import to_id
from ..models import CLINICIAN, THERAPIST
from ..usecases import caseload as caseload_service
from ..usecases import patients, programmes
from .forms import (
    ApplyTemplateForm,
    NewPatientForm,
    PasswordResetForm,
    ProgrammeForm,
    TemplateForm,
)

bp = Blueprint("therapist", __name__)

SHARED_ENDPOINTS = frozenset({"therapist.patient", "therapist.invite"})


@bp.before_request
def _only_staff():
    if request.endpoint in SHARED_ENDPOINTS:
        access.require_role(current_user, THERAPIST, CLINICIAN)
    else:
        access.require_role(current_user, THERAPIST)


# Shared by the therapist and clinician blueprints ---------------------------------------


def caseload_page(new_patient_endpoint: str):
    rows = caseload_service.caseload_rows(current_user)
    return render_template(
        "staff/caseload.html", rows=rows, new_patient_url=url_for(new_patient_endpoint)
    )


def new_patient_page(back_endpoint: str):
    form = NewPatientForm()
    if form.validate_on_submit():
        try:
            patient, token = patients.create_patient(
                current_user, form.name.data, form.email.data, form.affected_side.data
            )
        except Invalid as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            # Shown in this response only: the token is never stored in plain text.
            return invitation_page(patient.id, form.name.data.strip(), token, new=True)
    return render_template("staff/new_patient.html", form=form, back_url=url_for(back_endpoint))


def invitation_page(patient_id: int, name: str, token: str, *, new: bool):
    return render_template(
        "staff/invitation_link.html",
        patient_id=patient_id,
        name=name,
        link=patients.invitation_url(token),
        valid_days=current_app.config["INVITATION_VALID_DAYS"],
        new=new,
    )


# Therapist pages --------------------------------------------------------------------------


@bp.get("/therapist/")
def caseload():
    return caseload_page("therapist.new_patient")


@bp.route("/therapist/patients/new", methods=["GET", "POST"])
def new_patient():
    return new_patient_page("therapist.caseload")


@bp.get("/patients/<int:patient_id>")
def patient(patient_id: int):
    access.require(current_user, access.VIEW, patient_id)
    overview = patients.patient_overview(patient_id, current_user)
    return render_template(
        "staff/patient.html",
        p=overview,
        can_prescribe=access.may(current_user, access.PRESCRIBE, patient_id),
        can_invite=access.may(current_user, access.INVITE, patient_id),
        reset_form=PasswordResetForm(),
    )


@bp.post("/patients/<int:patient_id>/invitation")
def invite(patient_id: int):
    record = access.require(current_user, access.INVITE, patient_id)
    reset_form = PasswordResetForm()
    reset = "confirm" in request.form
    if reset and not reset_form.validate_on_submit():
        flash("The new link was not made. Please try again.", "error")
        return redirect(url_for(".patient", patient_id=patient_id))
    try:
        token = patients.reinvite(current_user, patient_id, password_reset=reset)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for(".patient", patient_id=patient_id))
    return invitation_page(patient_id, record.name, token, new=False)


# The programme builder -------------------------------------------------------------------


@bp.route("/patients/<int:patient_id>/programme/edit", methods=["GET", "POST"])
def edit_programme(patient_id: int):
    name = access.require(current_user, access.PRESCRIBE, patient_id).name
    current = programmes.current_programme(patient_id)
    # Plain values: a refused save rolls the session back and expires ORM objects.
    summary = (current.version, current.starts_on) if current else None
    template_id = request.args.get("template", type=to_id)
    source = programmes.get_template(template_id) if template_id else current
    data = None
    if request.method == "GET":
        data = _builder_data(source)
        data["starts_on"] = patients.patient_today(patient_id)
    form = ProgrammeForm(data=data)
    form.set_exercise_choices(programmes.exercise_choices(), keep=_exercises_in(source, current))
    items_error = None
    if request.method == "POST" and form.add_row.data:
        form.add_blank_row()
    elif form.validate_on_submit():
        rows = form.kept_rows()
        try:
            programmes.save_programme(
                patient_id,
                current_user,
                form.starts_on.data,
                [item for _, item in rows],
                form.note.data,
            )
        except Invalid as error:
            items_error = form.show_error(error, [index for index, _ in rows])
        else:
            flash(f"The new programme for {name} is saved.", "success")
            return redirect(url_for(".patient", patient_id=patient_id))
    return render_template(
        "therapist/programme_edit.html",
        form=form,
        patient_id=patient_id,
        name=name,
        current=summary,
        templates=programmes.list_templates(),
        template_id=template_id,
        items_error=items_error,
    )


def _builder_data(source) -> dict:
    data = {"items": [*programmes.items_as_rows(source), {}]}
    if source is not None:
        data["note"] = source.note or ""
    return data


def _exercises_in(*sources) -> list:
    return [item.exercise for source in sources if source for item in source.items]


# Templates ---------------------------------------------------------------------------------


@bp.get("/therapist/templates")
def templates():
    apply_form = ApplyTemplateForm()
    apply_form.patient_id.choices = _caseload_choices()
    return render_template(
        "therapist/templates.html",
        templates=programmes.list_templates(),
        apply_form=apply_form,
    )


def _caseload_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Choose a patient")] + [
        SelectChoice(patient_id, name) for patient_id, name in patients.caseload_names(current_user)
    ]


@bp.route("/therapist/templates/new", methods=["GET", "POST"])
def new_template():
    return _template_form(None)


@bp.route("/therapist/templates/<int:template_id>/edit", methods=["GET", "POST"])
def edit_template(template_id: int):
    template = programmes.get_template(template_id)
    if template.created_by_id != current_user.id:
        abort(403)
    return _template_form(template)


def _template_form(template):
    data = None
    if request.method == "GET":
        data = _builder_data(template)
        data["title"] = template.title if template else ""
    form = TemplateForm(data=data)
    form.set_exercise_choices(programmes.exercise_choices(), keep=_exercises_in(template))
    items_error = None
    if request.method == "POST" and form.add_row.data:
        form.add_blank_row()
    elif form.validate_on_submit():
        rows = form.kept_rows()
        items = [item for _, item in rows]
        try:
            if template is None:
                programmes.save_template(current_user, form.title.data, items, form.note.data)
            else:
                programmes.update_template(
                    template.id, current_user, form.title.data, items, form.note.data
                )
        except Invalid as error:
            items_error = form.show_error(error, [index for index, _ in rows])
        else:
            flash(f"The template “{form.title.data.strip()}” is saved.", "success")
            return redirect(url_for(".templates"))
    return render_template(
        "therapist/template_edit.html", form=form, template=template, items_error=items_error
    )


@bp.post("/therapist/templates/<int:template_id>/delete")
def delete_template(template_id: int):
    programmes.delete_template(template_id, current_user)
    flash("The template is deleted. Programmes made from it are not changed.", "success")
    return redirect(url_for(".templates"))


@bp.post("/therapist/templates/<int:template_id>/apply")
def apply_template(template_id: int):
    form = ApplyTemplateForm()
    form.validate_on_submit()
    if form.patient_id.data is None:
        flash("Choose a patient to apply the template to.", "error")
        return redirect(url_for(".templates"))
    record = access.require(current_user, access.PRESCRIBE, form.patient_id.data)
    try:
        programmes.apply_template(template_id, record.id, current_user)
    except Invalid as error:
        flash(f"The template was not applied: {error.message}", "error")
        return redirect(url_for(".templates"))
    flash(f"The template is now {record.name}'s programme.", "success")
    return redirect(url_for(".patient", patient_id=record.id))
