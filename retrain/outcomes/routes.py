"""Progress, SAQ, injection visits and the reinjection review (issue 3)."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)
