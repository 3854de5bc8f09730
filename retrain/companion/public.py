"""Links that work without a login, each carrying a signed token (infrastructure/links.py):
the calendar feed, a reminder's stop link, and what a delivered reminder reports back."""

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from ..extensions import csrf
from ..infrastructure import links, transactions
from ..models.base import utcnow
from ..presenters.calendar import feed
from ..usecases import reminder_delivery, reminder_settings
from .forms import ActionForm

bp = Blueprint("reminder_links", __name__)

STOPPABLE = {"push": "notifications", "email": "e-mails"}


@bp.get("/calendar/<token>.ics")
def calendar(token):
    found = reminder_settings.calendar_feed(links.unsign("calendar", token), utcnow())
    if found is None:
        abort(404)  # revoked, or never made: the same answer
    settings, zone = found
    body = feed(settings, zone, utcnow(), url_for("patient.today", _external=True))
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline"})


def _stop_target(token):
    value = links.unsign("stop", token)
    if not (isinstance(value, list) and len(value) == 2 and value[1] in STOPPABLE):
        abort(404)
    patient_id, channel = value
    if not isinstance(patient_id, int):
        abort(404)
    return patient_id, channel


@bp.route("/reminders/stop/<token>", methods=["GET", "POST"])
def stop(token):
    """One button (a mail scanner that follows the link changes nothing)."""
    patient_id, channel = _stop_target(token)
    form = ActionForm()
    stopped = False
    if form.validate_on_submit():
        reminder_settings.stop_channel(patient_id, channel)
        stopped = True
    return render_template(
        "reminders/stop.html", form=form, what=STOPPABLE[channel], stopped=stopped
    )


@bp.get("/reminders/opened/<token>")
@transactions.writes_on_safe_method
def opened(token):
    """A tapped notification or the e-mail's link: recorded, then Today."""
    delivery_id = links.unsign("delivery", token)
    if isinstance(delivery_id, int):
        reminder_delivery.record_receipt(delivery_id, "opened", utcnow())
    return redirect(url_for("patient.today"))


@bp.post("/reminders/receipt/<token>/<any(shown, opened):event>")
@csrf.exempt  # the service worker reports this; the signed token is the permission
def receipt(token, event):
    delivery_id = links.unsign("delivery", token)
    if not isinstance(delivery_id, int) or not reminder_delivery.record_receipt(
        delivery_id, event, utcnow()
    ):
        abort(404)
    return Response(status=204)
