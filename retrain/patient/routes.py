"""The patient's own pages: Today, the guided player, the plain session form, history."""

import json
from datetime import date
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..access import require_role
from ..errors.handlers import problems_beside
from ..models import PATIENT
from ..security import PLAYER_CSP
from ..usecases import audit_trail, practice, practice_history
from ..usecases import programme_sheet as programme_sheets
from ..usecases import today as today_usecases
from ..usecases.local_time import performed_at_from_local, zone_for
from .forms import SessionForm, form_defaults, item_inputs, labelled_rows

bp = Blueprint("patient", __name__)


@bp.before_request
def _only_patient_roles():
    require_role(current_user, PATIENT)


@bp.get("/today")
def today():
    summary = today_usecases.view_today(current_user)
    return render_template("patient/today.html", summary=summary, saq=summary.saq)


def _seconds_scale() -> float:
    """Tests may speed the player up with ?speed=N (1-1000); honoured only when TESTING."""
    speed = request.args.get("speed", type=float) if current_app.config["TESTING"] else None
    return 1 / speed if speed and 1 <= speed <= 1000 else 1.0


@cache
def _face_mesh_version(package_json: str) -> str:
    """The face-landmark runtime's version, as pinned in package.json (its static path)."""
    return json.loads(Path(package_json).read_text("utf-8"))["dependencies"]["@mediapipe/face_mesh"]


def _live_assets() -> str:
    root = Path(current_app.static_folder).parent
    version = _face_mesh_version(str(root / "package.json"))
    return url_for("static", filename=f"vendor/face_mesh/{version}/")


@bp.get("/session/player")
def player():
    page = today_usecases.view_practice(current_user)
    form = SessionForm(data=form_defaults(page.programme, "player", page.due_items))
    response = make_response(
        render_template(
            "patient/player.html",
            programme=page.programme,
            due_items=page.due_items,
            data=page.player_data,
            form=form,
            rows=labelled_rows(form, page.programme),
            seconds_scale=_seconds_scale(),
            live_assets=_live_assets(),
        )
    )
    response.headers["Content-Security-Policy"] = PLAYER_CSP  # live feedback (security.py)
    return response


@bp.route("/session/new", methods=["GET", "POST"])
def log_session():
    """The plain form; the player's summary posts here too (source=player)."""
    if request.method == "GET":
        page = today_usecases.view_practice(current_user)
        return _session_form(
            SessionForm(data=form_defaults(page.programme, items=page.due_items)), page
        )
    form = SessionForm()
    if form.validate_on_submit():
        # performed_at's problems go beside the date (it is the date and the time).
        with problems_beside(form, "performed_date"):
            practice.log_session(
                current_user,
                current_user.id,
                performed_at=performed_at_from_local(
                    form.performed_date.data, form.performed_time.data, zone_for(current_user)
                ),
                effort=form.effort.data,
                synkinesis_rating=form.synkinesis_rating.data,
                note=form.note.data,
                items=item_inputs(form),
                source="player" if form.source.data == "player" else "form",
                idempotency_key=form.idempotency_key.data,
            )
            flash("Well done. Your session is saved.", "success")
            return redirect(url_for(".today"))
    # Refused: the form again with its messages (a save never needed the page before).
    return _session_form(form, today_usecases.view_practice(current_user))


def _session_form(form: SessionForm, page):
    return render_template(
        "patient/session_form.html",
        form=form,
        rows=labelled_rows(form, page.programme),
        max_date=page.today.isoformat(),
    )


@bp.get("/history")
def history():
    week = practice_history.view_history(current_user, _day_arg("week"))
    return render_template("patient/history.html", history=week)


def _day_arg(name: str) -> date | None:
    """A YYYY-MM-DD query argument; anything else is None (the page's default)."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/programme/sheet")
def programme_sheet():
    """The programme in force on one A4 page, to print and keep by the mirror."""
    sheet = programme_sheets.view_sheet(current_user, current_user.id)
    return render_template("programme_sheet.html", sheet=sheet)


@bp.get("/my-data")
def my_data():
    """Who on the care team opened this record, and how to get a copy of it."""
    accesses = audit_trail.who_opened(current_user, current_user.id)
    return render_template("patient/my_data.html", accesses=accesses)
