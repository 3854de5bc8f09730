"""The patient's own pages: Today, the guided player, the plain session form, history."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import LOG_PRACTICE, VIEW, require, require_role
from ..errors import Invalid
from ..models import PATIENT
from ..usecases import audit_trail, practice, questionnaires
from ..usecases.programmes import current_programme
from .forms import SessionForm, attach_errors, form_defaults, item_inputs, labelled_rows

bp = Blueprint("patient", __name__)


@bp.before_request
def _only_patient_roles():
    require_role(current_user, PATIENT)


@bp.get("/today")
def today():
    require(current_user, VIEW, current_user.id)
    summary = practice.today_summary(current_user)
    saq = questionnaires.saq_due_for(current_user.id, summary.today)
    return render_template("patient/today.html", summary=summary, saq=saq)


def _seconds_scale() -> float:
    """Tests may speed the player up with ?speed=N (1-1000); honoured only when TESTING."""
    speed = request.args.get("speed", type=float) if current_app.config["TESTING"] else None
    return 1 / speed if speed and 1 <= speed <= 1000 else 1.0


@bp.get("/session/player")
def player():
    require(current_user, LOG_PRACTICE, current_user.id)
    programme = current_programme(current_user.id)
    form = SessionForm(data=form_defaults(programme, source="player"))
    return render_template(
        "patient/player.html",
        programme=programme,
        data=practice.player_data(programme) if programme else None,
        form=form,
        rows=labelled_rows(form, programme),
        seconds_scale=_seconds_scale(),
    )


@bp.route("/session/new", methods=["GET", "POST"])
def log_session():
    """The plain form; the player's summary posts here too (source=player)."""
    require(current_user, LOG_PRACTICE, current_user.id)
    zone = practice.zone_for(current_user)
    posted = request.method == "POST"
    # A post that saves never needs the programme here (log_session reads it itself).
    programme = None if posted else current_programme(current_user.id)
    form = SessionForm() if posted else SessionForm(data=form_defaults(programme))
    if form.validate_on_submit():
        try:
            practice.log_session(
                current_user.id,
                performed_at=practice.performed_at_from_local(
                    form.performed_date.data, form.performed_time.data, zone
                ),
                effort=form.effort.data,
                synkinesis_rating=form.synkinesis_rating.data,
                note=form.note.data,
                items=item_inputs(form),
                source="player" if form.source.data == "player" else "form",
                idempotency_key=form.idempotency_key.data,
            )
        except Invalid as error:
            attach_errors(form, error)
        else:
            flash("Well done. Your session is saved.", "success")
            return redirect(url_for(".today"))
    if posted:  # refused: the form is shown again with its messages
        programme = current_programme(current_user.id)
    return render_template(
        "patient/session_form.html",
        form=form,
        rows=labelled_rows(form, programme),
        max_date=practice.local_now(zone).date().isoformat(),
    )


@bp.get("/history")
def history():
    require(current_user, VIEW, current_user.id)
    page = practice.history_page(current_user, request.args.get("page", 1, type=int))
    return render_template("patient/history.html", history=page)


@bp.get("/my-data")
def my_data():
    """Who on the care team opened this record, and how to get a copy of it."""
    accesses = audit_trail.who_opened(current_user, current_user.id)
    return render_template("patient/my_data.html", accesses=accesses)
