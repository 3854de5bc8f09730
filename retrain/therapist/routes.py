"""Therapist pages, and the patient pages therapists and clinicians share.

One way for shared staff views: they live here, under /patients/..., and the
blueprint lets both roles reach the endpoints in SHARED_ENDPOINTS (each use case still
checks access). Everything else here is for therapists only, so a clinician gets 403 on
the programme builder and the templates, whichever patient id is asked.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import access
from ..auth import link_mail
from ..errors import Invalid
from ..errors.handlers import problems_beside, problems_flashed
from ..ids import to_id
from ..infrastructure.invitations import reset_valid_minutes
from ..models import CLINICIAN, THERAPIST
from ..presenters.qr_code import qr_svg
from ..usecases import patients, programme_templates, programmes
from ..usecases import programme_sheet as programme_sheets
from ..usecases.caseload import caseload_page as caseload_table
from ..usecases.programme_reads import items_as_rows
from .forms import (
    ApplyTemplateForm,
    NewPatientForm,
    PasswordResetForm,
    ProgrammeForm,
    TemplateForm,
)

bp = Blueprint("therapist", __name__)

SHARED_ENDPOINTS = frozenset(
    {
        "therapist.patient",
        "therapist.invite",
        "therapist.email_invitation",
        "therapist.send_password_reset",
        "therapist.programme_sheet",
    }
)


@bp.before_request
def _only_staff():
    if request.endpoint in SHARED_ENDPOINTS:
        access.require_role(current_user, THERAPIST, CLINICIAN)
    else:
        access.require_role(current_user, THERAPIST)


# Shared by the therapist and clinician blueprints ---------------------------------------


def caseload_page(new_patient_endpoint: str):
    table = caseload_table(current_user, request.args)
    return render_template(
        "staff/caseload.html", table=table, new_patient_url=url_for(new_patient_endpoint)
    )


def new_patient_page(back_endpoint: str):
    form = NewPatientForm()
    if form.validate_on_submit():
        with problems_beside(form, "email"):
            patient, token = patients.create_patient(
                current_user, form.name.data, form.email.data, form.affected_side.data
            )
            # Shown in this response only: the token is never stored in plain text.
            return invitation_page(patient, token, new=True)
    return render_template("staff/new_patient.html", form=form, back_url=url_for(back_endpoint))


def invitation_page(patient, token: str, *, new: bool, sent: bool = False):
    """The one page that shows an invitation link (copy, QR code, send by e-mail), only
    in the response that made it or e-mailed it: the token is never stored in plain."""
    link = url_for("auth.invitation", token=token, _external=True)
    patient_id, name = patient.id, patient.name
    return render_template(
        "staff/invitation_link.html",
        patient_id=patient_id,
        name=name,
        email=patient.user.email,
        link=link,
        token=token,
        qr=qr_svg(link, f"QR code of {name}'s invitation link"),
        new=new,
        sent=sent,
        can_prescribe=access.may(current_user, access.PRESCRIBE, patient_id),
    )


@bp.post("/patients/<int:patient_id>/invitation/email")
def email_invitation(patient_id: int):
    """Send the link just shown to the patient's own address, and show the page again."""
    token = request.form.get("token", "")[:100]
    with problems_flashed():
        record, letter = patients.invitation_to_email(current_user, patient_id, token)
        link = url_for("auth.invitation", token=token, _external=True)
        link_mail.send_invitation(letter.patient_name, letter.email, link, letter.sender_name)
        new = request.form.get("new") == "1"
        return invitation_page(record, token, new=new, sent=True)
    return redirect(url_for(".patient", patient_id=patient_id))


# Therapist pages --------------------------------------------------------------------------


@bp.get("/therapist/")
def caseload():
    return caseload_page("therapist.new_patient")


@bp.route("/therapist/patients/new", methods=["GET", "POST"])
def new_patient():
    return new_patient_page("therapist.caseload")


@bp.get("/patients/<int:patient_id>")
def patient(patient_id: int):
    overview = patients.view_patient(
        current_user,
        patient_id,
        log_page=request.args.get("log", 1, type=int),
        log_size=patients.SESSION_LOG_PAGE,
        with_chart=True,
    )
    return render_template("staff/patient.html", p=overview, reset_form=PasswordResetForm())


@bp.post("/patients/<int:patient_id>/invitation")
def invite(patient_id: int):
    """A new invitation link, for a patient who has not set a password yet."""
    # The form is a button on the patient page: a refusal's message is shown there.
    with problems_flashed():
        record, token = patients.reinvite(current_user, patient_id)
        return invitation_page(record, token, new=False)
    return redirect(url_for(".patient", patient_id=patient_id))


