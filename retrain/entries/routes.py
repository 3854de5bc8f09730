"""What the care team enters into a patient's record besides visits and notes: an SAQ
answered on paper, a Sunnybrook grading, and a CSV of the patient's past history.

Staff only (therapists and clinicians; a patient gets 403 for the whole section); each
use case checks access for the patient in the URL (404 outside the care team), and
importing injection visits is for clinicians (the import says so by line).
"""

from functools import partial

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import access
from ..errors import Conflict, Invalid
from ..errors.handlers import problems_beside
from ..models import CLINICIAN, THERAPIST
from ..usecases import gradings, history_import, questionnaires
from .forms import ImportForm, grading_form_class, paper_saq_form_class

bp = Blueprint("entries", __name__)


@bp.before_request
def _staff_only():
    access.require_role(current_user, THERAPIST, CLINICIAN)


def _to_progress(patient_id: int, anchor: str):
    return redirect(url_for("outcomes.patient_progress", patient_id=patient_id) + anchor)


def _dated_answers(form_class, page, day_field: str, save):
    """The form of a dated instrument (a paper SAQ, a grading) and, once ``save`` took
    its answers, whether that replaced the day's earlier one (None: not saved)."""
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(formdata=None, **{day_field: page.today})
    keys = list(page.instrument.item_keys)
    if form.validate_on_submit():
        answers = {key: form[key].data for key in keys}
        with problems_beside(form, keys[0], Conflict):
            _, replaced = save(answers, form[day_field].data, replace=form.replace.data)
            return form, replaced
    return form, None


@bp.route("/patients/<int:patient_id>/saq/paper", methods=["GET", "POST"])
def paper_saq(patient_id: int):
    page = questionnaires.paper_saq_page(current_user, patient_id)
    save = partial(questionnaires.enter_saq, current_user, patient_id)
    form, replaced = _dated_answers(
        paper_saq_form_class(page.instrument), page, "answered_on", save
    )
    if replaced is not None:
        flash("The paper SAQ is replaced." if replaced else "The paper SAQ is saved.", "success")
        return _to_progress(patient_id, "#saq")
    items = [(item, form[item.key]) for item in page.instrument.items]
    return render_template("entries/paper_saq.html", form=form, page=page, items=items)


@bp.route("/patients/<int:patient_id>/sunnybrook/new", methods=["GET", "POST"])
def grade(patient_id: int):
    page = gradings.grading_form(current_user, patient_id)
    save = partial(gradings.record_grading, current_user, patient_id)
    form, replaced = _dated_answers(grading_form_class(page.instrument), page, "graded_on", save)
    if replaced is not None:
        flash("The grading is replaced." if replaced else "The grading is saved.", "success")
        return redirect(url_for("outcomes.review", patient_id=patient_id) + "#sunnybrook")
    sections = [
        (section, [form[item.key] for item in section.items])
        for section in page.instrument.sections
    ]
    return render_template("entries/sunnybrook.html", form=form, page=page, sections=sections)


@bp.route("/patients/<int:patient_id>/history-import", methods=["GET", "POST"])
def import_history(patient_id: int):
    page = questionnaires.paper_saq_page(current_user, patient_id)
    form = ImportForm() if request.method == "POST" else ImportForm(formdata=None)
    result = None
    if form.validate_on_submit():
        text = _uploaded_text(form)
        if text is None:
            form.file.errors = ["Choose a CSV file, or paste its text."]
        elif form.confirm.data:
            try:
                done = history_import.run(current_user, patient_id, text)
            except Invalid:
                result = history_import.preview(current_user, patient_id, text)
                flash("Nothing was imported: please correct the lines with errors.", "error")
            else:
                flash(
                    f"Imported {done.saq_count} SAQs and {done.visit_count} injection visits.",
                    "success",
                )
                return _to_progress(patient_id, "")
        else:
            result = history_import.preview(current_user, patient_id, text)
        form.csv_text.data = text
    return render_template("entries/import.html", form=form, page=page, result=result)


def _uploaded_text(form: ImportForm) -> str | None:
    """The CSV: the uploaded file, else the pasted text, else the text a preview sent back."""
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        data = upload.read(history_import.MAX_BYTES + 1)
        return data.decode("utf-8-sig", errors="replace")
    for text in (form.pasted.data, form.csv_text.data):
        if text and text.strip():
            return text
    return None


@bp.get("/history-import/template.csv")
def import_template():
    response = Response(history_import.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="retrain-history-template.csv"'
    return response
