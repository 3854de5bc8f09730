"""The one place that answers "may this user see or change this patient?".

Every route that touches a patient asks here. A refusal for a record the user may not
know exists is 404; a refusal of a whole section to a role is 403 (DESIGN.md).
"""

from flask import g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .errors import NotAllowed, NotFound
from .extensions import db
from .infrastructure import audit
from .models import CLINICIAN, PATIENT, THERAPIST, CareTeamMember, Patient

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
ENTER_SAQ = "enter_saq"  # enter an SAQ answered on paper, import past SAQs (staff)
GRADE_FACE = "grade_face"  # grade the Sunnybrook Facial Grading System (staff)
SET_REMINDERS = "set_reminders"  # choose reminder times and channels (the patient)
SUGGEST_REMINDERS = "suggest_reminders"  # suggest reminder times (never force them)
READ_MESSAGES = "read_messages"  # read the thread between the patient and the care team
MESSAGE = "message"  # write in that thread (and mark its messages read)

_STAFF_ACTIONS = {
    THERAPIST: {
        *(VIEW, PRESCRIBE, INVITE, SET_SAQ_SCHEDULE, SET_EXPRESSIONS, WRITE_NOTE, EXPORT),
        *(ENTER_SAQ, GRADE_FACE),
    },
    CLINICIAN: {
        *(VIEW, INVITE, SET_SAQ_SCHEDULE, RECORD_INJECTION, DECIDE, WRITE_NOTE, EXPORT),
        *(ENTER_SAQ, GRADE_FACE),
    },
}
_STAFF_ACTIONS[THERAPIST].add(SUGGEST_REMINDERS)  # the therapist suggests; the patient sets
for _actions in _STAFF_ACTIONS.values():
    _actions |= {READ_MESSAGES, MESSAGE}  # the whole care team, never an admin
_OWN_ACTIONS = {VIEW, LOG_PRACTICE, ANSWER_SAQ, MANAGE_PHOTOS, EXPORT, SET_REMINDERS}
_OWN_ACTIONS |= {READ_MESSAGES, MESSAGE}

# Actions that only read: audited as what was shown, once per request.
READ_ACTIONS = {VIEW, READ_MESSAGES}

# Who may create patients and use the staff pages.
CREATE_PATIENT_ROLES = (THERAPIST, CLINICIAN)
LIBRARY_EDIT_ROLES = (THERAPIST, CLINICIAN)
# Who has a message thread to read: the patient (their own) and the care team (their
# patients'). Admins manage accounts and never read messages.
MESSAGING_ROLES = (PATIENT, THERAPIST, CLINICIAN)


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
    """The patient row with its user, from the identity map once require has
    loaded it this request (no query then)."""
    return db.session.get(Patient, patient_id, options=[joinedload(Patient.user)])


def require(user, action: str, patient_id: int) -> Patient:
    """The patient record if ``user`` may ``action`` it; raises errors.NotFound otherwise.

    Every use case that acts for a user calls this first. NotFound also when the user
    could see the patient but not do this to them, so a refusal never confirms that a
    record exists. Audited by what happened (infrastructure/audit.py): a refusal at
    once, a view once per request, a change by its outcome when the request saves or
    ends, an export as an export.
    """
    allowed = may(user, action, patient_id)
    patient = patient_with_account(patient_id) if allowed else None
    actor = user if getattr(user, "is_authenticated", False) else None
    if patient is None:
        audit.record(
            action,
            patient_id=patient_id,
            target=_endpoint(),
            outcome="refused",
            reason="not_allowed",
            actor=actor,
        )
        raise NotFound()
    if has_request_context():
        # Held for the request: the use cases' patient_with_account then finds it in the
        # identity map (which holds rows only weakly) instead of costing another query.
        g.setdefault("_patients", {})[patient_id] = patient
    if action in READ_ACTIONS:
        audit.viewed(actor, patient_id, action)
    elif action == EXPORT:
        audit.record(EXPORT, patient_id=patient_id, target=_endpoint(), actor=actor)
    else:
        audit.intends(actor, action, patient_id)
    return patient


def _endpoint() -> str | None:
    return request.endpoint if has_request_context() else None


def require_role(user, *roles: str) -> None:
    """A whole section belongs to these roles: others are refused (NotAllowed, 403)."""
    if user.role not in roles:
        audit.record("enter_section", target=_endpoint(), outcome="refused", reason="role")
        raise NotAllowed()
