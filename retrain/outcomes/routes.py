"""Progress, SAQ, injection visits and the reinjection review.

Who reaches what (the use cases check access for the patient in the URL):

- patients: /progress (My progress), /saq (answer the questionnaire), their own
  /patients/<own id>/export.csv;
- therapists and clinicians on the care team: /patients/<id>/progress, /review,
  /injections (read), notes, the SAQ schedule, the CSV export;
- clinicians only: recording and editing injection visits, reinjection decisions.

A logged-in user of another role gets 403 for a whole section (ROLES below), whatever
the patient id; a patient outside the user's care teams gets 404 and nothing is written.
"""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import access, formatting
from ..errors import Conflict
from ..errors.handlers import problems_beside
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases import exports, injections, notes, progress, questionnaires
from .forms import (
    CancelRequestForm,
    DecisionForm,
    InjectionVisitForm,
    IntervalForm,
    NoteForm,
    RequestForm,
    saq_form_class,
)

bp = Blueprint("outcomes", __name__)

STAFF = (THERAPIST, CLINICIAN)
ROLES = {
    "outcomes.my_progress": (PATIENT,),
    "outcomes.saq": (PATIENT,),
    "outcomes.export_csv": (PATIENT, THERAPIST, CLINICIAN),
    "outcomes.export_zip": (PATIENT, THERAPIST, CLINICIAN),
    "outcomes.patient_progress": STAFF,
    "outcomes.review": STAFF,
    "outcomes.add_note": STAFF,
    "outcomes.saq_interval": STAFF,
    "outcomes.saq_request": STAFF,
    "outcomes.saq_request_cancel": STAFF,
    "outcomes.injections_list": STAFF,
    "outcomes.injection": STAFF,
    "outcomes.new_injection": (CLINICIAN,),
    "outcomes.edit_injection": (CLINICIAN,),
    "outcomes.decide": (CLINICIAN,),
}
NOTE_RETURNS = {"progress": "outcomes.patient_progress", "review": "outcomes.review"}


@bp.before_request
def _section_roles():
    access.require_role(current_user, *ROLES.get(request.endpoint, ()))


def _back_to(endpoint: str, patient_id: int, anchor: str = ""):
    return redirect(url_for(endpoint, patient_id=patient_id) + anchor)


# --- the patient's own pages -------------------------------------------------------------


@bp.get("/progress")
def my_progress():
    return render_template("outcomes/my_progress.html", p=progress.my_progress(current_user))


@bp.route("/saq", methods=["GET", "POST"])
def saq():
    form_class = saq_form_class(questionnaires.instrument())
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    keys = [item.key for item in questionnaires.instrument().items]
    if form.validate_on_submit():
        answers = {key: form[key].data for key in keys}
        with problems_beside(form, keys[0]):
            _, replaced = questionnaires.submit_saq(current_user, current_user.id, answers)
            flash(
                "Your answers are updated for today. Thank you."
                if replaced
                else "Thank you. Your answers are saved.",
                "success",
            )
            return redirect(url_for(".my_progress"))
    page = questionnaires.saq_form(current_user)
    return render_template(
        "outcomes/saq.html",
        form=form,
        instrument=page.instrument,
        items=[(item, form[item.key]) for item in page.instrument.items],
        status=page.status,
    )


# --- staff: progress and review ------------------------------------------------------------


def _progress_page(patient_id: int, **forms):
    view = progress.staff_progress(current_user, patient_id)
    return render_template(
        "outcomes/patient_progress.html",
        p=view.page,
        view=view,
        note_form=forms.get("note_form") or NoteForm(formdata=None, back="progress"),
        interval_form=forms.get("interval_form")
        or IntervalForm(formdata=None, interval_days=str(view.page.status.interval_days)),
        request_form=forms.get("request_form") or RequestForm(formdata=None),
        cancel_form=CancelRequestForm(formdata=None),
    )


def _review_page(patient_id: int, **forms):
    view = progress.staff_progress(current_user, patient_id)
    return render_template(
        "outcomes/review.html",
        p=view.page,
        view=view,
        live_by_cycle=view.live_by_cycle,
        note_form=forms.get("note_form") or NoteForm(formdata=None, back="review"),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
    )


@bp.get("/patients/<int:patient_id>/progress")
def patient_progress(patient_id: int):
    return _progress_page(patient_id)


@bp.get("/patients/<int:patient_id>/review")
def review(patient_id: int):
    return _review_page(patient_id)


@bp.post("/patients/<int:patient_id>/notes")
def add_note(patient_id: int):
    form = NoteForm()
    back = form.back.data if form.back.data in NOTE_RETURNS else "review"
    if form.validate_on_submit():
        with problems_beside(form, "body"):
            notes.add_note(current_user, patient_id, form.body.data)
            flash("Your note is added.", "success")
            return _back_to(NOTE_RETURNS[back], patient_id, "#notes")
    render = _review_page if back == "review" else _progress_page
    return render(patient_id, note_form=form)


