"""Web Push (RFC 8030) with VAPID (RFC 8292), through pywebpush and py-vapid.

The key pair is made once and kept like the secret key: in development it is generated
into instance/vapid_private_key on first use; production sets VAPID_PRIVATE_KEY (config
refuses to start without it) and VAPID_SUBJECT (a mailto: or https: contact the push
services can reach). `flask reminders vapid-key` prints a new private key.

send() raises PushGone when the push service says the subscription no longer exists
(404, 410: the caller removes it), PushRefused for other refusals that a retry cannot
mend (400, 401, 403, 413), and PushFailed for what may pass (429, 5xx, network).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app

if TYPE_CHECKING:
    import requests
    from py_vapid import Vapid

# pywebpush (with aiohttp), py_vapid and requests are imported where they are used: only
# the workers that send notifications need them, and importing them at start cost every
# web worker about 0.3 s (docs/performance.md, "Start-up").

KEY_FILE = "vapid_private_key"
TIMEOUT_SECONDS = 10
GONE = (404, 410)
REFUSED = (400, 401, 403, 413)

_local = threading.local()  # one HTTP session (kept-alive connections) per thread


class PushError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # short, never content: "http 503", "timeout"


class PushGone(PushError):
    pass


class PushRefused(PushError):
    pass


class PushFailed(PushError):
    pass


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_private_key() -> str:
    """A new VAPID private key: the 32-byte P-256 secret, base64url."""
    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    return _b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def development_key(instance: Path) -> str:
    """The checkout's own key pair, made on first use (like the secret key)."""
    path = instance / KEY_FILE
    if not path.exists():
        path.write_text(generate_private_key())
        path.chmod(0o600)
    return path.read_text().strip()


def _vapid() -> Vapid:
    key = current_app.config.get("VAPID_PRIVATE_KEY") or development_key(
        Path(current_app.instance_path)
    )
    return _vapid_of(key)


@functools.lru_cache(maxsize=4)
def _vapid_of(key: str) -> Vapid:
    """The key pair, parsed once per key (it signs every message)."""
    from py_vapid import Vapid

    return Vapid.from_string(private_key=key)


def public_key() -> str:
    """The applicationServerKey a browser subscribes with (uncompressed point, base64url)."""
    from cryptography.hazmat.primitives import serialization

    point = _vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def endpoint_allowed(endpoint: str) -> bool:
    """Only the push services we know (PUSH_SERVICE_HOSTS), by HTTPS: the server posts
    to this address, so an arbitrary one would let a user aim it at our own network."""
    parts = urlsplit(endpoint)
    config = current_app.config
    if parts.scheme != "https" and not (
        parts.scheme == "http" and not config["PUSH_REQUIRE_HTTPS"]
    ):
        return False
    host = (parts.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in config["PUSH_SERVICE_HOSTS"])


def _session() -> requests.Session:
    if getattr(_local, "session", None) is None:
        import requests

        _local.session = requests.Session()
    return _local.session


def send(endpoint: str, p256dh: str, auth: str, payload: dict, ttl: int) -> None:
    """Encrypt ``payload`` (JSON) for one subscription (aes128gcm) and post it."""
    import requests
    from pywebpush import WebPushException, webpush

    if not endpoint_allowed(endpoint):
        raise PushRefused("endpoint not allowed")
    subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    claims = {"sub": current_app.config["VAPID_SUBJECT"]}
    try:
        webpush(
            subscription,
            json.dumps(payload),
            vapid_private_key=_vapid(),
            vapid_claims=claims,
            ttl=ttl,
            timeout=TIMEOUT_SECONDS,
            headers={"Urgency": "normal"},
            requests_session=_session(),
        )
    except WebPushException as error:
        status = error.status_code
        if status in GONE:
            raise PushGone(f"http {status}") from None
        if status in REFUSED or status is None:
            raise PushRefused(f"http {status}" if status else "not sent") from None
        raise PushFailed(f"http {status}") from None
    except requests.Timeout:
        raise PushFailed("timeout") from None
    except requests.RequestException:
        raise PushFailed("network") from None
