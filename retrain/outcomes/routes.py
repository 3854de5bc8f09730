"""Progress, SAQ, injection visits and the reinjection review (issue 3).

Who reaches what (each route also asks access.require for the patient):

- patients: /progress (My progress), /saq (answer the questionnaire), their own
  /patients/<own id>/export.csv;
- therapists and clinicians on the care team: /patients/<id>/progress, /review,
  /injections (read), notes, the SAQ schedule, the CSV export;
- clinicians only: recording and editing injection visits, reinjection decisions.

A logged-in user of another role gets 403 for a whole section (ROLES below), whatever
the patient id; a patient outside the user's care teams gets 404 and nothing is written.
"""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import access, formatting
from ..errors import Invalid
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases import exports, injections, progress_report
from ..usecases import questionnaires as saq_service
from ..usecases.local_time import patient_today
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


def _apply(form, error: Invalid, default: str) -> None:
    """Put a service's message beside its field (or the default field)."""
    errors = error.problems
    for item in errors:
        name = item.field or default
        target = _field(form, name) or _field(form, default)
        target.errors = [*target.errors, item.message]


def _field(form, name: str):
    if name.startswith("sites-"):
        _, index, key = name.split("-", 2)
        rows = list(form.sites)
        return getattr(rows[int(index)], key) if int(index) < len(rows) else form.sites
    return getattr(form, name, None)


# --- the patient's own pages -------------------------------------------------------------


@bp.get("/progress")
def my_progress():
    access.require(current_user, access.VIEW, current_user.id)
    page = progress_report.load(current_user.id, for_staff=False)
    return render_template("outcomes/my_progress.html", p=page)


@bp.route("/saq", methods=["GET", "POST"])
def saq():
    access.require(current_user, access.ANSWER_SAQ, current_user.id)
    instrument = saq_service.instrument()
    form = saq_form_class(instrument)()
    today = patient_today(current_user.id)
    if form.validate_on_submit():
        answers = {item.key: getattr(form, item.key).data for item in instrument.items}
        try:
            _, replaced = saq_service.submit_saq(current_user, current_user.id, answers, today)
        except Invalid as error:
            _apply(form, error, instrument.items[0].key)
        else:
            flash(
                "Your answers are updated for today. Thank you."
                if replaced
                else "Thank you. Your answers are saved.",
                "success",
            )
            return redirect(url_for(".my_progress"))
    elif request.method == "GET":
        form = saq_form_class(instrument)(formdata=None)
    status = saq_service.saq_due_for(current_user.id, today)
    return render_template(
        "outcomes/saq.html",
        form=form,
        instrument=instrument,
        items=[(item, getattr(form, item.key)) for item in instrument.items],
        status=status,
    )


# --- staff: progress and review ------------------------------------------------------------


def _progress_page(patient_id: int, **forms):
    page = progress_report.load(patient_id)
    today = page.today
    return render_template(
        "outcomes/patient_progress.html",
        p=page,
        note_form=forms.get("note_form") or NoteForm(formdata=None, back="progress"),
        interval_form=forms.get("interval_form")
        or IntervalForm(formdata=None, interval_days=str(page.status.interval_days)),
        request_form=forms.get("request_form") or RequestForm(formdata=None),
        cancel_form=CancelRequestForm(formdata=None),
        can_note=access.may(current_user, access.WRITE_NOTE, patient_id),
        can_schedule=access.may(current_user, access.SET_SAQ_SCHEDULE, patient_id),
        today=today,
    )


@bp.get("/patients/<int:patient_id>/progress")
def patient_progress(patient_id: int):
    access.require(current_user, access.VIEW, patient_id)
    return _progress_page(patient_id)


def _review_page(patient_id: int, **forms):
    page = progress_report.load(patient_id)
    return render_template(
        "outcomes/review.html",
        p=page,
        note_form=forms.get("note_form") or NoteForm(formdata=None, back="review"),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
        can_note=access.may(current_user, access.WRITE_NOTE, patient_id),
        can_decide=access.may(current_user, access.DECIDE, patient_id),
    )


@bp.get("/patients/<int:patient_id>/review")
def review(patient_id: int):
    access.require(current_user, access.VIEW, patient_id)
    return _review_page(patient_id)


@bp.post("/patients/<int:patient_id>/notes")
def add_note(patient_id: int):
    access.require(current_user, access.WRITE_NOTE, patient_id)
    form = NoteForm()
    back = form.back.data if form.back.data in NOTE_RETURNS else "review"
    if form.validate_on_submit():
        try:
            progress_report.add_note(current_user, patient_id, form.body.data)
        except Invalid as error:
            _apply(form, error, "body")
        else:
            flash("Your note is added.", "success")
            return redirect(url_for(NOTE_RETURNS[back], patient_id=patient_id) + "#notes")
    render = _review_page if back == "review" else _progress_page
    return render(patient_id, note_form=form)


