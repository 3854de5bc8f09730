"""Webcam snapshots: consent, capture, gallery, comparison (issue 4).

Who may do what:
- the patient: consent, capture and upload (MANAGE_PHOTOS on their own record),
  their own gallery, deleting their own photos;
- the care team: the patient's gallery, comparison and trends (VIEW), and the
  expression set (SET_EXPRESSIONS, the therapist);
- both: a photo's page and its image files, served only here, after access.py.
Another patient's photo, or a photo id that does not exist: 404 either way.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import access
from ..access import MANAGE_PHOTOS, SET_EXPRESSIONS, VIEW, require, require_role
from ..errors import Invalid
from ..extensions import limiter, user_or_address
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases import snapshots as service
from .forms import ConfirmForm, ConsentForm, ExpressionSetForm, UploadForm, choices_for

bp = Blueprint("snapshots", __name__)

PATIENT_ENDPOINTS = frozenset(
    {
        "snapshots.gallery",
        "snapshots.consent",
        "snapshots.withdraw",
        "snapshots.delete_all",
        "snapshots.capture",
        "snapshots.upload",
        "snapshots.delete_one",
    }
)
STAFF_ENDPOINTS = frozenset(
    {"snapshots.staff_gallery", "snapshots.compare", "snapshots.set_expressions"}
)


@bp.before_request
def _roles():
    if request.endpoint in PATIENT_ENDPOINTS:
        require_role(current_user, PATIENT)
    elif request.endpoint in STAFF_ENDPOINTS:
        require_role(current_user, THERAPIST, CLINICIAN)


def _consent_needed():
    """The 403 page for capture and upload without consent, with the way to give it."""
    if _wants_json():
        body = {"ok": False, "message": service.CONSENT_NEEDED, "consent_url": url_for(".consent")}
        return jsonify(body), 403
    return render_template("snapshots/consent_needed.html"), 403


def _wants_json() -> bool:
    """The capture page's fetch asks for JSON; a plain form post gets pages."""
    return request.accept_mimetypes.best == "application/json"


# --- the patient's own pages ------------------------------------------------------------


@bp.get("/snapshots")
def gallery():
    require(current_user, VIEW, current_user.id)
    return render_template("snapshots/gallery.html", g=service.gallery(current_user.id))


@bp.route("/snapshots/consent", methods=["GET", "POST"])
def consent():
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    form = ConsentForm()
    if form.validate_on_submit():
        service.give_consent(patient.id)
        flash("Thank you. Photos are turned on.", "success")
        return redirect(url_for(".capture"))
    return render_template(
        "snapshots/consent.html",
        form=form,
        consent_since=service.consent_label(patient),
        photo_count=service.photo_count(patient.id),
        withdraw_form=ConfirmForm(),
    )


@bp.post("/snapshots/consent/withdraw")
def withdraw():
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    remaining = service.withdraw_consent(patient.id)
    flash("Photos are turned off. No new photos can be taken.", "success")
    if remaining:
        return redirect(url_for(".delete_all"))
    return redirect(url_for(".consent"))


@bp.route("/snapshots/delete", methods=["GET", "POST"])
def delete_all():
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        deleted = service.delete_all_photos(patient.id)
        flash(
            f"{deleted} photo{'s' if deleted != 1 else ''} deleted, with their measurements.",
            "success",
        )
        return redirect(url_for(".consent"))
    return render_template(
        "snapshots/delete_all.html",
        form=form,
        photo_count=service.photo_count(patient.id),
        consent=service.has_consent(patient),
    )


@bp.get("/snapshots/capture")
def capture():
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    if not service.has_consent(patient):
        return _consent_needed()
    plan = service.capture_plan(
        patient, request.args.get("session"), request.args.get("expression")
    )
    form = UploadForm(
        expressions=[s.expression for s in plan.steps],
        data={"session": plan.session_id or "", "expression": plan.first, "mirrored": "false"},
    )
    return render_template("snapshots/capture.html", plan=plan, form=form)


def _upload_limit() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


