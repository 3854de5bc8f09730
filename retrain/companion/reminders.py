"""Reminder settings: the patient's page (and the JSON calls its script makes for this
device's notifications), and the care team's view with the therapist's suggestion."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import access
from ..access import require_role
from ..api.core import error as json_body_of
from ..api.core import json_body, problem_fields
from ..errors import AppError, Invalid, NotFound
from ..errors.handlers import problems_beside
from ..extensions import db
from ..infrastructure import links, webpush
from ..models import PATIENT, STAFF_ROLES
from ..presenters.reminders import weekday_names, why_silent
from ..usecases import push_subscriptions, reminder_settings
from .forms import ActionForm, ReminderForm, SuggestForm

bp = Blueprint("reminders", __name__)

PAUSES = (1, 3, 7)


def json_error(error: AppError):
    """A refusal as the API words it (status, message, fields), for our scripts."""
    db.session.rollback()
    return json_body_of(error.status, error.message, problem_fields(error))


def _label(times) -> None:
    for number, entry in enumerate(times, start=1):
        entry.label.text = f"Reminder {number}"


def _page(form: ReminderForm, status: int = 200):
    _label(form.times)
    page = reminder_settings.view(current_user, current_user.id)
    key = reminder_settings.calendar_key(current_user, current_user.id)
    feed = url_for("reminder_links.calendar", token=links.sign("calendar", key), _external=True)
    return render_template(
        "reminders/settings.html",
        page=page,
        form=form,
        action=ActionForm(),
        pauses=PAUSES,
        calendar_url=feed if key else None,
        push_key=webpush.public_key(),
        email=current_user.email,
    ), status


def _form_for(page) -> ReminderForm:
    form = ReminderForm(
        data={
            "push_on": page.push_on,
            "email_on": page.email_on,
            "times": page.times,
            "weekdays": sorted(page.weekdays),
            "quiet_from": page.quiet_from,
            "quiet_until": page.quiet_until,
        }
    )
    while len(form.times) < min(len(page.times) + 1, form.times.max_entries):
        form.times.append_entry()  # room to add a time; empty ones are left out
    return form


@bp.get("/reminders")
def settings():
    require_role(current_user, PATIENT)
    return _page(_form_for(reminder_settings.view(current_user, current_user.id)))


@bp.post("/reminders")
def save():
    require_role(current_user, PATIENT)
    form = ReminderForm()
    if form.validate_on_submit():
        choices = reminder_settings.Choices(
            push_on=form.push_on.data,
            email_on=form.email_on.data,
            times=[entry.data for entry in form.times],
            weekdays=form.weekdays.data or [],
            quiet_from=form.quiet_from.data,
            quiet_until=form.quiet_until.data,
        )
        with problems_beside(form, "times"):
            saved = reminder_settings.save(current_user, current_user.id, choices)
            if silent := why_silent(saved):
                flash(
                    f"Your reminder settings are saved, but no reminder will come: {silent}.",
                    "warning",
                )
            else:
                flash("Your reminder settings are saved.", "success")
            return redirect(url_for(".settings"))
    return _page(form, 422)


def _action(operation, message: str):
    """A button's post: done (back to the page with ``message``), or refused (the page
    again, 422, with the reason; nothing changed)."""
    require_role(current_user, PATIENT)
    if ActionForm().validate_on_submit():
        try:
            operation()
        except Invalid as error:
            flash(error.message, "error")
            return _page(_form_for(reminder_settings.view(current_user, current_user.id)), 422)
        flash(message, "success")
    return redirect(url_for(".settings"))


@bp.post("/reminders/pause")
def pause():
    days = request.form.get("days", type=int)
    return _action(
        lambda: reminder_settings.pause(current_user, current_user.id, days),
        "Reminders are paused. They start again by themselves.",
    )


@bp.post("/reminders/resume")
def resume():
    return _action(
        lambda: reminder_settings.resume(current_user, current_user.id), "Reminders are on again."
    )


@bp.post("/reminders/suggestion/<any(accept, decline):answer>")
def answer_suggestion(answer):
    return _action(
        lambda: reminder_settings.answer_suggestion(
            current_user, current_user.id, answer == "accept"
        ),
        "Your reminder times are updated."
        if answer == "accept"
        else "Your times stay as they are.",
    )


@bp.post("/reminders/calendar/<any(start, stop):change>")
def calendar(change):
    if change == "start":
        return _action(
            lambda: reminder_settings.calendar_key(current_user, current_user.id, make=True),
            "Your calendar link is ready. Add it to your phone's calendar below.",
        )
    return _action(
        lambda: reminder_settings.stop_calendar(current_user, current_user.id),
        "The calendar link is stopped. Remove the Retrain calendar from your phone too.",
    )


def _json_object() -> dict:
    body = json_body() if request.is_json else None
    if not isinstance(body, dict):
        raise Invalid("Please send a JSON object.", "body")
    return body


@bp.post("/reminders/device")
def add_device():
    """This browser's PushSubscription (its JSON, with the page's CSRF token)."""
    require_role(current_user, PATIENT)
    try:
        body = _json_object()
        keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
        push_subscriptions.subscribe(
            current_user,
            current_user.id,
            body.get("endpoint"),
            keys.get("p256dh"),
            keys.get("auth"),
        )
    except (Invalid, NotFound) as error:
        return json_error(error)
    return jsonify(ok=True), 201


@bp.post("/reminders/device/remove")
def remove_device():
    require_role(current_user, PATIENT)
    try:
        endpoint = _json_object().get("endpoint")
        push_subscriptions.unsubscribe(current_user, current_user.id, endpoint=endpoint)
    except (Invalid, NotFound) as error:
        return json_error(error)
    return jsonify(ok=True)


@bp.route("/patients/<int:patient_id>/reminders", methods=["GET", "POST"])
def staff_view(patient_id):
    """The care team sees the settings; a therapist may suggest times."""
    require_role(current_user, *STAFF_ROLES)
    page = reminder_settings.view(current_user, patient_id)
    form = SuggestForm(data={"times": page.suggestion or page.times})
    if request.method == "POST" and form.validate_on_submit():
        with problems_beside(form, "times"):
            reminder_settings.suggest(current_user, patient_id, [e.data for e in form.times])
            flash("Your suggestion is sent. The patient decides whether to use it.", "success")
            return redirect(url_for(".staff_view", patient_id=patient_id))
    while len(form.times) < min(len(page.times) + 1, form.times.max_entries):
        form.times.append_entry()
    _label(form.times)
    return render_template(
        "reminders/staff.html",
        page=page,
        form=form,
        patient_id=patient_id,
        can_suggest=access.may(current_user, access.SUGGEST_REMINDERS, patient_id),
        day_names=weekday_names,
    )
