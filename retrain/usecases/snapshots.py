"""Photos: what a patient or their care team does with them. The pages that show them
are snapshot_pages.py.

- Consent: photos are off until the patient opts in (``Patient.photo_consent_at``).
  Withdrawing sets it back to None; the photos stay until the patient deletes them.
- Upload, in two steps. ``upload_photo`` checks and decodes the file
  (retrain/media/images.py), turns a mirrored picture the right way round, re-encodes
  photo and thumbnail as fresh JPEGs under random names (infrastructure/storage.py)
  and inserts the row: all of it is kept or none of it (a failed insert removes the
  files, a failed file write inserts no row). Then ``analyse_stored_photo`` measures
  the stored photo with retrain.vision, as a background job (issue 17: the answer does
  not wait for the face models; until the job is done the photo is "pending" and the
  capture page asks ``analysis_of`` for the result); a photo that cannot be measured
  stays stored, marked "not measured".
- What the analysis stores: ``quality`` = the quality flags with their plain-language
  hints; ``measures`` = the vision library's ``Analysis.to_dict()`` without the 468
  landmarks (face geometry, static left-right measures, iris centres and radii). That
  is what ``vision.compare`` needs, so change measures are worked out when a page is
  shown (presenters/snapshot_measures.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from .. import access
from ..access import MANAGE_PHOTOS, SET_EXPRESSIONS, VIEW
from ..errors import Invalid, NotAllowed, NotFound
from ..extensions import db
from ..ids import to_id
from ..infrastructure import jobs
from ..infrastructure.storage import NotStored, StorageError, new_key, snapshot_storage
from ..media import images
from ..models import PracticeSession, Snapshot
from ..models.base import utcnow
from ..models.snapshots import DEFAULT_EXPRESSIONS, EXPRESSION_CHOICES, PROMPTS, REST
from ..presenters.snapshot_gallery import eye_positions

log = logging.getLogger("retrain.snapshots")

NOT_ANALYSED = "none"  # the analysis_version of a photo without measures
SAVE_FAILED = "We could not save your photo just now. Please try again in a moment."
CONSENT_NEEDED = "Photos are turned off. Please read about photos and agree first."
UNKNOWN_EXPRESSION = "Please choose one of the listed expressions."


class ConsentRequired(NotAllowed):
    """Photos are off: the patient has not agreed, or has withdrawn."""

    def __init__(self):
        super().__init__(CONSENT_NEEDED, "image")


def _vision():
    """retrain.vision (OpenCV, numpy, the face models), imported on first use: it adds a
    few tenths of a second and about 30 MB to every process at start, and most requests
    never analyse a photo (docs/performance.md)."""
    from .. import vision

    return vision


# --- consent ----------------------------------------------------------------------------


def give_consent(user, patient_id: int) -> None:
    patient = access.require(user, MANAGE_PHOTOS, patient_id)
    if patient.photo_consent_at is None:
        patient.photo_consent_at = utcnow()
        db.session.commit()


def withdraw_consent(user, patient_id: int) -> int:
    """Photos off from now on; returns how many photos are still stored."""
    patient = access.require(user, MANAGE_PHOTOS, patient_id)
    patient.photo_consent_at = None
    db.session.commit()
    return len(_photos_of(patient_id))


def require_consent(user, patient_id: int):
    """The patient, if ``user`` may manage their photos and photos are on; else raises."""
    patient = access.require(user, MANAGE_PHOTOS, patient_id)
    if patient.photo_consent_at is None:
        raise ConsentRequired()
    return patient


# --- deleting ---------------------------------------------------------------------------


def delete_photo(user, patient_id: int, snapshot_id: int) -> str:
    """Erase one of the patient's photos, file and row; returns its expression."""
    access.require(user, MANAGE_PHOTOS, patient_id)
    row = db.session.get(Snapshot, snapshot_id)
    if row is None or row.patient_id != patient_id:
        raise NotFound()
    expression = row.expression
    _remove_rows_and_files([row])
    return expression


def delete_all_photos(user, patient_id: int) -> int:
    """Erase every photo of the patient, files and rows. Returns how many."""
    access.require(user, MANAGE_PHOTOS, patient_id)
    return erase_all_photos(patient_id)


def erase_all_photos(patient_id: int) -> int:
    """Every photo of the patient, files and rows; for the erasure of a whole record,
    whose own use case checks who asks (usecases/erasure.py)."""
    rows = _photos_of(patient_id)
    _remove_rows_and_files(rows)
    return len(rows)


def _photos_of(patient_id: int) -> list[Snapshot]:
    return list(db.session.scalars(select(Snapshot).where(Snapshot.patient_id == patient_id)))


