"""The thread between a patient and their care team: the patient's at /messages, the
care team's at /patients/<id>/messages. Each use case checks access (404 outside the
care team; admins never read messages); the patient's page is 403 to staff and the
staff page 403 to patients and admins.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import access
from ..errors.handlers import problems_beside
from ..ids import to_id
from ..models import CLINICIAN, PATIENT, THERAPIST
from ..usecases import messages
from .forms import MessageForm, StaffMessageForm

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def unread_messages():
    """The navigation's count: one query, shared with the caseload on its page."""
    return {"unread_messages": messages.unread_total(current_user)}


def _thread(patient_id: int, form, template: str, sent_to: str):
    """Send when the form came in (then back to the thread), else show the thread."""
    if form.validate_on_submit():
        with problems_beside(form, "body"):
            messages.send(current_user, patient_id, form.body.data, _session_id(form))
            flash("Your message is sent.", "success")
            return redirect(sent_to + "#latest")
    page = messages.thread_page(current_user, patient_id)
    if "session_id" in form:
        choices = [SelectChoice(value, label) for value, label in page.session_choices]
        form.session_id.choices = [SelectChoice("", "No session"), *choices]
    return render_template(template, page=page, form=form)


def _session_id(form):
    """The chosen session's id; what is not an id goes to the use case, which refuses it
    beside the field."""
    raw = form.session_id.data if "session_id" in form else None
    if not raw:
        return None
    try:
        return to_id(raw)
    except ValueError:
        return raw


@bp.route("/messages", methods=["GET", "POST"])
def my_thread():
    access.require_role(current_user, PATIENT)
    return _thread(current_user.id, MessageForm(), "messages/thread.html", url_for(".my_thread"))


@bp.route("/patients/<int:patient_id>/messages", methods=["GET", "POST"])
def staff_thread(patient_id: int):
    access.require_role(current_user, THERAPIST, CLINICIAN)
    back = url_for(".staff_thread", patient_id=patient_id)
    return _thread(patient_id, StaffMessageForm(), "messages/staff_thread.html", back)
