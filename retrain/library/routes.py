"""The exercise library pages, for therapists and clinicians."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import require_role
from ..errors import Invalid
from ..models import CLINICIAN, REGIONS, THERAPIST
from ..usecases import exercises as library
from .forms import ExerciseForm

bp = Blueprint("library", __name__)


@bp.before_request
def _only_staff():
    require_role(current_user, THERAPIST, CLINICIAN)


@bp.context_processor
def _library_context():
    return {"regions": REGIONS, "region_pictures": library.REGION_PICTURES}


def _exercise_or_404(exercise_id: int):
    exercise = library.get_exercise(exercise_id)
    if exercise is None:
        abort(404)
    return exercise


def _editable_or_403(exercise_id: int):
    exercise = _exercise_or_404(exercise_id)
    if not library.may_edit(current_user, exercise):
        abort(403)
    return exercise


def _show_error(form, error: Invalid) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        flash(error.message, "error")
    else:
        field.errors.append(error.message)


@bp.get("/exercises/")
def exercises():
    region = request.args.get("region") or None
    include_retired = request.args.get("retired") == "1"
    filter_error = None
    try:
        items = library.list_exercises(region=region, include_retired=include_retired)
    except Invalid as error:
        filter_error, region = error.message, None
        items = library.list_exercises(include_retired=include_retired)
    return render_template(
        "library/list.html",
        groups=library.group_by_region(items),
        count=len(items),
        region=region,
        include_retired=include_retired,
        filter_error=filter_error,
    )


@bp.get("/exercises/<int:exercise_id>")
def detail(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    return render_template(
        "library/detail.html",
        exercise=exercise,
        editable=library.may_edit(current_user, exercise),
    )


@bp.route("/exercises/new", methods=["GET", "POST"])
def new():
    form = ExerciseForm()
    if form.validate_on_submit():
        try:
            exercise = library.create_exercise(current_user, **form.values())
        except Invalid as error:
            _show_error(form, error)
        else:
            flash(f"“{exercise.name}” is added to the library.", "success")
            return redirect(url_for(".detail", exercise_id=exercise.id))
    return render_template("library/form.html", form=form, exercise=None)


@bp.route("/exercises/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit(exercise_id):
    exercise = _editable_or_403(exercise_id)
    form = ExerciseForm(obj=exercise)
    if form.validate_on_submit():
        try:
            library.update_exercise(exercise, current_user, **form.values())
        except Invalid as error:
            _show_error(form, error)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for(".detail", exercise_id=exercise_id))
    return render_template("library/form.html", form=form, exercise=exercise)


@bp.post("/exercises/<int:exercise_id>/retire")
def retire(exercise_id):
    exercise = _editable_or_403(exercise_id)
    try:
        library.retire_exercise(exercise, current_user)
    except Invalid as error:
        flash(error.message, "error")
    else:
        flash("The exercise is retired. Programmes and history that use it keep it.", "success")
    return redirect(url_for(".detail", exercise_id=exercise_id))


@bp.post("/exercises/<int:exercise_id>/restore")
def restore(exercise_id):
    exercise = _editable_or_403(exercise_id)
    try:
        library.restore_exercise(exercise, current_user)
    except Invalid as error:
        flash(error.message, "error")
    else:
        flash("The exercise is back in the library.", "success")
    return redirect(url_for(".detail", exercise_id=exercise_id))
