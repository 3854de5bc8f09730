"""Webcam snapshots: consent, capture, gallery, comparison.

Who may do what (the use cases ask retrain/access.py):
- the patient: consent, capture and upload (MANAGE_PHOTOS on their own record),
  their own gallery, deleting their own photos;
- the care team: the patient's gallery, comparison and trends (VIEW), and the
  expression set (SET_EXPRESSIONS, the therapist);
- both: a photo's page and its image files, served only here and by the API.
Another patient's photo, or a photo id that does not exist: 404 either way.
"""

from flask import (
    Blueprint,
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

from ..access import require_role
from ..errors import Invalid
from ..errors.handlers import problems_beside, show_on_form
from ..extensions import limiter, user_or_address
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases import snapshot_pages, snapshots
from ..usecases.snapshots import ConsentRequired
from .files import jpeg_response
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
        consent_url = url_for(".consent")
        return jsonify(ok=False, message=snapshots.CONSENT_NEEDED, consent_url=consent_url), 403
    return render_template("snapshots/consent_needed.html"), 403


def _wants_json() -> bool:
    """The capture page's fetch asks for JSON; a plain form post gets pages."""
    return request.accept_mimetypes.best == "application/json"


# --- the patient's own pages ------------------------------------------------------------


@bp.get("/snapshots")
def gallery():
    return render_template(
        "snapshots/gallery.html", g=snapshot_pages.gallery_page(current_user, current_user.id)
    )


@bp.route("/snapshots/consent", methods=["GET", "POST"])
def consent():
    form = ConsentForm()
    if form.validate_on_submit():
        snapshots.give_consent(current_user, current_user.id)
        flash("Thank you. Photos are turned on.", "success")
        return redirect(url_for(".capture"))
    return render_template(
        "snapshots/consent.html",
        form=form,
        status=snapshot_pages.photo_status(current_user, current_user.id),
        withdraw_form=ConfirmForm(),
    )


@bp.post("/snapshots/consent/withdraw")
def withdraw():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    remaining = snapshots.withdraw_consent(current_user, current_user.id)
    flash("Photos are turned off. No new photos can be taken.", "success")
    return redirect(url_for(".delete_all" if remaining else ".consent"))


@bp.route("/snapshots/delete", methods=["GET", "POST"])
def delete_all():
    form = ConfirmForm()
    if form.validate_on_submit():
        deleted = snapshots.delete_all_photos(current_user, current_user.id)
        flash(
            f"{deleted} photo{'s' if deleted != 1 else ''} deleted, with their measurements.",
            "success",
        )
        return redirect(url_for(".consent"))
    status = snapshot_pages.photo_status(current_user, current_user.id)
    return render_template("snapshots/delete_all.html", form=form, status=status)


@bp.get("/snapshots/capture")
def capture():
    try:
        plan = snapshot_pages.capture_plan(
            current_user,
            current_user.id,
            session_id=request.args.get("session"),
            first=request.args.get("expression"),
        )
    except ConsentRequired:
        return _consent_needed()
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
    form = UploadForm()
    try:
        if form.validate_on_submit():
            result = snapshots.upload_photo(
                current_user,
                current_user.id,
                expression=form.expression.data,
                data=form.image.data.read(),
                mirrored=form.is_mirrored,
                session_id=form.session.data or None,
            )
            return _uploaded(result)
        snapshots.require_consent(current_user, current_user.id)  # photos off: say that first
        refused = _form_problem(form)
    except ConsentRequired:
        return _consent_needed()
    except Invalid as error:
        show_on_form(form, error, "image")
        refused = error
    if _wants_json():
        return jsonify(ok=False, field=refused.field or "image", message=refused.message), 400
    plan = snapshot_pages.capture_plan(current_user, current_user.id, form.session.data or None)
    form.expression.choices = choices_for(s.expression for s in plan.steps)
    return render_template("snapshots/capture.html", plan=plan, form=form), 400


def _form_problem(form) -> Invalid:
    """The first field the form refused (its errors are already beside it)."""
    name, messages = next(iter(form.errors.items()))
    if name == "csrf_token":
        return Invalid("Please reload the page.", name)
    return Invalid(" ".join(messages), name)


def _analysis_json(result: snapshots.UploadResult) -> dict:
    return {
        "snapshot_id": result.snapshot_id,
        "pending": result.pending,
        "analysed": result.analysed,
        "quality_ok": result.ok,
        "flags": result.flags,
        "hints": result.hints,
    }


def _uploaded(result: snapshots.UploadResult):
    if _wants_json():
        return jsonify(
            ok=True,
            expression=result.expression,
            **_analysis_json(result),
            analysis_url=url_for(".analysis", snapshot_id=result.snapshot_id),
            url=url_for(".detail", snapshot_id=result.snapshot_id),
            thumbnail_url=url_for(".thumbnail", snapshot_id=result.snapshot_id),
        )
    if result.pending:
        flash(
            "Your photo is saved. It is being checked: in a moment its page says whether "
            "a retake would help.",
            "info",
        )
    elif not result.analysed:
        flash("Your photo is saved. It could not be measured this time.", "info")
    elif result.ok:
        flash("Your photo is saved. It looks good.", "success")
    else:
        flash("Your photo is saved, but a retake would help: " + " ".join(result.hints), "warning")
    return redirect(url_for(".detail", snapshot_id=result.snapshot_id))


@bp.post("/snapshots/<int:snapshot_id>/delete")
def delete_one(snapshot_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    snapshots.delete_photo(current_user, current_user.id, snapshot_id)
    flash("The photo is deleted.", "success")
    return redirect(url_for(".gallery"))


# --- shared: one photo and its files --------------------------------------------------------


@bp.get("/snapshots/<int:snapshot_id>/analysis")
def analysis(snapshot_id: int):
    """The photo check's result as far as it has got (the capture page asks until it is
    no longer pending)."""
    return jsonify(_analysis_json(snapshots.analysis_of(current_user, snapshot_id)))


@bp.get("/snapshots/<int:snapshot_id>/image")
def image(snapshot_id: int):
    return jpeg_response(snapshots.photo_file(current_user, snapshot_id, snapshots.PHOTO))


@bp.get("/snapshots/<int:snapshot_id>/thumbnail")
def thumbnail(snapshot_id: int):
    return jpeg_response(snapshots.photo_file(current_user, snapshot_id, snapshots.THUMBNAIL))


@bp.get("/snapshots/<int:snapshot_id>/aligned")
def aligned(snapshot_id: int):
    return jpeg_response(snapshots.photo_file(current_user, snapshot_id, snapshots.ALIGNED))


@bp.get("/snapshots/<int:snapshot_id>")
def detail(snapshot_id: int):
    staff = current_user.role != PATIENT
    return render_template(
        "snapshots/detail.html",
        d=snapshot_pages.photo_detail(current_user, snapshot_id),
        staff=staff,
        delete_form=None if staff else ConfirmForm(),
    )


# --- the care team's pages ---------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/snapshots")
def staff_gallery(patient_id: int):
    page = snapshot_pages.staff_page(current_user, patient_id)
    return _staff_page(page, ExpressionSetForm(data={"expressions": page.gallery.expressions}))


def _staff_page(page: snapshot_pages.StaffPage, form, status: int = 200):
    return render_template(
        "snapshots/staff_gallery.html",
        g=page.gallery,
        trends=page.trends,
        form=form,
        can_set=page.can_set,
    ), status


@bp.post("/patients/<int:patient_id>/snapshots/expressions")
def set_expressions(patient_id: int):
    form = ExpressionSetForm()
    if form.validate_on_submit():
        with problems_beside(form, "expressions"):
            snapshots.set_expressions(current_user, patient_id, form.expressions.data)
            flash("The expression set is saved.", "success")
            return redirect(url_for(".staff_gallery", patient_id=patient_id))
    return _staff_page(snapshot_pages.staff_page(current_user, patient_id), form, 400)


@bp.get("/patients/<int:patient_id>/snapshots/compare")
def compare(patient_id: int):
    view = snapshot_pages.comparison_page(
        current_user,
        patient_id,
        request.args.get("expression") or None,
        request.args.get("a"),
        request.args.get("b"),
    )
    aligned_view = request.args.get("aligned") == "1"
    return render_template("snapshots/compare.html", c=view, aligned=aligned_view)
