"""Signed tokens for links that work without a login: a reminder's "stop" link, the
receipts of a delivered reminder, the calendar feed's address.

The token carries a value (a record id or key) signed with the app's secret key, each
purpose with its own salt, so a token made for one purpose is refused for another. A
database copy alone cannot make a working link; changing the secret key ends them all.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

PURPOSES = ("calendar", "delivery", "stop")


def _serializer(purpose: str) -> URLSafeSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeSerializer(current_app.secret_key, salt=f"retrain.links.{purpose}")


def sign(purpose: str, value) -> str:
    return _serializer(purpose).dumps(value)


def unsign(purpose: str, token: str):
    """The value signed into ``token`` for ``purpose``; None for anything else."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        return _serializer(purpose).loads(token)
    except BadSignature:
        return None
