"""Webcam snapshots: consent, capture, gallery, comparison (issue 4)."""

from flask import Blueprint

bp = Blueprint("snapshots", __name__)
