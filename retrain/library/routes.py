"""The exercise library pages, for therapists and clinicians."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import require_role
from ..errors.handlers import problems_beside
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


@bp.get("/exercises/")
def exercises():
    page = library.view_library(
        current_user,
        region=request.args.get("region") or None,
        include_retired=request.args.get("retired") == "1",
    )
    return render_template("library/list.html", page=page)


@bp.get("/exercises/<int:exercise_id>")
def detail(exercise_id):
    view = library.view_exercise(current_user, exercise_id)
    return render_template(
        "library/detail.html",
        exercise=view.exercise,
        editable=view.editable,
        live_feedback=view.live_feedback,
    )


@bp.route("/exercises/new", methods=["GET", "POST"])
def new():
    form = ExerciseForm()
    if form.validate_on_submit():
        with problems_beside(form, ""):
            exercise = library.create_exercise(current_user, **form.values())
            flash(f"“{exercise.name}” is added to the library.", "success")
            return redirect(url_for(".detail", exercise_id=exercise.id))
    return render_template("library/form.html", form=form, exercise=None)


@bp.route("/exercises/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit(exercise_id):
    exercise = library.exercise_to_edit(current_user, exercise_id)
    form = ExerciseForm(obj=exercise)
    if form.validate_on_submit():
        with problems_beside(form, ""):
            library.update_exercise(current_user, exercise_id, **form.values())
            flash("Your changes are saved.", "success")
            return redirect(url_for(".detail", exercise_id=exercise_id))
    return render_template("library/form.html", form=form, exercise=exercise)


@bp.post("/exercises/<int:exercise_id>/retire")
def retire(exercise_id):
    library.retire_exercise(current_user, exercise_id)
    flash("The exercise is retired. Programmes and history that use it keep it.", "success")
    return redirect(url_for(".detail", exercise_id=exercise_id))


@bp.post("/exercises/<int:exercise_id>/restore")
def restore(exercise_id):
    library.restore_exercise(current_user, exercise_id)
    flash("The exercise is back in the library.", "success")
    return redirect(url_for(".detail", exercise_id=exercise_id))
