"""E-mails that carry a one-time link: a password reset (written and sent by a
background job) and an invitation (sent when its staff member asks, from their page).

"Forgot password?" hands the typed address to a job and answers at once: the request
does the same work whether or not an account uses that address, and only the account's
owner ever receives a link. Staff and admins who send a reset (usecases/patients.py,
accounts.py record it) hand the account id to the same kind of job.
"""

from flask import current_app

from ..companion.sending import url
from ..infrastructure import invitations, jobs, mail
from ..usecases import authentication

SUBJECT = "Set a new password for Retrain"
INVITATION_SUBJECT = "Your invitation to Retrain"


def request_for_address(email: str) -> None:
    """Queue a reset e-mail for whoever owns ``email`` (maybe nobody)."""
    jobs.enqueue(send_for_address, (email or "").strip()[:254])


def request_for_account(user_id: int) -> None:
    jobs.enqueue(send_for_account, user_id)


def send_for_address(email: str) -> None:
    """A job: the link to the open account of this address, if there is one."""
    found = authentication.reset_link_for_address(email)
    if found:
        _send(*found)


def send_for_account(user_id: int) -> None:
    """A job: the link to this account's own address, if it is still open."""
    found = authentication.reset_link_for_account(user_id)
    if found:
        _send(*found)


def _send(user, token: str) -> None:
    values = {
        "name": user.name,
        "link": url("auth.reset_password", token=token),
        "forgot": url("auth.forgot_password"),
        "minutes": invitations.reset_valid_minutes(),
    }
    text = current_app.jinja_env.get_template("email/password_reset.txt").render(**values)
    mail.send(user.email, SUBJECT, text)


def send_invitation(patient_name: str, email: str, link: str, sender_name: str) -> None:
    """The invitation link, by e-mail to the patient's own address (in a request: the
    link was just shown to the staff member who made it)."""
    values = {
        "name": patient_name,
        "link": link,
        "sender": sender_name,
        "days": current_app.config["INVITATION_VALID_DAYS"],
    }
    text = current_app.jinja_env.get_template("email/invitation.txt").render(**values)
    mail.send(email, INVITATION_SUBJECT, text)