@bp.post("/patients/<int:patient_id>/password-reset")
def send_password_reset(patient_id: int):
    """A forgotten password: the patient gets a reset link by e-mail; staff never see it."""
    confirmed = PasswordResetForm().validate_on_submit()
    with problems_flashed():
        record = patients.send_password_reset(current_user, patient_id, confirmed=confirmed)
        link_mail.request_for_account(patient_id)  # first: before a query opens a transaction
        flash(
            f"We are e-mailing {record.name} a link to set a new password. It works once, "
            f"for {reset_valid_minutes()} minutes.",
            "success",
        )
    return redirect(url_for(".patient", patient_id=patient_id))


@bp.get("/patients/<int:patient_id>/programme/sheet")
def programme_sheet(patient_id: int):
    """The patient's programme in force as the A4 sheet they get (print it for them)."""
    sheet = programme_sheets.view_sheet(current_user, patient_id)
    return render_template("programme_sheet.html", sheet=sheet)


# The programme builder -------------------------------------------------------------------


@bp.route("/patients/<int:patient_id>/programme/edit", methods=["GET", "POST"])
def edit_programme(patient_id: int):
    template_id = request.args.get("template", type=to_id)
    page = programmes.view_programme_builder(current_user, patient_id, template_id)
    data = None
    if request.method == "GET":
        data = _builder_data(page.source)
        data["starts_on"] = page.today
    form = ProgrammeForm(data=data)
    form.set_exercise_choices(page.exercises, keep=page.exercises_in_use)
    if request.method == "POST" and form.pressed_add():
        form.add_exercise_row()
    elif form.validate_on_submit():
        rows = form.kept_rows()
        try:
            programmes.save_programme(
                current_user,
                patient_id,
                form.starts_on.data,
                [item for _, item in rows],
                form.note.data,
            )
        except Invalid as error:
            form.show_problems(error, [index for index, _ in rows])
        else:
            flash(f"The new programme for {page.name} is saved.", "success")
            return redirect(url_for(".patient", patient_id=patient_id))
    return render_template("therapist/programme_edit.html", form=form, page=page)


def _builder_data(source) -> dict:
    data = {"items": items_as_rows(source)}
    if source is not None:
        data["note"] = source.note or ""
    return data


# Templates ---------------------------------------------------------------------------------


@bp.get("/therapist/templates")
def templates():
    page = programme_templates.view_templates(current_user)
    apply_form = ApplyTemplateForm()
    apply_form.patient_id.choices = [SelectChoice("", "Choose a patient")] + [
        SelectChoice(patient_id, name) for patient_id, name in page.patients
    ]
    return render_template(
        "therapist/templates.html", templates=page.templates, apply_form=apply_form
    )


@bp.route("/therapist/templates/new", methods=["GET", "POST"])
def new_template():
    return _template_form(None)


@bp.route("/therapist/templates/<int:template_id>/edit", methods=["GET", "POST"])
def edit_template(template_id: int):
    return _template_form(template_id)


def _template_form(template_id: int | None):
    page = programme_templates.view_template_form(current_user, template_id)
    template = page.template
    data = None
    if request.method == "GET":
        data = _builder_data(template)
        data["title"] = template.title if template else ""
    form = TemplateForm(data=data)
    in_use = [item.exercise for item in template.items] if template else []
    form.set_exercise_choices(page.exercises, keep=in_use)
    if request.method == "POST" and form.pressed_add():
        form.add_exercise_row()
    elif form.validate_on_submit():
        rows = form.kept_rows()
        items = [item for _, item in rows]
        try:
            if template_id is None:
                programme_templates.save_template(
                    current_user, form.title.data, items, form.note.data
                )
            else:
                programme_templates.update_template(
                    current_user, template_id, form.title.data, items, form.note.data
                )
        except Invalid as error:
            form.show_problems(error, [index for index, _ in rows])
        else:
            flash(f"The template “{form.title.data.strip()}” is saved.", "success")
            return redirect(url_for(".templates"))
    return render_template("therapist/template_edit.html", form=form, template=template)


@bp.post("/therapist/templates/<int:template_id>/delete")
def delete_template(template_id: int):
    programme_templates.delete_template(current_user, template_id)
    flash("The template is deleted. Programmes made from it are not changed.", "success")
    return redirect(url_for(".templates"))


@bp.post("/therapist/templates/<int:template_id>/apply")
def apply_template(template_id: int):
    form = ApplyTemplateForm()
    form.validate_on_submit()
    if form.patient_id.data is None:
        flash("Choose a patient to apply the template to.", "error")
        return redirect(url_for(".templates"))
    record, _ = programmes.apply_template(current_user, template_id, form.patient_id.data)
    flash(f"The template is now {record.name}'s programme.", "success")
    return redirect(url_for(".patient", patient_id=record.id))
