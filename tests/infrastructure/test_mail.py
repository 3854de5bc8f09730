"""Outgoing e-mail: checked in the caller, delivered by a job through each backend."""

import logging
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import text

from retrain import create_app
from retrain.extensions import db
from retrain.infrastructure import mail

from ..conftest import make_config

TO = "Pat Example <pat@example.org>"
SUBJECT = "Your exercises for this week"
TEXT = "Hello Pat,\n\nYour therapist changed your programme. Café — à bientôt.\n"
HTML = "<p>Hello Pat,</p><p>Your therapist changed your programme.</p>"


@pytest.fixture
def mail_app(tmp_path):
    """An app for mail alone (sync jobs): mail needs no database tables."""

    def make(**config):
        app = create_app(make_config(tmp_path, **config))
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    contexts = []
    yield make
    for context in reversed(contexts):
        context.pop()


def parts(message):
    """The text and HTML bodies, with line ends as Python writes them (SMTP sends CRLF)."""
    return tuple(
        message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
    )


def test_memory_backend_keeps_the_message_for_the_test(mail_app):
    mail_app()  # tests use the memory backend
    mail.send(TO, SUBJECT, TEXT, HTML)
    [message] = mail.sent_messages()
    assert message["To"] == TO and message["Subject"] == SUBJECT
    assert message["From"] == mail.DEVELOPMENT_SENDER
    assert parts(message) == (TEXT, HTML + "\n")


def test_plain_text_alone_is_a_single_part_message(mail_app):
    mail_app()
    mail.send("pat@example.org", SUBJECT, TEXT)
    [message] = mail.sent_messages()
    assert not message.is_multipart() and message.get_content() == TEXT


def test_nothing_is_sent_until_the_callers_transaction_commits(mail_app):
    mail_app()
    db.session.execute(text("SELECT 1"))
    mail.send(TO, SUBJECT, TEXT)
    assert mail.sent_messages() == []
    db.session.commit()
    assert len(mail.sent_messages()) == 1


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("pat@example.org\r\nBcc: someone@example.net", SUBJECT),
        ("pat@example.org", "Hello\nBcc: someone@example.net"),
        ("not an address", SUBJECT),
        ("pat@example.org, sam@example.org", SUBJECT),
        ("", SUBJECT),
    ],
)
def test_a_bad_address_or_subject_fails_in_the_caller_and_sends_nothing(mail_app, to, subject):
    mail_app()
    with pytest.raises(ValueError, match="one valid address"):
        mail.send(to, subject, TEXT)
    assert mail.sent_messages() == []


def test_outbox_writes_one_readable_eml_file_per_message(mail_app, tmp_path):
    mail_app(MAIL_BACKEND="outbox")
    mail.send(TO, SUBJECT, TEXT, HTML)

    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".eml" and path.stat().st_mode & 0o077 == 0
    raw = path.read_bytes()
    assert b"Your therapist changed your programme." in raw  # readable as it is
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == TO and message["Subject"] == SUBJECT and message["Message-ID"]
    assert parts(message) == (TEXT, HTML + "\n")


def test_the_log_names_the_message_but_never_its_contents(mail_app, caplog):
    mail_app()
    with caplog.at_level(logging.INFO, logger="retrain.mail"):
        mail.send(TO, SUBJECT, TEXT, HTML)
    [message] = mail.sent_messages()
    assert message["Message-ID"] in caplog.text
    for secret in ("pat@example.org", "Pat Example", "exercises", "therapist"):
        assert secret not in caplog.text


class Inbox:
    """aiosmtpd handler: keeps each message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; ``logins`` records AUTH attempts."""
    inbox, logins = Inbox(), []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        # handled=False: the server itself answers 535 to a wrong password
        return AuthResult(success=auth_data.password == b"right password", handled=False)

    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,  # the test talks plain SMTP on 127.0.0.1
    )
    controller.start()
    controller.inbox, controller.logins = inbox, logins
    yield controller
    controller.stop()


def smtp_config(server, **extra):
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SMTP_HOST": server.hostname,
        "MAIL_SMTP_PORT": server.port,
        "MAIL_SMTP_SECURITY": "none",
        "MAIL_FROM": "Retrain at Test Clinic <retrain@clinic.example>",
        "MAIL_SMTP_TIMEOUT": 10,
        **extra,
    }


def test_smtp_delivers_both_parts_to_the_server(mail_app, smtp_server):
    mail_app(**smtp_config(smtp_server))
    mail.send(TO, SUBJECT, TEXT, HTML)

    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == "retrain@clinic.example"
    assert envelope.rcpt_tos == ["pat@example.org"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == SUBJECT and message["Message-ID"].endswith("@clinic.example>")
    assert parts(message) == (TEXT, HTML + "\n")


def test_smtp_logs_in_when_a_user_is_configured(mail_app, smtp_server):
    mail_app(
        **smtp_config(smtp_server, MAIL_SMTP_USER="retrain", MAIL_SMTP_PASSWORD="right password")
    )
    mail.send(TO, SUBJECT, TEXT)
    assert smtp_server.logins == [(b"retrain", b"right password")]
    assert len(smtp_server.inbox.envelopes) == 1


def test_smtp_with_a_wrong_password_sends_nothing_and_logs_an_error_id(
    mail_app, smtp_server, caplog
):
    mail_app(
        **smtp_config(smtp_server, MAIL_SMTP_USER="retrain", MAIL_SMTP_PASSWORD="wrong password")
    )
    mail.send(TO, SUBJECT, TEXT)
    assert smtp_server.inbox.envelopes == []
    assert "retrain.infrastructure.mail:deliver failed: error id" in caplog.text
    assert "wrong password" not in caplog.text and TEXT.splitlines()[0] not in caplog.text


def test_smtp_starttls_never_falls_back_to_plain_text(mail_app, smtp_server, caplog):
    mail_app(**smtp_config(smtp_server, MAIL_SMTP_SECURITY="starttls"))  # server lacks it
    mail.send(TO, SUBJECT, TEXT)
    assert smtp_server.inbox.envelopes == []
    assert "STARTTLS" in caplog.text and "error id" in caplog.text
