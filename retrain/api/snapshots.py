"""Snapshots: uploading a photo (multipart), the list, and the image files.

Upload: ``multipart/form-data`` with ``expression``, ``image`` (JPEG, PNG or WebP) and
``mirrored`` (true when the picture is a mirror view, as a front camera preview shows
it; the stored photo is always the true view), optionally ``session_id`` (one of the
patient's practice sessions). Photos need the patient's consent, given on the
website's photo page; without it the upload answers 403.
The checks on the file, the analysis and the storage are usecases/snapshots.py's.
"""

from datetime import datetime
from functools import partial
from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import NotFound
from ..extensions import limiter, user_or_address
from ..media import images
from ..models import PATIENT
from ..models.snapshots import EXPRESSION_CHOICES
from ..snapshots.files import jpeg_response
from ..usecases import snapshot_pages, snapshots
from .core import (
    CLINICAL,
    MAX_ID,
    ApiError,
    endpoint,
    out_of,
    patient_endpoint,
    patient_id_from,
    record_id,
)
from .pagination import Page, PageQuery, page
from .schemas import Id


class SnapshotForm(BaseModel):
    """The text parts of the upload (form values are text: "true" -> True)."""

    model_config = ConfigDict(extra="forbid")

    expression: str = Field(max_length=32, json_schema_extra={"enum": list(EXPRESSION_CHOICES)})
    mirrored: bool = False
    session_id: Id | None = None


def _multipart_schema() -> dict:
    schema = SnapshotForm.model_json_schema()
    schema["properties"]["session_id"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    schema["properties"]["image"] = {"type": "string", "format": "binary"}
    schema["required"] = ["expression", "image"]
    schema["additionalProperties"] = False
    schema.pop("title", None)
    schema["description"] = "The photo (image) and the expression it shows."
    return schema


class SnapshotOut(BaseModel):
    id: int
    expression: str
    taken_at: datetime
    session_id: int | None
    width: int
    height: int
    uploaded_mirrored: bool
    analysis_version: str
    quality: dict[str, Any] = Field(
        description=(
            "analysed, ok, faces_found and flags ({code, message}) for a retake; pending "
            "(true) until the photo's check, which runs after the upload, is done"
        )
    )
    measures: dict[str, Any] = Field(
        description="Static measures from the vision library (empty when not analysed)"
    )
    image_url: str
    thumbnail_url: str


def snapshot_out(row) -> SnapshotOut:
    return out_of(
        SnapshotOut,
        row,
        quality=row.quality or {},
        measures=row.measures or {},
        image_url=url_for("api.snapshot_image", snapshot_id=row.id),
        thumbnail_url=url_for("api.snapshot_thumbnail", snapshot_id=row.id),
    )


def _parse_upload() -> tuple[SnapshotForm, bytes]:
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "Send the photo as multipart/form-data.")
    try:
        form = SnapshotForm.model_validate(request.form.to_dict())
    except ValidationError as exc:
        fields = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
        raise ApiError(422, "Some fields are missing or invalid.", fields) from exc
    upload = request.files.get("image")
    if upload is None:
        raise ApiError(422, "Please send a photo.", {"image": "Please send a photo."})
    unknown = set(request.files) - {"image"}
    if unknown:
        raise ApiError(
            422, "Unknown fields.", dict.fromkeys(unknown, "Extra inputs are not permitted")
        )
    return form, upload.read()


def _upload_limit() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]  # the same as the web upload's


@endpoint(
    "POST /patients/<patient_id>/snapshots",
    roles=(PATIENT,),
    multipart=_multipart_schema(),
    out=SnapshotOut,
    status=201,
)
@limiter.limit(_upload_limit, key_func=user_or_address)
def snapshot_create(patient_id: str):
    """Upload a photo of one expression (a patient, for themself; needs photo consent)"""
    patient_id = patient_id_from(patient_id)
    try:  # another patient's id is 404, and photos off 403, before the body is read
        snapshots.require_consent(current_user, patient_id)
    except snapshots.ConsentRequired as refused:
        raise ApiError(403, refused.message) from None
    form, data = _parse_upload()
    try:
        result = snapshots.upload_photo(
            current_user,
            patient_id,
            expression=form.expression,
            data=data,
            mirrored=form.mirrored,
            session_id=form.session_id,
        )
    except NotFound:
        raise ApiError(
            422, "That is not one of your sessions.", {"session_id": "Not one of your sessions."}
        ) from None
    except images.ImageRejected as error:
        status = 415 if error.message == images.WRONG_TYPE else 422
        raise ApiError(status, error.message, {"image": error.message}) from None
    return snapshot_out(result.snapshot)


@patient_endpoint("GET /snapshots", query=PageQuery, out=Page[SnapshotOut])
def snapshot_list(patient_id: int, query: PageQuery):
    """The patient's photos with their quality and measures, newest first"""
    rows, cursor = page(partial(snapshot_pages.photo_list, current_user, patient_id), query)
    return Page[SnapshotOut](items=[snapshot_out(r) for r in rows], next_cursor=cursor)


@endpoint("GET /snapshots/<int:snapshot_id>/image", roles=CLINICAL, binary="image/jpeg")
def snapshot_image(snapshot_id: int):
    """The stored photo (JPEG, the true view; never cached)"""
    return jpeg_response(snapshots.photo_file(current_user, record_id(snapshot_id)))


@endpoint("GET /snapshots/<int:snapshot_id>/thumbnail", roles=CLINICAL, binary="image/jpeg")
def snapshot_thumbnail(snapshot_id: int):
    """A small copy of the photo (JPEG, 320 px wide; never cached)"""
    return jpeg_response(
        snapshots.photo_file(current_user, record_id(snapshot_id), snapshots.THUMBNAIL)
    )