@bp.post("/patients/<int:patient_id>/decisions")
def decide(patient_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        with problems_beside(form, "decision"):
            notes.record_decision(
                current_user,
                patient_id,
                decision=form.decision.data,
                wait_until=form.wait_until.data,
                note=form.note.data,
            )
            flash("The decision is recorded.", "success")
            return _back_to(".review", patient_id, "#decisions")
    return _review_page(patient_id, decision_form=form)


@bp.post("/patients/<int:patient_id>/saq-interval")
def saq_interval(patient_id: int):
    form = IntervalForm()
    if form.validate_on_submit():
        with problems_beside(form, "interval_days"):
            days = questionnaires.set_interval(current_user, patient_id, form.interval_days.data)
            flash(f"The questionnaire is now asked for every {days} days.", "success")
            return _back_to(".patient_progress", patient_id, "#saq")
    return _progress_page(patient_id, interval_form=form)


@bp.post("/patients/<int:patient_id>/saq-requests")
def saq_request(patient_id: int):
    form = RequestForm()
    if form.validate_on_submit():
        with problems_beside(form, "requested_on"):
            row = questionnaires.request_saq(current_user, patient_id, form.requested_on.data)
            day = formatting.day(row.requested_on)
            flash(f"A questionnaire is asked for on {day}.", "success")
            return _back_to(".patient_progress", patient_id, "#saq")
    return _progress_page(patient_id, request_form=form)


@bp.post("/patients/<int:patient_id>/saq-requests/cancel")
def saq_request_cancel(patient_id: int):
    form = CancelRequestForm()
    if not form.validate_on_submit():
        flash("The request was not withdrawn. Please try again.", "error")
    elif questionnaires.cancel_request(current_user, patient_id, form.requested_on.data):
        flash(f"The request for {formatting.day(form.requested_on.data)} is withdrawn.", "success")
    return _back_to(".patient_progress", patient_id, "#saq")


# --- injection visits ----------------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/injections")
def injections_list(patient_id: int):
    page = injections.visits_page(current_user, patient_id)
    return render_template("outcomes/injections.html", page=page)


def _visit_form(form, patient_id: int, visit_id: int | None = None, page=None):
    page = page or injections.visit_form_page(current_user, patient_id, visit_id)
    return render_template("outcomes/injection_form.html", form=form, page=page)


def _form_buttons(form: InjectionVisitForm, patient_id: int) -> bool:
    """Handle "Add a site" and "Copy the last visit's sites"; True when one was pressed
    (the form is shown again, nothing saved)."""
    if form.more_rows.data:
        form.add_blank_rows()
        return True
    if form.copy_last.data:
        last = injections.last_visit_sites(current_user, patient_id)
        if last is None:
            flash("There is no earlier visit to copy.", "error")
        else:
            form.copy_sites(*last)
        return True
    return False


@bp.route("/patients/<int:patient_id>/injections/new", methods=["GET", "POST"])
def new_injection(patient_id: int):
    if request.method == "GET":
        page = injections.visit_form_page(current_user, patient_id)
        form = InjectionVisitForm(
            formdata=None, data={"injected_on": page.today, "kind": page.proposed_kind}
        )
        return _visit_form(form, patient_id, page=page)
    form = InjectionVisitForm()
    if not _form_buttons(form, patient_id) and form.validate_on_submit():
        with problems_beside(form, "injected_on", Conflict):
            visit = injections.create_visit(current_user, patient_id, **form.visit_values())
            flash("The injection visit is saved.", "success")
            return redirect(url_for(".injection", patient_id=patient_id, visit_id=visit.id))
    return _visit_form(form, patient_id)


@bp.get("/patients/<int:patient_id>/injections/<int:visit_id>")
def injection(patient_id: int, visit_id: int):
    page = injections.visit_page(current_user, patient_id, visit_id)
    return render_template("outcomes/injection.html", v=page)


@bp.route("/patients/<int:patient_id>/injections/<int:visit_id>/edit", methods=["GET", "POST"])
def edit_injection(patient_id: int, visit_id: int):
    if request.method == "GET":
        page = injections.visit_form_page(current_user, patient_id, visit_id)
        form = InjectionVisitForm(formdata=None, data=page.values)
        return _visit_form(form, patient_id, visit_id, page=page)
    form = InjectionVisitForm()
    if not _form_buttons(form, patient_id) and form.validate_on_submit():
        with problems_beside(form, "injected_on", Conflict):
            _, changed = injections.update_visit(
                current_user, patient_id, visit_id, **form.visit_values()
            )
            flash("The visit is updated." if changed else "Nothing was changed.", "success")
            return redirect(url_for(".injection", patient_id=patient_id, visit_id=visit_id))
    return _visit_form(form, patient_id, visit_id)


# --- export ------------------------------------------------------------------------------
# The export use cases (exports, archive) belong to the record's export; they check
# access.EXPORT themselves only in part yet, so these routes still ask first.


@bp.get("/patients/<int:patient_id>/export.csv")
def export_csv(patient_id: int):
    return _download(exports.csv_file(current_user, patient_id))


@bp.get("/patients/<int:patient_id>/export.zip")
def export_zip(patient_id: int):
    """The whole record: FHIR JSON, CSV and the photos, in one zip."""
    return _download(exports.zip_file(current_user, patient_id))


def _download(download) -> Response:
    response = Response(download.data, mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