@bp.post("/snapshots/upload")
@limiter.limit(_upload_limit, key_func=user_or_address)
def upload():
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    if not service.has_consent(patient):
        return _consent_needed()
    form = UploadForm()
    json = _wants_json()
    error = None
    if form.validate_on_submit():
        try:
            result = service.store_upload(
                patient.id,
                expression=form.expression.data,
                data=form.image.data.read(),
                mirrored=form.is_mirrored,
                session_id=form.session.data or None,
            )
        except Invalid as refused:
            error = (refused.field or "image", refused.message)
        else:
            return _uploaded(result)
    else:
        name, messages = next(iter(form.errors.items()))
        error = (name, " ".join(messages) if name != "csrf_token" else "Please reload the page.")
    if json:
        return jsonify(ok=False, field=error[0], message=error[1]), 400
    getattr(form, error[0], form.image).errors = [error[1]]
    plan = service.capture_plan(patient, form.session.data or None)
    form.expression.choices = choices_for(s.expression for s in plan.steps)
    return render_template("snapshots/capture.html", plan=plan, form=form), 400


def _uploaded(result):
    if _wants_json():
        return jsonify(
            ok=True,
            snapshot_id=result.snapshot_id,
            expression=result.expression,
            analysed=result.analysed,
            quality_ok=result.ok,
            flags=result.flags,
            hints=result.hints,
            url=url_for(".detail", snapshot_id=result.snapshot_id),
            thumbnail_url=url_for(".thumbnail", snapshot_id=result.snapshot_id),
        )
    if not result.analysed:
        flash("Your photo is saved. It could not be measured this time.", "info")
    elif result.ok:
        flash("Your photo is saved. It looks good.", "success")
    else:
        flash("Your photo is saved, but a retake would help: " + " ".join(result.hints), "warning")
    return redirect(url_for(".detail", snapshot_id=result.snapshot_id))


@bp.post("/snapshots/<int:snapshot_id>/delete")
def delete_one(snapshot_id: int):
    patient = require(current_user, MANAGE_PHOTOS, current_user.id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.delete_photo(patient.id, snapshot_id)
    flash("The photo is deleted.", "success")
    return redirect(url_for(".gallery"))


# --- shared: one photo and its files --------------------------------------------------------


def _snapshot_or_404(snapshot_id: int):
    row = service.find(snapshot_id)
    if row is None:
        abort(404)
    require(current_user, VIEW, row.patient_id)
    return row


def _jpeg(data: bytes | None) -> Response:
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/snapshots/<int:snapshot_id>/image")
def image(snapshot_id: int):
    return _jpeg(service.image_bytes(_snapshot_or_404(snapshot_id)))


@bp.get("/snapshots/<int:snapshot_id>/thumbnail")
def thumbnail(snapshot_id: int):
    return _jpeg(service.image_bytes(_snapshot_or_404(snapshot_id), "thumbnail"))


@bp.get("/snapshots/<int:snapshot_id>/aligned")
def aligned(snapshot_id: int):
    return _jpeg(service.aligned_jpeg(_snapshot_or_404(snapshot_id)))


@bp.get("/snapshots/<int:snapshot_id>")
def detail(snapshot_id: int):
    row = _snapshot_or_404(snapshot_id)
    staff = current_user.role != PATIENT
    return render_template(
        "snapshots/detail.html",
        d=service.detail(row),
        staff=staff,
        delete_form=None if staff else ConfirmForm(),
    )


# --- the care team's pages ---------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/snapshots")
def staff_gallery(patient_id: int):
    patient = require(current_user, VIEW, patient_id)
    form = ExpressionSetForm(data={"expressions": service.expressions_for(patient)})
    return _staff_page(patient_id, form)


def _staff_page(patient_id: int, form, status: int = 200):
    return render_template(
        "snapshots/staff_gallery.html",
        g=service.gallery(patient_id),
        trends=service.trends(patient_id),
        form=form,
        can_set=access.may(current_user, SET_EXPRESSIONS, patient_id),
    ), status


@bp.post("/patients/<int:patient_id>/snapshots/expressions")
def set_expressions(patient_id: int):
    require(current_user, SET_EXPRESSIONS, patient_id)
    form = ExpressionSetForm()
    if form.validate_on_submit():
        try:
            service.set_expressions(patient_id, form.expressions.data)
        except Invalid as error:
            form.expressions.errors = [error.message]
        else:
            flash("The expression set is saved.", "success")
            return redirect(url_for(".staff_gallery", patient_id=patient_id))
    return _staff_page(patient_id, form, 400)


@bp.get("/patients/<int:patient_id>/snapshots/compare")
def compare(patient_id: int):
    require(current_user, VIEW, patient_id)
    view = service.comparison(
        patient_id,
        request.args.get("expression") or None,
        request.args.get("a"),
        request.args.get("b"),
    )
    aligned_view = request.args.get("aligned") == "1"
    return render_template("snapshots/compare.html", c=view, aligned=aligned_view)