@bp.post("/patients/<int:patient_id>/decisions")
def decide(patient_id: int):
    access.require(current_user, access.DECIDE, patient_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            progress_report.record_decision(
                current_user,
                patient_id,
                decision=form.decision.data,
                wait_until=form.wait_until.data,
                note=form.note.data,
                today=patient_today(patient_id),
            )
        except Invalid as error:
            _apply(form, error, "decision")
        else:
            flash("The decision is recorded.", "success")
            return redirect(url_for(".review", patient_id=patient_id) + "#decisions")
    return _review_page(patient_id, decision_form=form)


@bp.post("/patients/<int:patient_id>/saq-interval")
def saq_interval(patient_id: int):
    access.require(current_user, access.SET_SAQ_SCHEDULE, patient_id)
    form = IntervalForm()
    if form.validate_on_submit():
        try:
            days = saq_service.set_interval(current_user, patient_id, form.interval_days.data)
        except Invalid as error:
            _apply(form, error, "interval_days")
        else:
            flash(f"The questionnaire is now asked for every {days} days.", "success")
            return redirect(url_for(".patient_progress", patient_id=patient_id) + "#saq")
    return _progress_page(patient_id, interval_form=form)


@bp.post("/patients/<int:patient_id>/saq-requests")
def saq_request(patient_id: int):
    access.require(current_user, access.SET_SAQ_SCHEDULE, patient_id)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            row = saq_service.request_saq(
                current_user,
                patient_id,
                form.requested_on.data,
                patient_today(patient_id),
            )
        except Invalid as error:
            _apply(form, error, "requested_on")
        else:
            flash(
                f"A questionnaire is asked for on {formatting.day(row.requested_on)}.",
                "success",
            )
            return redirect(url_for(".patient_progress", patient_id=patient_id) + "#saq")
    return _progress_page(patient_id, request_form=form)


@bp.post("/patients/<int:patient_id>/saq-requests/cancel")
def saq_request_cancel(patient_id: int):
    access.require(current_user, access.SET_SAQ_SCHEDULE, patient_id)
    form = CancelRequestForm()
    if form.validate_on_submit():
        try:
            day = date.fromisoformat(form.requested_on.data or "")
        except ValueError:
            abort(400)
        if saq_service.cancel_request(current_user, patient_id, day):
            flash(f"The request for {formatting.day(day)} is withdrawn.", "success")
    else:
        flash("The request was not withdrawn. Please try again.", "error")
    return redirect(url_for(".patient_progress", patient_id=patient_id) + "#saq")


# --- injection visits ----------------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/injections")
def injections_list(patient_id: int):
    record = access.require(current_user, access.VIEW, patient_id)
    return render_template(
        "outcomes/injections.html",
        patient=record,
        visits=injections.visits_for(patient_id),
        product_labels=injections.PRODUCT_LABELS,
        fmt_units=formatting.units,
        can_inject=access.may(current_user, access.RECORD_INJECTION, patient_id),
    )


def _visit_form_page(form, patient, *, visit_id=None):
    return render_template(
        "outcomes/injection_form.html",
        form=form,
        patient=patient,
        visit_id=visit_id,
        thresholds=injections.HIGH_DOSE_THRESHOLDS,
        product_labels=injections.PRODUCT_LABELS,
        fmt_units=formatting.units,
    )


@bp.route("/patients/<int:patient_id>/injections/new", methods=["GET", "POST"])
def new_injection(patient_id: int):
    patient = access.require(current_user, access.RECORD_INJECTION, patient_id)
    form = InjectionVisitForm()
    if form.more_rows.data:
        form.add_blank_rows()
        return _visit_form_page(form, patient)
    if form.validate_on_submit():
        try:
            visit = injections.create_visit(
                current_user,
                patient_id,
                **form.visit_values(),
                today=patient_today(patient_id),
            )
        except Invalid as error:
            _apply(form, error, "injected_on")
        else:
            flash("The injection visit is saved.", "success")
            return redirect(url_for(".injection", patient_id=patient_id, visit_id=visit.id))
    return _visit_form_page(form, patient)


@bp.get("/patients/<int:patient_id>/injections/<int:visit_id>")
def injection(patient_id: int, visit_id: int):
    patient = access.require(current_user, access.VIEW, patient_id)
    page = injections.visit_page(patient_id, visit_id)
    face = injections.face_map_svg(page)
    return render_template(
        "outcomes/injection.html",
        patient=patient,
        v=page,
        face=face,
        can_inject=access.may(current_user, access.RECORD_INJECTION, patient_id),
    )


@bp.route("/patients/<int:patient_id>/injections/<int:visit_id>/edit", methods=["GET", "POST"])
def edit_injection(patient_id: int, visit_id: int):
    patient = access.require(current_user, access.RECORD_INJECTION, patient_id)
    if request.method == "GET":
        values = injections.form_values(injections.get_visit(patient_id, visit_id))
        form = InjectionVisitForm(formdata=None, data=values)
        if len(form.sites) == len(values["sites"]):  # no blank rows left: offer two
            form.add_blank_rows(2)
        return _visit_form_page(form, patient, visit_id=visit_id)
    injections.get_visit(patient_id, visit_id)  # 404 for another patient's visit
    form = InjectionVisitForm()
    if form.more_rows.data:
        form.add_blank_rows()
        return _visit_form_page(form, patient, visit_id=visit_id)
    if form.validate_on_submit():
        try:
            _, changed = injections.update_visit(
                current_user,
                patient_id,
                visit_id,
                **form.visit_values(),
                today=patient_today(patient_id),
            )
        except Invalid as error:
            _apply(form, error, "injected_on")
        else:
            flash("The visit is updated." if changed else "Nothing was changed.", "success")
            return redirect(url_for(".injection", patient_id=patient_id, visit_id=visit_id))
    return _visit_form_page(form, patient, visit_id=visit_id)


# --- export ------------------------------------------------------------------------------


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