def _remove_rows_and_files(rows: Sequence[Snapshot]) -> None:
    """Rows first (not yet committed), then files, then commit.

    A file that cannot be removed rolls the rows back, so nothing claims to be gone
    while it is still on disk; if the commit fails after the files went, the rows
    point at nothing and deleting again finishes the job.
    """
    storage = snapshot_storage()
    keys = [key for row in rows for key in (row.storage_key, row.thumbnail_key)]
    for row in rows:
        db.session.delete(row)
    try:
        db.session.flush()
        for key in keys:
            storage.delete(key)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- the expression set -------------------------------------------------------------------


def set_expressions(user, patient_id: int, expressions: Iterable[str] | None) -> list[str]:
    """The expressions the patient photographs, in the usual order; rest always."""
    patient = access.require(user, SET_EXPRESSIONS, patient_id)
    chosen = set(expressions or ())
    if chosen - set(EXPRESSION_CHOICES):
        raise Invalid(UNKNOWN_EXPRESSION, "expressions")
    if REST not in chosen:
        raise Invalid(
            'Please keep "rest" in the set: the other photos are measured against it.',
            "expressions",
        )
    if len(chosen) < 2:
        raise Invalid("Please choose at least one expression besides rest.", "expressions")
    ordered = [e for e in EXPRESSION_CHOICES if e in chosen]
    patient.snapshot_expressions = None if tuple(ordered) == DEFAULT_EXPRESSIONS else ordered
    db.session.commit()
    return ordered


# --- upload -------------------------------------------------------------------------------


def given_id(raw) -> int | None:
    """An id from a form or a query string; None when none was given, NotFound when it
    cannot be one (it names nothing the user may see)."""
    if raw in (None, ""):
        return None
    try:
        return to_id(raw)
    except ValueError as error:
        raise NotFound() from error


def own_session_id(patient_id: int, session_id) -> int | None:
    """The practice session id if it is this patient's; None when none was given.

    Raises NotFound for someone else's session or a malformed id.
    """
    wanted = given_id(session_id)
    if wanted is None:
        return None
    found = db.session.scalar(
        select(PracticeSession.id).where(
            PracticeSession.id == wanted, PracticeSession.patient_id == patient_id
        )
    )
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class UploadResult:
    snapshot: Snapshot

    @property
    def snapshot_id(self) -> int:
        return self.snapshot.id

    @property
    def expression(self) -> str:
        return self.snapshot.expression

    @property
    def analysed(self) -> bool:
        return bool(self.snapshot.quality.get("analysed"))

    @property
    def pending(self) -> bool:
        """Stored, and its analysis job has not finished yet."""
        return bool(self.snapshot.quality.get("pending"))

    @property
    def ok(self) -> bool:
        """Analysed and no quality flag."""
        return bool(self.snapshot.quality.get("ok"))

    @property
    def flags(self) -> list[dict]:
        """{"code", "message"} of each quality flag."""
        return list(self.snapshot.quality.get("flags", []))

    @property
    def hints(self) -> list[str]:
        return [f["message"] for f in self.flags]


def upload_photo(
    user, patient_id: int, *, expression: str, data: bytes, mirrored: bool, session_id=None
) -> UploadResult:
    """Check, decode, turn, re-encode and store one photo, then have it analysed in the
    background: the result is the photo as stored, pending unless the job has already
    run (jobs that run at once: the tests' backend)."""
    require_consent(user, patient_id)
    if expression not in PROMPTS:
        raise Invalid(UNKNOWN_EXPRESSION, "expression")
    session_id = own_session_id(patient_id, session_id)
    image = images.decode(data)  # ImageRejected (an Invalid) says what is wrong
    if mirrored:
        image = images.unmirror(image)
    image = images.fit_within(image, images.STORED_MAX_SIDE)
    row = _store_photo(
        Snapshot(
            patient_id=patient_id,
            session_id=session_id,
            expression=expression,
            uploaded_mirrored=bool(mirrored),
        ),
        image,
    )
    db.session.refresh(row)  # measured already when jobs run at once (the tests' backend)
    return UploadResult(row)


def analysis_of(user, snapshot_id: int) -> UploadResult:
    """A photo's analysis as far as it has got, for someone who may see the photo."""
    row = db.session.get(Snapshot, snapshot_id)
    if row is None:
        raise NotFound()
    access.require(user, VIEW, row.patient_id)
    return UploadResult(row)


