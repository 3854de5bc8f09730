"""Outgoing e-mail. send() checks the message and hands it to a background job, so a slow
mail server never holds up a request; the job delivers it through MAIL_BACKEND:

- "outbox": development. One .eml file per message under instance/outbox/, which any
  mail program (or a text editor) opens.
- "smtp": production. MAIL_SMTP_HOST and _PORT, MAIL_SMTP_SECURITY "starttls" (refuses a
  server that does not offer it), "ssl" or "none", optional _USER and _PASSWORD.
- "memory": tests. Messages collect in a list that sent_messages() returns.

Addresses, subjects and bodies are never logged: only the Message-ID and the backend.
"""

import logging
import os
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from . import jobs

DEVELOPMENT_SENDER = "Retrain <retrain@localhost>"

log = logging.getLogger("retrain.mail")


def send(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Send one message to one address: plain text, with an HTML alternative if given."""
    build(to, subject, text, html)  # a bad address or header fails here, in the caller
    jobs.enqueue(deliver, to, subject, text, html)


def build(
    to: str, subject: str, text: str, html: str | None = None, unsubscribe: str | None = None
) -> EmailMessage:
    """The message; ``unsubscribe``: the address of a page that stops such messages, which
    mail programs offer as their own "Unsubscribe" (List-Unsubscribe, RFC 2369)."""
    addresses = getaddresses([to])
    one_line = not any(c in to + subject for c in "\r\n")
    if not one_line or len(addresses) != 1 or "@" not in addresses[0][1]:
        raise ValueError("an e-mail needs one valid address and a subject on one line")
    sender = current_app.config.get("MAIL_FROM") or DEVELOPMENT_SENDER
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
    # quoted-printable keeps mostly-English text readable in the raw file, and 7-bit safe.
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def deliver(
    to: str, subject: str, text: str, html: str | None = None, unsubscribe: str | None = None
) -> None:
    """The job: build the message and pass it to the configured backend."""
    message = build(to, subject, text, html, unsubscribe)
    backend = current_app.config["MAIL_BACKEND"]
    BACKENDS[backend](message)
    log.info("mail %s delivered by %s", message["Message-ID"], backend)


def _to_outbox(message: EmailMessage) -> Path:
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    partial = path.with_suffix(".partial")
    partial.write_bytes(message.as_bytes())
    partial.chmod(0o600)
    os.replace(partial, path)  # a reader never sees half a message
    return path


def _by_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"]
    timeout, security = config["MAIL_SMTP_TIMEOUT"], config["MAIL_SMTP_SECURITY"]
    context = ssl.create_default_context()
    if security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if security == "starttls":
            client.starttls(context=context)  # raises if not offered: never send in clear
        if config.get("MAIL_SMTP_USER"):
            client.login(config["MAIL_SMTP_USER"], config.get("MAIL_SMTP_PASSWORD") or "")
        client.send_message(message)


def _to_memory(message: EmailMessage) -> None:
    current_app.extensions.setdefault("retrain.mail.sent", []).append(message)


def sent_messages() -> list[EmailMessage]:
    """Memory backend: the messages delivered so far by this app (tests read it)."""
    return current_app.extensions.setdefault("retrain.mail.sent", [])


BACKENDS = {"outbox": _to_outbox, "smtp": _by_smtp, "memory": _to_memory}
