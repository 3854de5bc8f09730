"""How a photo file is answered, on the website and in the API alike."""

from flask import Response


def jpeg_response(data: bytes) -> Response:
    """A patient's photo: never cached, never read as another type, shown in the page."""
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