def _store_photo(row: Snapshot, image) -> Snapshot:
    """Write photo and thumbnail, insert the row (not yet analysed) and queue its
    analysis (handed to the jobs when the row is committed): all or nothing."""
    photo = images.encode_jpeg(image)
    small = images.encode_jpeg(images.thumbnail(image), images.THUMBNAIL_QUALITY)
    storage = snapshot_storage()
    row.storage_key, row.thumbnail_key = new_key(), new_key("-t")
    row.height, row.width = image.shape[:2]
    row.taken_at = utcnow()
    row.quality, row.measures, row.analysis_version = _pending(), {}, NOT_ANALYSED
    written: list[str] = []
    try:
        for key, data in ((row.storage_key, photo), (row.thumbnail_key, small)):
            storage.put(key, data)
            written.append(key)
        db.session.add(row)
        db.session.flush()
        jobs.enqueue(analyse_stored_photo, row.id)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for key in written:
            try:
                storage.delete(key)
            except StorageError:
                log.exception("could not remove %s after a failed upload", key)
        log.exception("snapshot upload for patient %s not saved", row.patient_id)
        raise Invalid(SAVE_FAILED, "image") from error
    return row


# --- analysis -------------------------------------------------------------------------------


def analyse_stored_photo(snapshot_id: int) -> Snapshot | None:
    """Measure a stored photo and keep the result with it; returns the row (None when
    the photo was deleted meanwhile).

    A background job, queued by the upload: it acts for no user, and reads and writes
    only the analysis. Whatever goes wrong, the photo stays stored, marked
    "not measured", and the reason is logged.
    """
    row = db.session.get(Snapshot, snapshot_id)
    if row is None:
        return None
    key, pending = row.storage_key, bool((row.quality or {}).get("pending"))
    db.session.rollback()  # no transaction (on SQLite: no write lock) while measuring
    try:
        result = analyse_image(images.decode(snapshot_storage().get(key)))
    except (StorageError, Invalid):
        log.exception("snapshot %s: stored photo could not be read for analysis", snapshot_id)
        if not pending:
            return db.session.get(Snapshot, snapshot_id)  # an earlier analysis stays
        result = _not_analysed(), {}, NOT_ANALYSED
    row = db.session.get(Snapshot, snapshot_id)
    if row is None:
        return None  # deleted while it was measured
    row.quality, row.measures, row.analysis_version = result
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("snapshot %s: analysis not saved", snapshot_id)
    return row


def analyse_image(image) -> tuple[dict, dict, str]:
    """(quality, measures, analysis_version) for a true-view BGR image.

    This is the one place that asks the vision library about a photo. When the face
    models are missing or the analysis fails, the result says "not measured".
    """
    vision = _vision()
    try:
        analysis = vision.analyse(image)
    except vision.ModelsUnavailable as error:
        log.warning("snapshot not analysed: %s", error)
        return _not_analysed(), {}, NOT_ANALYSED
    except Exception:
        log.exception("snapshot analysis failed")
        return _not_analysed(), {}, NOT_ANALYSED
    data = analysis.to_dict(include_landmarks=False)
    quality = {
        "analysed": True,
        "ok": bool(analysis.ok),
        "faces_found": analysis.faces_found,
        "flags": [{"code": f["code"], "message": f["message"]} for f in data["flags"]],
    }
    return quality, data, vision.ANALYSIS_VERSION


def _not_analysed() -> dict:
    return {"analysed": False, "ok": False, "faces_found": None, "flags": []}


def _pending() -> dict:
    return {**_not_analysed(), "pending": True}


# --- the files ------------------------------------------------------------------------------

PHOTO, THUMBNAIL, ALIGNED = "image", "thumbnail", "aligned"


def photo_file(user, snapshot_id: int, kind: str = PHOTO) -> bytes:
    """The JPEG of a photo ``user`` may see: the photo, its thumbnail, or the photo
    turned and scaled so the eyes are level and a fixed distance apart. NotFound
    for another's photo, a missing file, or eyes that were never found."""
    row = db.session.get(Snapshot, snapshot_id)
    if row is None:
        raise NotFound()
    access.require(user, VIEW, row.patient_id)
    if kind == ALIGNED:
        eyes = eye_positions(row)
        if eyes is None:
            raise NotFound()
        image = images.decode(_file(row, row.storage_key))
        return images.encode_jpeg(images.eye_aligned(image, *eyes))
    return _file(row, row.thumbnail_key if kind == THUMBNAIL else row.storage_key)


def _file(row: Snapshot, key: str) -> bytes:
    try:
        return snapshot_storage().get(key)
    except NotStored as error:
        log.warning("snapshot %s: file %s is missing", row.id, key)
        raise NotFound() from error
