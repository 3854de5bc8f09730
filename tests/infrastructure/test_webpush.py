"""Web Push for real: pywebpush posts to a local HTTP endpoint of this test that plays the
push service. It checks the VAPID JWT (RFC 8292: signed by our key, audience this origin,
our contact, not expired) and the message (RFC 8291 aes128gcm: decrypted with the
subscriber's own keys) and answers as a push service would, 410 for a dead device."""

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import decode
from sqlalchemy import func, select

from retrain.companion import sending
from retrain.extensions import db
from retrain.infrastructure import webpush
from retrain.models import PushSubscription, ReminderDelivery, ReminderSettings

from ..web.reminder_helpers import add_device, set_reminders


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Subscriber:
    """What a browser makes when it subscribes: a P-256 key pair and an auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64url(point)
        self.auth_secret = os.urandom(16)
        self.auth = b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


class PushService:
    """A local stand-in for a push service: records each request, answers ``status``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                service.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def push_service(app):
    app.config.update(PUSH_SERVICE_HOSTS=("127.0.0.1",), PUSH_REQUIRE_HTTPS=False)
    service = PushService()
    yield service
    service.close()


def test_a_real_push_carries_a_valid_vapid_jwt_and_an_encrypted_payload(app, push_service):
    subscriber = Subscriber()
    endpoint = f"{push_service.origin}/push/device-1"
    payload = {"title": "Time for your facial exercises", "open": "/reminders/opened/x"}
    webpush.send(endpoint, subscriber.p256dh, subscriber.auth, payload, ttl=300)

    (request,) = push_service.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert request["path"] == "/push/device-1"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "300" and headers["urgency"] == "normal"
    scheme, _, credentials = headers["authorization"].partition(" ")
    parts = dict(part.strip().split("=", 1) for part in credentials.split(","))
    assert scheme == "vapid" and parts["k"] == webpush.public_key()
    claims = decode(parts["t"], parts["k"])  # raises unless our key signed it
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == app.config["VAPID_SUBJECT"]
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600  # RFC 8292: at most 24 h
    assert payload.items() <= subscriber.decrypt(request["body"]).items()
    assert b"facial" not in request["body"]  # the push service sees only ciphertext


def test_a_forged_key_would_not_verify(app, push_service):
    subscriber = Subscriber()
    webpush.send(f"{push_service.origin}/p", subscriber.p256dh, subscriber.auth, {"a": 1}, 60)
    headers = {k.lower(): v for k, v in push_service.requests[0]["headers"].items()}
    parts = dict(
        p.strip().split("=", 1) for p in headers["authorization"].split(" ", 1)[1].split(",")
    )
    someone_else = Subscriber().p256dh  # another P-256 public key
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidSignature
        decode(parts["t"], someone_else)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, webpush.PushGone),
        (410, webpush.PushGone),
        (403, webpush.PushRefused),
        (413, webpush.PushRefused),
        (429, webpush.PushFailed),
        (503, webpush.PushFailed),
    ],
)
def test_push_service_answers_map_to_gone_refused_or_failed(app, push_service, status, error):
    push_service.status = status
    subscriber = Subscriber()
    with pytest.raises(error) as raised:
        webpush.send(f"{push_service.origin}/p", subscriber.p256dh, subscriber.auth, {}, 60)
    assert raised.value.code == f"http {status}"


def test_an_unknown_push_service_is_never_called(app, push_service):
    subscriber = Subscriber()
    with pytest.raises(webpush.PushRefused):
        webpush.send("http://169.254.169.254/latest", subscriber.p256dh, subscriber.auth, {}, 60)
    app.config["PUSH_REQUIRE_HTTPS"] = True
    with pytest.raises(webpush.PushRefused):
        webpush.send(f"{push_service.origin}/p", subscriber.p256dh, subscriber.auth, {}, 60)
    assert push_service.requests == []


def test_an_unreachable_push_service_is_a_failure_to_retry(app, push_service):
    subscriber = Subscriber()
    push_service.close()
    with pytest.raises(webpush.PushFailed):
        webpush.send(f"{push_service.origin}/p", subscriber.p256dh, subscriber.auth, {}, 60)


def test_through_the_scheduler_a_410_removes_the_subscription(app, factories, push_service):
    patient = factories.make_patient()
    set_reminders(patient, push=True, email=False)
    subscriber = Subscriber()
    add_device(
        patient, f"{push_service.origin}/push/alive", p256dh=subscriber.p256dh, auth=subscriber.auth
    )
    add_device(
        patient, f"{push_service.origin}/push/dead", p256dh=subscriber.p256dh, auth=subscriber.auth
    )
    push_service.status = 201
    original = push_service.server.RequestHandlerClass.do_POST

    def answer(handler):  # the dead device's address answers 410 Gone
        push_service.status = 410 if handler.path.endswith("/dead") else 201
        original(handler)

    push_service.server.RequestHandlerClass.do_POST = answer
    sending.tick()
    endpoints = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert endpoints == [f"{push_service.origin}/push/alive"]
    statuses = sorted(db.session.scalars(select(ReminderDelivery.status)).all())
    assert statuses == ["gone", "sent"]
    assert db.session.get(ReminderSettings, patient.id).push_lost_at is not None
    shown = [
        subscriber.decrypt(r["body"]) for r in push_service.requests if r["path"].endswith("/alive")
    ]
    assert shown[0]["title"] == "Time for your facial exercises"
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


def test_development_makes_a_key_pair_once_and_keeps_it(app, tmp_path):
    app.config["VAPID_PRIVATE_KEY"] = None
    first = webpush.public_key()
    assert (tmp_path / webpush.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert webpush.public_key() == first and len(base64.urlsafe_b64decode(first + "=")) == 65
