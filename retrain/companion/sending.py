"""The reminder jobs: the tick every minute, and sending one delivery.

The use cases decide (usecases/reminder_tick.py, reminder_delivery.py); this module
writes the message (links built from PUBLIC_URL, outside any request) and hands it to
Web Push or e-mail, then reports what the channel answered. The message is the same
for every patient: no name of an exercise, no clinical word.
"""

import smtplib
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from ..extensions import db
from ..infrastructure import jobs, links, mail, webpush
from ..infrastructure.jobs_base import log_failure
from ..models.base import utcnow
from ..usecases import reminder_delivery, reminder_tick

BATCH = 50  # deliveries per sending job
TITLE = "Time for your facial exercises"
BODY = "A few calm minutes now make a difference. Tap to open Retrain."


def url(endpoint: str, external: bool = True, **values) -> str:
    """An address in the app, from PUBLIC_URL (jobs run outside any request)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=external)


def tick(now: datetime | None = None) -> None:
    """Plan what fell due, then hand the claimed deliveries to sending jobs, BATCH to a
    job (a worker starts a process per job: one per delivery cost more than sending)."""
    now = now or utcnow()
    reminder_tick.plan(now)
    claimed = reminder_tick.claim(now)
    for start in range(0, len(claimed), BATCH):
        jobs.enqueue(send_batch, claimed[start : start + BATCH])


def send_batch(delivery_ids: list[int]) -> None:
    """A job: send each delivery; one that breaks is logged (an error id, no arguments)
    and the others go on; its claim is taken again by a later tick."""
    for delivery_id in delivery_ids:
        try:
            send(delivery_id)
        except Exception:
            db.session.rollback()
            log_failure("reminder delivery failed in %s", "retrain.companion.sending:send")


def send(delivery_id: int) -> None:
    """Send one delivery (a job), unless the rules say not to any more."""
    task = reminder_delivery.begin(delivery_id, utcnow())
    if task is None:
        return
    outcome, code = "sent", None
    try:
        if task.channel == "push":
            webpush.send(task.endpoint, task.p256dh, task.auth, _payload(task), task.ttl_seconds)
        else:
            mail.deliver(task.email, TITLE, *_email(task))
    except webpush.PushGone as error:
        outcome, code = "gone", error.code
    except webpush.PushRefused as error:
        outcome, code = "refused", error.code
    except webpush.PushFailed as error:
        outcome, code = "failed", error.code
    except smtplib.SMTPRecipientsRefused:
        outcome, code = "refused", "smtp recipient"
    except (smtplib.SMTPException, OSError):
        outcome, code = "failed", "smtp"
    reminder_delivery.finish(delivery_id, outcome, code, utcnow())


def _links(task, external: bool) -> dict[str, str]:
    delivery = links.sign("delivery", task.delivery_id)
    stop = links.sign("stop", [task.patient_id, task.channel])
    return {
        "open": url("reminder_links.opened", external, token=delivery),
        "shown": url("reminder_links.receipt", external, token=delivery, event="shown"),
        "stop": url("reminder_links.stop", external, token=stop),
    }


def _payload(task) -> dict:
    """What the service worker shows (static/js/sw.js reads these keys); its paths are
    the service worker's own origin."""
    return {"title": TITLE, "body": BODY, "tag": "retrain-reminder", **_links(task, False)}


def _email(task) -> tuple[str, str, str]:
    """The plain and HTML bodies, and the stop page that mail programs offer as their
    "Unsubscribe" (List-Unsubscribe)."""
    # The bare Jinja environment: the page context processors need a request.
    values, env = _links(task, True), current_app.jinja_env
    return (
        env.get_template("email/reminder.txt").render(**values),
        env.get_template("email/reminder.html").render(**values),
        values["stop"],
    )


# Registered after the definition: jobs.every checks that a worker can import the
# function by its path, which a decorator (running before the name exists) cannot pass.
jobs.every(60)(tick)
