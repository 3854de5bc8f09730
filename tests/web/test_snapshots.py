"""Snapshots: consent, upload, serving, galleries, comparison, access.

Through the test client with CSRF on. The face photo is matplotlib's public-domain
Grace Hopper sample (mpl-data/sample_data/grace_hopper.jpg).
"""

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from retrain import vision
from retrain.extensions import db
from retrain.infrastructure.storage import LocalFolderStorage, snapshot_storage
from retrain.models import (
    DEFAULT_EXPRESSIONS,
    CareTeamMember,
    InjectionVisit,
    Patient,
    PracticeSession,
    Snapshot,
    User,
)
from retrain.usecases import snapshot_pages, snapshots

from ..conftest import csrf_token, login, post_form

# --- helpers (the upload security tests import these) -----------------------------------------


def face_path() -> Path:
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def face_bytes() -> bytes:
    return face_path().read_bytes()


def face_image() -> np.ndarray:
    return cv2.imread(str(face_path()), cv2.IMREAD_COLOR)


def jpeg_of(image: np.ndarray, quality: int = 90) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buffer.tobytes()


def png_of(image: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", image)
    assert ok
    return buffer.tobytes()


def halves(width=200, height=160) -> np.ndarray:
    """Black on the image's left half, white on its right: shows any flip."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, width // 2 :] = 255
    return image


def with_exif(jpeg: bytes) -> bytes:
    """The JPEG with an EXIF block holding a GPS pointer, right after SOI."""
    tiff = (
        b"II*\x00\x08\x00\x00\x00"  # little-endian TIFF header, IFD0 at 8
        b"\x01\x00"  # one entry
        b"\x25\x88\x04\x00\x01\x00\x00\x00\x1a\x00\x00\x00"  # GPSInfo IFD pointer -> 26
        b"\x00\x00\x00\x00"  # no next IFD
        b"\x00\x00\x00\x00\x00\x00"  # empty GPS IFD (0 entries) + next 0
    )
    payload = b"Exif\x00\x00" + tiff + b"GPS 51.5N 0.1W secret place"
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the first scan."""
    markers, i = [], 2
    while i < len(data) - 3:
        assert data[i] == 0xFF
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def account(patient_id: int) -> User:
    return db.session.get(User, patient_id)


def give_consent(patient_id: int) -> None:
    snapshots.give_consent(account(patient_id), patient_id)


def consenting_patient(as_user, **kwargs):
    patient = as_user("patient", **kwargs)
    give_consent(patient.id)
    return patient


def upload(
    client,
    data: bytes,
    *,
    expression="rest",
    mirrored="false",
    filename="photo.jpg",
    session=None,
    as_json=False,
    content_type="image/jpeg",
):
    fields = {
        "csrf_token": csrf_token(client, "/snapshots"),
        "expression": expression,
        "mirrored": mirrored,
        "image": (io.BytesIO(data), filename, content_type),
    }
    if session is not None:
        fields["session"] = str(session)
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(
        "/snapshots/upload", data=fields, content_type="multipart/form-data", headers=headers
    )


def rows(patient_id=None) -> list[Snapshot]:
    db.session.expire_all()
    query = select(Snapshot).order_by(Snapshot.id)
    if patient_id is not None:
        query = query.where(Snapshot.patient_id == patient_id)
    return list(db.session.scalars(query))


def stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "snapshots"
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


def stored_image(row: Snapshot) -> np.ndarray:
    data = snapshot_storage().get(row.storage_key)
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def store(patient_id, image_bytes=None, expression="rest", taken_at=None) -> Snapshot:
    """A snapshot made by the use case itself (consent given first), optionally back-dated."""
    patient = db.session.get(Patient, patient_id)
    if patient.photo_consent_at is None:
        give_consent(patient_id)
    result = snapshots.upload_photo(
        account(patient_id),
        patient_id,
        expression=expression,
        data=image_bytes or face_bytes(),
        mirrored=False,
    )
    row = db.session.get(Snapshot, result.snapshot_id)
    if taken_at is not None:
        row.taken_at = taken_at
        db.session.commit()
    return row


def session_for(patient_id: int) -> int:
    practice = PracticeSession(
        patient_id=patient_id,
        performed_at=datetime.now(UTC),
        effort=2,
        synkinesis_rating=3,
        source="form",
    )
    db.session.add(practice)
    db.session.commit()
    return practice.id


# --- consent ----------------------------------------------------------------------------------


def test_photos_are_off_until_the_patient_agrees(client, as_user, app):
    patient = as_user("patient")
    page = client.get("/snapshots/consent").get_data(as_text=True)
    assert "Who can see them" in page and "care team" in page
    assert "withdraw at any time" in page

    refused = client.get("/snapshots/capture")
    assert refused.status_code == 403
    assert 'href="/snapshots/consent"' in refused.get_data(as_text=True)

    response = upload(client, face_bytes())
    assert response.status_code == 403
    assert rows() == [] and stored_files(app) == []
    assert db.session.get(Patient, patient.id).photo_consent_at is None


def test_consent_needs_the_box_ticked(client, as_user):
    patient = as_user("patient")
    response = post_form(client, "/snapshots/consent", {})
    assert response.status_code == 200
    assert "Please tick the box if you agree." in response.get_data(as_text=True)
    assert db.session.get(Patient, patient.id).photo_consent_at is None


def test_agreeing_turns_photos_on(client, as_user):
    patient = as_user("patient")
    response = post_form(client, "/snapshots/consent", {"agree": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/snapshots/capture"
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).photo_consent_at is not None
    assert client.get("/snapshots/capture").status_code == 200


def test_upload_refused_as_json_without_consent(client, as_user):
    as_user("patient")
    response = upload(client, face_bytes(), as_json=True)
    assert response.status_code == 403
    assert response.get_json()["consent_url"] == "/snapshots/consent"


def test_withdrawing_keeps_photos_visible_then_deleting_removes_rows_and_files(
    client, as_user, app
):
    patient = consenting_patient(as_user)
    first_id = store(patient.id).id
    store(patient.id, expression="full smile")
    assert len(stored_files(app)) == 4  # two photos, two thumbnails

    response = post_form(client, "/snapshots/consent/withdraw", {}, page="/snapshots/consent")
    assert response.status_code == 302
    assert response.headers["Location"] == "/snapshots/delete"
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).photo_consent_at is None

    # no new photos, but the old ones are still there for the patient
    assert client.get("/snapshots/capture").status_code == 403
    assert upload(client, face_bytes()).status_code == 403
    gallery = client.get("/snapshots").get_data(as_text=True)
    assert "Photos are off" in gallery
    assert f"/snapshots/{first_id}/thumbnail" in gallery
    assert client.get(f"/snapshots/{first_id}/image").status_code == 200

    confirm = client.get("/snapshots/delete").get_data(as_text=True)
    assert "2 photos" in confirm
    assert rows(patient.id)  # a GET deletes nothing
    response = post_form(client, "/snapshots/delete", {})
    assert response.status_code == 302
    assert rows(patient.id) == []
    assert stored_files(app) == []
    assert client.get(f"/snapshots/{first_id}/image").status_code == 404


def test_withdrawing_without_photos_goes_back_to_the_consent_page(client, as_user):
    consenting_patient(as_user)
    response = post_form(client, "/snapshots/consent/withdraw", {}, page="/snapshots/consent")
    assert response.headers["Location"] == "/snapshots/consent"


def test_deleting_one_photo(client, as_user, app):
    patient = consenting_patient(as_user)
    keep, drop = store(patient.id).id, store(patient.id, expression="pucker").id
    response = post_form(client, f"/snapshots/{drop}/delete", {}, page="/snapshots")
    assert response.status_code == 302
    assert [r.id for r in rows(patient.id)] == [keep]
    assert len(stored_files(app)) == 2


def test_a_patient_cannot_delete_another_patients_photo(client, as_user, factories, app):
    other = factories.make_patient()
    theirs = store(other.id)
    consenting_patient(as_user)
    response = post_form(client, f"/snapshots/{theirs.id}/delete", {}, page="/snapshots")
    assert response.status_code == 404
    assert [r.id for r in rows(other.id)] == [theirs.id]
    assert len(stored_files(app)) == 2


# --- capture page -----------------------------------------------------------------------------


def test_capture_page_has_the_expression_set_prompts_and_the_fallback_form(client, as_user):
    consenting_patient(as_user)
    page = client.get("/snapshots/capture").get_data(as_text=True)
    for expression in ("rest", "brow raise", "gentle eye closure", "full smile", "pucker"):
        assert f'data-expression="{expression}"' in page
    assert "Raise your eyebrows gently, as if surprised." in page
    assert 'class="mirror"' in page
    assert 'class="face-guide"' in page
    assert 'name="csrf-token"' in page
    assert 'type="file"' in page and 'accept="image/*"' in page and 'capture="user"' in page
    assert 'name="mirrored" type="hidden" value="false"' in page
    assert "js/capture.js" in page
    assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_capture_follows_the_therapists_expression_set(client, as_user, factories):
    patient = consenting_patient(as_user)
    therapist = factories.make_user("therapist")
    db.session.add(CareTeamMember(patient_id=patient.id, staff_id=therapist.id))
    db.session.commit()
    snapshots.set_expressions(therapist, patient.id, ["rest", "full smile", "snarl"])
    page = client.get("/snapshots/capture").get_data(as_text=True)
    assert 'data-expression="snarl"' in page
    assert 'data-expression="pucker"' not in page


def test_capture_from_a_session_stores_the_session(client, as_user):
    patient = consenting_patient(as_user)
    practice_id = session_for(patient.id)
    page = client.get(f"/snapshots/capture?session={practice_id}").get_data(as_text=True)
    assert f'data-session="{practice_id}"' in page
    response = upload(client, png_of(halves()), session=practice_id)
    assert response.status_code == 302
    assert rows(patient.id)[0].session_id == practice_id


def test_another_patients_session_is_404_and_nothing_is_stored(client, as_user, factories, app):
    other = factories.make_patient()
    their_session = session_for(other.id)
    consenting_patient(as_user)
    assert client.get(f"/snapshots/capture?session={their_session}").status_code == 404
    assert client.get("/snapshots/capture?session=banana").status_code == 404
    response = upload(client, png_of(halves()), session=their_session)
    assert response.status_code == 404
    assert rows() == [] and stored_files(app) == []


def test_unknown_expression_is_refused(client, as_user, app):
    consenting_patient(as_user)
    response = upload(client, png_of(halves()), expression="wink")
    assert response.status_code == 400
    assert rows() == [] and stored_files(app) == []


# --- upload -----------------------------------------------------------------------------------


def test_upload_of_a_real_face_stores_a_clean_jpeg_and_its_analysis(client, as_user, app):
    patient = consenting_patient(as_user)
    original = face_image()
    response = upload(client, with_exif(face_bytes()), expression="rest")
    assert response.status_code == 302

    [row] = rows(patient.id)
    assert response.headers["Location"] == f"/snapshots/{row.id}"
    assert row.expression == "rest" and row.uploaded_mirrored is False
    assert (row.width, row.height) == (original.shape[1], original.shape[0])
    assert row.quality["analysed"] is True
    assert row.quality["ok"] is True, row.quality
    assert row.quality["flags"] == []
    assert row.measures["geometry"] is not None
    assert {m["name"] for m in row.measures["measures"]} >= {"brow_height_difference"}
    assert "landmarks" not in row.measures
    assert row.analysis_version == vision.ANALYSIS_VERSION

    data = snapshot_storage().get(row.storage_key)
    assert data[:3] == b"\xff\xd8\xff"
    assert 0xE1 not in jpeg_segments(data)  # no APP1: no EXIF, no GPS
    assert b"Exif" not in data and b"secret place" not in data
    # unmirrored: the stored picture is the uploaded one, not its mirror image
    stored = stored_image(row).astype(np.int16)
    assert np.abs(stored - original).mean() < np.abs(stored - original[:, ::-1]).mean() / 3

    thumbnail = snapshot_storage().get(row.thumbnail_key)
    small = cv2.imdecode(np.frombuffer(thumbnail, np.uint8), cv2.IMREAD_COLOR)
    assert small.shape[1] == 320

    # names are random, not the upload's
    for key in (row.storage_key, row.thumbnail_key):
        assert "photo" not in key and len(key) >= 36
    assert sorted(p.name for p in stored_files(app)) == sorted([row.storage_key, row.thumbnail_key])

    page = client.get(f"/snapshots/{row.id}").get_data(as_text=True)
    assert "It looks good" in page and "Good photo" in page


def test_json_upload_answers_with_the_quality_result(client, as_user):
    consenting_patient(as_user)
    response = upload(client, face_bytes(), expression="full smile", as_json=True)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["quality_ok"] is True and body["hints"] == []
    assert body["url"] == f"/snapshots/{body['snapshot_id']}"


def test_the_upload_answers_before_the_check_and_the_page_asks_for_its_result(
    client, as_user, monkeypatch
):
    """The check is a background job (issue 17): held back here, so the answer and the
    photo's page say "being checked" until the job has run."""
    consenting_patient(as_user)
    held = []
    monkeypatch.setattr(snapshots.jobs, "enqueue", lambda func, *args: held.append((func, args)))
    body = upload(client, face_bytes(), as_json=True).get_json()
    snapshot_id = body["snapshot_id"]
    assert body["ok"] is True and body["pending"] is True and body["analysed"] is False
    assert body["analysis_url"] == f"/snapshots/{snapshot_id}/analysis"
    assert held == [(snapshots.analyse_stored_photo, (snapshot_id,))]
    assert client.get(body["analysis_url"]).get_json()["pending"] is True
    page = client.get(body["url"]).get_data(as_text=True)
    assert "Being checked" in page and "This photo is being checked" in page

    (job, args), *_ = held
    job(*args)  # what the worker runs
    assert client.get(body["analysis_url"]).get_json() == {
        "snapshot_id": snapshot_id,
        "pending": False,
        "analysed": True,
        "quality_ok": True,
        "flags": [],
        "hints": [],
    }
    assert "Good photo" in client.get(body["url"]).get_data(as_text=True)


def test_a_photo_whose_file_is_gone_before_its_check_is_marked_not_measured(
    client, as_user, monkeypatch, app
):
    patient = consenting_patient(as_user)
    monkeypatch.setattr(snapshots.jobs, "enqueue", lambda *_: None)  # the job never ran
    row = store(patient.id)
    assert row.quality["pending"] is True
    (Path(app.instance_path) / "snapshots" / row.storage_key).unlink()
    checked = snapshots.analyse_stored_photo(row.id)
    assert checked.quality == {"analysed": False, "ok": False, "faces_found": None, "flags": []}
    answer = client.get(f"/snapshots/{row.id}/analysis").get_json()
    assert answer["pending"] is False and answer["analysed"] is False


def test_another_patients_photo_check_is_404(client, as_user, factories):
    other = factories.make_patient()
    give_consent(other.id)
    theirs = store(other.id)
    consenting_patient(as_user)
    assert client.get(f"/snapshots/{theirs.id}/analysis").status_code == 404
    assert client.get("/snapshots/999999/analysis").status_code == 404


def test_a_photo_with_no_face_is_kept_with_its_flag_and_retake_hint(client, as_user):
    patient = consenting_patient(as_user)
    gray = np.full((480, 640, 3), 128, np.uint8)
    response = upload(client, png_of(gray), as_json=True, content_type="image/png")
    body = response.get_json()
    assert body["ok"] is True and body["quality_ok"] is False
    assert [f["code"] for f in body["flags"]] == ["no_face"]
    assert "could not find a face" in body["hints"][0]
    [row] = rows(patient.id)
    assert row.quality["flags"][0]["code"] == "no_face"

    page = client.get(f"/snapshots/{row.id}").get_data(as_text=True)
    assert "Retake suggested" in page and "could not find a face" in page
    assert 'href="/snapshots/capture?expression=rest"' in page


def test_mirrored_upload_is_flipped_to_the_true_view(client, as_user):
    patient = consenting_patient(as_user)
    response = upload(client, png_of(halves()), mirrored="true", content_type="image/png")
    assert response.status_code == 302
    [row] = rows(patient.id)
    assert row.uploaded_mirrored is True
    image = stored_image(row)
    assert image[:, :90].mean() > 240  # the white half is now on the left
    assert image[:, 110:].mean() < 15


def test_unmirrored_upload_is_not_flipped(client, as_user):
    patient = consenting_patient(as_user)
    upload(client, png_of(halves()), mirrored="false", content_type="image/png")
    image = stored_image(rows(patient.id)[0])
    assert image[:, :90].mean() < 15 and image[:, 110:].mean() > 240


def test_a_bad_mirrored_value_is_refused(client, as_user, app):
    consenting_patient(as_user)
    response = upload(client, png_of(halves()), mirrored="sideways")
    assert response.status_code == 400
    assert rows() == [] and stored_files(app) == []


def test_the_file_name_and_declared_type_do_not_matter(client, as_user):
    patient = consenting_patient(as_user)
    response = upload(
        client, png_of(halves()), filename="holiday.exe", content_type="application/x-msdownload"
    )
    assert response.status_code == 302
    assert snapshot_storage().get(rows(patient.id)[0].storage_key)[:3] == b"\xff\xd8\xff"


def test_a_huge_photo_is_stored_at_most_2048_pixels_wide(client, as_user):
    patient = consenting_patient(as_user)
    big = cv2.resize(face_image(), (3000, 3516))
    response = upload(client, jpeg_of(big))
    assert response.status_code == 302
    row = rows(patient.id)[0]
    assert max(row.width, row.height) == 2048


# --- writes are atomic ------------------------------------------------------------------------


class FailingSecondPut(LocalFolderStorage):
    def __init__(self, root):
        super().__init__(root)
        self.calls = 0

    def put(self, key, data):
        self.calls += 1
        if self.calls == 2:
            raise OSError("disk full")
        super().put(key, data)


def test_a_failed_file_write_leaves_no_row_and_no_file(client, as_user, app):
    consenting_patient(as_user)
    storage = FailingSecondPut(Path(app.instance_path) / "snapshots")
    app.extensions["retrain.snapshot_storage"] = storage
    response = upload(client, png_of(halves()), as_json=True)
    assert response.status_code == 400
    assert response.get_json()["message"] == snapshots.SAVE_FAILED
    assert storage.calls == 2
    assert rows() == [] and stored_files(app) == []


def test_a_failed_insert_removes_the_files(client, as_user, app):
    from sqlalchemy import event

    consenting_patient(as_user)

    def refuse(*_args):
        raise RuntimeError("database refused the row")

    event.listen(Snapshot, "before_insert", refuse)
    try:
        response = upload(client, png_of(halves()))
    finally:
        event.remove(Snapshot, "before_insert", refuse)
    assert response.status_code == 400
    assert snapshots.SAVE_FAILED in response.get_data(as_text=True)
    assert rows() == [] and stored_files(app) == []


def test_missing_face_models_still_keep_the_photo_unmeasured(client, as_user, monkeypatch):
    from retrain import vision

    def unavailable(_image):
        raise vision.ModelsUnavailable("not installed")

    monkeypatch.setattr(vision, "analyse", unavailable)
    patient = consenting_patient(as_user)
    body = upload(client, face_bytes(), as_json=True).get_json()
    assert body["ok"] is True and body["analysed"] is False
    [row] = rows(patient.id)
    assert row.analysis_version == snapshots.NOT_ANALYSED and row.measures == {}
    assert "Not measured" in client.get("/snapshots").get_data(as_text=True)


def test_a_photo_stored_unmeasured_can_be_analysed_later(as_user, monkeypatch, app):
    from retrain import vision

    def failing(_image):
        raise RuntimeError("the analysis broke")

    patient = consenting_patient(as_user)
    with monkeypatch.context() as patched:
        patched.setattr(vision, "analyse", failing)
        row = store(patient.id)
    assert row.analysis_version == snapshots.NOT_ANALYSED
    analysed = snapshots.analyse_stored_photo(row.id)  # what a background job would call
    assert analysed.analysis_version == vision.ANALYSIS_VERSION
    assert analysed.quality["ok"] is True and analysed.measures["geometry"] is not None
    # a file that went missing leaves the analysis as it was
    (Path(app.instance_path) / "snapshots" / row.storage_key).unlink()
    db.session.expire_all()
    assert snapshots.analyse_stored_photo(row.id).analysis_version == vision.ANALYSIS_VERSION
    assert snapshots.analyse_stored_photo(999_999) is None


# --- serving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["image", "thumbnail", "aligned"])
def test_files_are_served_with_safe_headers(client, as_user, kind):
    patient = consenting_patient(as_user)
    row = store(patient.id)
    response = client.get(f"/snapshots/{row.id}/{kind}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.data[:3] == b"\xff\xd8\xff"


def test_aligned_image_levels_the_eyes(client, as_user):
    patient = consenting_patient(as_user)
    tilted = cv2.warpAffine(
        face_image(),
        cv2.getRotationMatrix2D((256, 300), 8, 1.0),
        (512, 600),
        borderMode=cv2.BORDER_REPLICATE,
    )
    row = store(patient.id, jpeg_of(tilted))
    response = client.get(f"/snapshots/{row.id}/aligned")
    aligned = cv2.imdecode(np.frombuffer(response.data, np.uint8), cv2.IMREAD_COLOR)
    assert aligned.shape == (600, 480, 3)
    # analysing the aligned picture finds the eyes level and about 160 px apart
    from retrain import vision

    analysis = vision.analyse(aligned, mirror_average=False)
    right, left = analysis.iris_centres["right"], analysis.iris_centres["left"]
    assert abs(right[1] - left[1]) < 4
    assert 150 < left[0] - right[0] < 170


def test_aligned_without_eyes_is_404(client, as_user):
    patient = consenting_patient(as_user)
    row = store(patient.id, png_of(np.full((300, 300, 3), 90, np.uint8)))
    assert client.get(f"/snapshots/{row.id}/aligned").status_code == 404


def test_a_missing_file_is_404_not_500(client, as_user, app):
    patient = consenting_patient(as_user)
    row = store(patient.id)
    (Path(app.instance_path) / "snapshots" / row.storage_key).unlink()
    assert client.get(f"/snapshots/{row.id}/image").status_code == 404


# --- who sees what ----------------------------------------------------------------------------


def foreign_urls(row_id: int, patient_id: int) -> list[str]:
    return [
        f"/snapshots/{row_id}",
        f"/snapshots/{row_id}/image",
        f"/snapshots/{row_id}/thumbnail",
        f"/snapshots/{row_id}/aligned",
    ]


def test_a_patient_cannot_see_another_patients_photos(client, as_user, factories):
    other = factories.make_patient()
    theirs = store(other.id)
    consenting_patient(as_user)
    for url in foreign_urls(theirs.id, other.id):
        assert client.get(url).status_code == 404, url
    assert f"/snapshots/{theirs.id}/" not in client.get("/snapshots").get_data(as_text=True)


def test_unknown_ids_are_404(client, as_user):
    consenting_patient(as_user)
    for url in foreign_urls(999_999, 0):
        assert client.get(url).status_code == 404, url


def test_care_team_staff_see_the_photos(client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    row = store(patient.id)
    login(client, therapist.email)
    for url in foreign_urls(row.id, patient.id):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/patients/{patient.id}/snapshots").get_data(as_text=True)
    assert f"/snapshots/{row.id}/thumbnail" in page


@pytest.mark.parametrize("role", ["therapist", "clinician"])
def test_staff_not_on_the_care_team_get_404(client, factories, role):
    carer = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[carer])
    first = store(patient.id, expression="full smile")
    second = store(patient.id, expression="full smile")
    outsider = factories.make_user(role)
    login(client, outsider.email)
    for url in [
        *foreign_urls(first.id, patient.id),
        f"/patients/{patient.id}/snapshots",
        f"/patients/{patient.id}/snapshots/compare?expression=full+smile&a={first.id}&b={second.id}",
    ]:
        assert client.get(url).status_code == 404, url
    response = post_form(
        client,
        f"/patients/{patient.id}/snapshots/expressions",
        {"expressions": ["rest", "pucker"]},
        page=f"/patients/{patient.id}/snapshots",  # its 404 page still has a token
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).snapshot_expressions is None


def test_admins_see_no_photos(client, factories):
    patient = factories.make_patient()
    row = store(patient.id)
    admin = factories.make_user("admin")
    login(client, admin.email)
    assert client.get(f"/snapshots/{row.id}/image").status_code == 404
    assert client.get(f"/patients/{patient.id}/snapshots").status_code == 403


def test_compare_refuses_another_patients_photo_ids(client, factories):
    therapist = factories.make_user("therapist")
    mine = factories.make_patient(care_team=[therapist])
    other = factories.make_patient(care_team=[therapist])
    my_photo = store(mine.id, expression="full smile")
    their_photo = store(other.id, expression="full smile")
    login(client, therapist.email)
    base = f"/patients/{mine.id}/snapshots/compare?expression=full+smile"
    assert client.get(f"{base}&a={my_photo.id}").status_code == 200
    assert client.get(f"{base}&a={my_photo.id}&b={their_photo.id}").status_code == 404
    assert client.get(f"{base}&a={their_photo.id}").status_code == 404
    assert client.get(f"{base}&a=abc").status_code == 404
    # a photo of another expression is not a choice either
    rest = store(mine.id, expression="rest")
    assert client.get(f"{base}&a={rest.id}").status_code == 404
    assert client.get(f"/patients/{mine.id}/snapshots/compare?expression=wink").status_code == 404


def test_patients_and_staff_keep_to_their_own_pages(client, as_user, factories):
    patient = consenting_patient(as_user)
    assert client.get(f"/patients/{patient.id}/snapshots").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/snapshots")})
    therapist = factories.make_user("therapist")
    login(client, therapist.email)
    for url in ("/snapshots", "/snapshots/capture", "/snapshots/consent", "/snapshots/delete"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(client, factories):
    patient = factories.make_patient()
    row = store(patient.id)
    for url in ("/snapshots", f"/snapshots/{row.id}/image", f"/patients/{patient.id}/snapshots"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# --- staff pages ------------------------------------------------------------------------------


def smile_copy(image: np.ndarray, lift: int = 10) -> np.ndarray:
    """A cheap 'expression': the lower face lifted a few pixels on the image's left."""
    out = image.copy()
    h, w = image.shape[:2]
    band = slice(int(h * 0.55), int(h * 0.85))
    side = slice(0, w // 2)
    out[band.start - lift : band.stop - lift, side] = image[band, side]
    return out


def two_days_of_photos(patient_id: int):
    day1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    day2 = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    made = {}
    for day in (day1, day2):
        made[(day.date(), "rest")] = store(patient_id, face_bytes(), "rest", day)
        made[(day.date(), "full smile")] = store(
            patient_id, jpeg_of(smile_copy(face_image())), "full smile", day + timedelta(minutes=2)
        )
    return day1, day2, made


def test_staff_gallery_shows_trends_with_injection_dates_and_noise_labels(client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    day1, day2, made = two_days_of_photos(patient.id)
    db.session.add(
        InjectionVisit(patient_id=patient.id, injected_on=date(2026, 3, 6), product="other")
    )
    db.session.commit()
    login(client, therapist.email)
    page = client.get(f"/patients/{patient.id}/snapshots").get_data(as_text=True)
    assert "Change over time" in page
    assert 'id="trend-full-smile-eye-narrowing"' in page
    assert "Injection" in page  # the injection marker in the chart
    assert "within measurement noise" in page  # the same face twice: no real change
    assert "2 Mar 2026" in page and "20 Mar 2026" in page
    assert "style=" not in page and "<script>" not in page
    # days since the injection in the numbers table: none for 2 March, 14 for 20 March
    assert '<td class="num" data-label="Days since injection">14</td>' in page


def test_compare_page_shows_two_dates_side_by_side(client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    day1, day2, made = two_days_of_photos(patient.id)
    a, b = made[(day1.date(), "full smile")], made[(day2.date(), "full smile")]
    login(client, therapist.email)
    url = f"/patients/{patient.id}/snapshots/compare?expression=full+smile"
    page = client.get(url).get_data(as_text=True)  # defaults: oldest and newest
    assert f"/snapshots/{a.id}/image" in page and f"/snapshots/{b.id}/image" in page
    assert "Eye opening, as a share of the opening at rest" in page
    aligned = client.get(f"{url}&a={a.id}&b={b.id}&aligned=1").get_data(as_text=True)
    assert f"/snapshots/{a.id}/aligned" in aligned and f"/snapshots/{b.id}/aligned" in aligned


def test_staff_detail_shows_change_from_rest(client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    _day1, _day2, made = two_days_of_photos(patient.id)
    smile = next(r for (d, e), r in made.items() if e == "full smile")
    login(client, therapist.email)
    page = client.get(f"/snapshots/{smile.id}").get_data(as_text=True)
    assert "Change from rest" in page and "Mouth corner movement from rest" in page
    assert "Delete this photo" not in page


def test_therapist_sets_the_expression_set(client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    login(client, therapist.email)
    page = f"/patients/{patient.id}/snapshots"
    url = f"{page}/expressions"
    response = post_form(client, url, {"expressions": ["pucker", "rest"]}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).snapshot_expressions == ["rest", "pucker"]

    response = post_form(client, url, {"expressions": ["pucker"]}, page=page)
    assert response.status_code == 400
    assert "keep" in response.get_data(as_text=True) and "rest" in response.get_data(as_text=True)
    response = post_form(client, url, {"expressions": ["rest", "wink"]}, page=page)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).snapshot_expressions == ["rest", "pucker"]

    response = post_form(client, url, {"expressions": list(DEFAULT_EXPRESSIONS)}, page=page)
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).snapshot_expressions is None  # the default


def test_a_clinician_may_look_but_not_set_the_expression_set(client, factories):
    clinician = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[clinician])
    login(client, clinician.email)
    page = client.get(f"/patients/{patient.id}/snapshots")
    assert page.status_code == 200
    assert "The therapist chooses this set." in page.get_data(as_text=True)
    response = post_form(
        client,
        f"/patients/{patient.id}/snapshots/expressions",
        {"expressions": ["rest", "pucker"]},
        page=f"/patients/{patient.id}/snapshots",
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).snapshot_expressions is None


# --- counting ----------------------------------------------------------------------------------


def fake_row(patient_id, expression, taken_at, ok=True):
    """A row without a file: enough for choosing photos."""
    row = Snapshot(
        patient_id=patient_id,
        expression=expression,
        taken_at=taken_at,
        storage_key=f"{taken_at:%Y%m%d%H%M}{expression[:2]}{int(ok)}.jpg",
        thumbnail_key=f"{taken_at:%Y%m%d%H%M}{expression[:2]}{int(ok)}-t.jpg",
        width=640,
        height=480,
        quality={"analysed": True, "ok": ok, "flags": []},
        measures={},
        analysis_version="test",
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def at(day: int, hour: int = 12, month: int = 4) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_photo_count_counts_only_the_patients_rows(factories):
    first, second = factories.make_patient(), factories.make_patient()
    fake_row(first.id, "rest", at(1))
    fake_row(second.id, "rest", at(2))
    fake_row(second.id, "pucker", at(2))
    assert snapshot_pages.photo_status(first.user, first.id).photo_count == 1
    assert db.session.scalar(select(func.count(Snapshot.id))) == 3
