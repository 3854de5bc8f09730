"""The one place that answers "may this user see or change this patient?".

Every route that touches a patient asks here. A refusal for a record the user may not
know exists is 404; a refusal of a whole section to a role is 403 (DESIGN.md).
"""

from functools import wraps

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db
from .infrastructure import audit
from .models import ADMIN, CLINICIAN, PATIENT, THERAPIST, CareTeamMember, Patient

# What a user may do to one patient's record.
VIEW = "view"  # read the record: programme, sessions, progress
LOG_PRACTICE = "log_practice"  # log a practice session
PRESCRIBE = "prescribe"  # write the patient's programme
INVITE = "invite"  # make a new invitation link for the patient
ANSWER_SAQ = "answer_saq"  # fill in a questionnaire (the patient, about themself)
SET_SAQ_SCHEDULE = "set_saq_schedule"  # interval between questionnaires, requests for a day
RECORD_INJECTION = "record_injection"  # add or edit Botox injection visits
DECIDE = "decide"  # record a reinjection decision
WRITE_NOTE = "write_note"  # add a care-team note
EXPORT = "export"  # download the record (CSV, JSON)
SET_EXPRESSIONS = "set_expressions"  # choose the patient's snapshot expression set
MANAGE_PHOTOS = "manage_photos"  # take, upload and delete their own photos (the patient)

_STAFF_ACTIONS = {
    THERAPIST: {VIEW, PRESCRIBE, INVITE, SET_SAQ_SCHEDULE, SET_EXPRESSIONS, WRITE_NOTE, EXPORT},
    CLINICIAN: {VIEW, INVITE, SET_SAQ_SCHEDULE, RECORD_INJECTION, DECIDE, WRITE_NOTE, EXPORT},
}
_OWN_ACTIONS = {VIEW, LOG_PRACTICE, ANSWER_SAQ, MANAGE_PHOTOS, EXPORT}

# Who may create patients and use the staff pages.
CREATE_PATIENT_ROLES = (THERAPIST, CLINICIAN)
LIBRARY_EDIT_ROLES = (THERAPIST, CLINICIAN)


def is_on_care_team(staff_id: int, patient_id: int) -> bool:
    """Remembered for the rest of the request: a page often checks several actions."""
    cache = g.setdefault("_care_team", {}) if has_request_context() else {}
    key = (staff_id, patient_id)
    if key not in cache:
        cache[key] = (
            db.session.scalar(
                select(CareTeamMember.id).where(
                    CareTeamMember.staff_id == staff_id, CareTeamMember.patient_id == patient_id
                )
            )
            is not None
        )
    return cache[key]


def may(user, action: str, patient_id: int) -> bool:
    """True when ``user`` may do ``action`` to patient ``patient_id``'s record."""
    if user is None or not user.is_authenticated or not user.active:
        return False
    if user.role == PATIENT:
        return user.id == patient_id and action in _OWN_ACTIONS
    if action not in _STAFF_ACTIONS.get(user.role, set()):
        return False  # admins never read clinical data
    return is_on_care_team(user.id, patient_id)


def patient_with_account(patient_id: int) -> Patient | None:
    """The patient row with its user, from the identity map once patient_or_404 has
    loaded it this request (no query then)."""
    return db.session.get(Patient, patient_id, options=[joinedload(Patient.user)])


def patient_or_404(patient_id: int, action: str = VIEW) -> Patient:
    """The patient record if the current user may ``action`` it; 404 otherwise.

    404 also when the user could see the patient but not do this to them, so a refusal
    never confirms that a record exists.
    """
    allowed = may(current_user, action, patient_id)
    patient = patient_with_account(patient_id) if allowed else None
    if patient is not None:
        # Held for the request: the services' patient_with_account then finds it in the
        # identity map (which holds rows only weakly) instead of costing another query.
        g.setdefault("_patients", {})[patient_id] = patient
    audit.record(
        action,
        patient_id=patient_id,
        target=request.endpoint,
        outcome="ok" if patient is not None else "refused",
    )
    if patient is None:
        abort(404)
    return patient


def role_required(*roles: str):
    """Refuse the view (403) to logged-in users of other roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_role(*roles: str) -> None:
    """For a blueprint's before_request: the whole section belongs to these roles."""
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in roles:
        audit.record("enter_section", target=request.endpoint, outcome="refused")
        abort(403)


def caseload_ids(staff) -> list[int]:
    """The ids of the patients on this staff member's care teams."""
    if staff.role not in _STAFF_ACTIONS:
        return []
    return list(
        db.session.scalars(
            select(CareTeamMember.patient_id).where(CareTeamMember.staff_id == staff.id)
        )
    )


def is_admin(user) -> bool:
    return user.is_authenticated and user.role == ADMIN
