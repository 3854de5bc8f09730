"""The home address (each role's own start page), the health check and the menu."""

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from ..infrastructure import health
from ..models import ADMIN, CLINICIAN, PATIENT, THERAPIST

bp = Blueprint("main", __name__)

HOME = {
    PATIENT: "patient.today",
    THERAPIST: "therapist.caseload",
    CLINICIAN: "clinician.caseload",
    ADMIN: "admin.accounts_list",
}


@bp.get("/")
def index():
    return redirect(url_for(HOME[current_user.role]))


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    if not health.database_answers():
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


NAV = {
    PATIENT: [
        ("patient.today", "Today"),
        ("patient.history", "History"),
        ("messages.my_thread", "Messages"),
        ("outcomes.my_progress", "My progress"),
        ("snapshots.gallery", "Photos"),
        ("reminders.settings", "Reminders"),
        ("patient.my_data", "Your data"),
    ],
    THERAPIST: [
        ("therapist.caseload", "Patients"),
        ("library.exercises", "Exercises"),
        ("therapist.templates", "Templates"),
    ],
    CLINICIAN: [("clinician.caseload", "Patients"), ("library.exercises", "Exercises")],
    ADMIN: [
        ("admin.accounts_list", "Accounts"),
        ("admin.care_teams_page", "Care teams"),
        ("admin.audit_page", "Audit"),
    ],
}


@bp.app_context_processor
def navigation():
    role = current_user.role if current_user.is_authenticated else None
    return {"nav_links": NAV.get(role, []), "unread_endpoints": UNREAD_SHOWN_AT}


# Where the navigation shows the unread messages count (messages/routes.py): the
# patient's thread, and the caseload where staff see whose thread it is.
UNREAD_SHOWN_AT = ("messages.my_thread", "therapist.caseload", "clinician.caseload")
