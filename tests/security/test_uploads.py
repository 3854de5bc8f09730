"""Snapshot uploads that are not what they claim (ASVS 5.0, 5.2-5.4).

Each bad file gets a clear message and leaves nothing stored: no row, no file.
The header readers are also checked on hand-made headers with known sizes.
"""

import struct
import zlib

import cv2
import numpy as np
import pytest

from retrain.infrastructure.storage import snapshot_storage
from retrain.media import images

from ..web.test_snapshots import (
    consenting_patient,
    face_bytes,
    face_image,
    jpeg_of,
    jpeg_segments,
    png_of,
    rows,
    stored_files,
    upload,
)

# --- hand-made files ------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A complete, tiny PNG whose header claims ``width`` x ``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return images.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """SOI, a baseline SOF0 with this size, a scan header, a little data, EOI."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
    sof += b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return b"\xff\xd8" + sof + sos + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"


def webp_vp8x_claiming(width: int, height: int) -> bytes:
    payload = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    payload += (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


SMALL = (np.arange(120 * 160 * 3) % 251).astype(np.uint8).reshape(120, 160, 3)

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(1)</script><rect width="100" height="100"/></svg>'
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def corrupt_png() -> bytes:
    """A PNG with the right structure whose compressed pixels are garbage."""
    data = bytearray(png_of(SMALL))
    start = data.index(b"IDAT") + 4
    for i in range(start + 10, start + 400):
        data[i] ^= 0x5A
    return bytes(data)


def broken_jpeg_structure() -> bytes:
    """A JPEG start followed by bytes that are no segment."""
    good = jpeg_of(SMALL)
    return good[:20] + bytes(range(7, 250)) * 4


def jpeg_then_html() -> bytes:
    """JPEG magic and a JFIF header, then an HTML page: a classic polyglot."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + HTML


BAD_FILES = {
    "zero-byte": (b"", images.EMPTY),
    "truncated JPEG": (truncated(jpeg_of(SMALL)), images.TRUNCATED),
    "truncated PNG": (truncated(png_of(SMALL)), images.TRUNCATED),
    "truncated WebP": (
        truncated(cv2.imencode(".webp", SMALL, [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes()),
        images.TRUNCATED,
    ),
    "JPEG cut before its first scan": (jpeg_of(SMALL)[:300], images.TRUNCATED),
    "corrupt PNG pixels": (corrupt_png(), images.CORRUPT),
    "corrupt JPEG structure": (broken_jpeg_structure(), images.CORRUPT),
    "random bytes": (bytes((i * 37 + 11) % 256 for i in range(5000)), images.WRONG_TYPE),
    "PDF": (PDF, images.WRONG_TYPE),
    "GIF": (GIF, images.WRONG_TYPE),
    "SVG": (SVG, images.WRONG_TYPE),
    "HTML": (HTML, images.WRONG_TYPE),
    "polyglot: JPEG header + HTML": (jpeg_then_html(), images.CORRUPT),
    "huge header PNG": (png_claiming(10_000, 10_000), images.TOO_MANY_PIXELS),
    "huge header JPEG": (jpeg_claiming(65_000, 65_000), images.TOO_MANY_PIXELS),
    "huge header WebP": (webp_vp8x_claiming(16_384, 16_384), images.TOO_MANY_PIXELS),
    "tiny picture": (png_of(np.zeros((20, 20, 3), np.uint8)), images.TOO_SMALL),
    # a photo has a few dozen segments or chunks; tens of thousands only cost time
    "JPEG of endless comments": (
        jpeg_of(SMALL)[:2] + b"\xff\xfe\x00\x02" * 50_000 + jpeg_of(SMALL)[2:],
        images.CORRUPT,
    ),
    "PNG of endless chunks": (
        png_of(SMALL)[:33] + chunk(b"zzZz", b"") * 30_000 + png_of(SMALL)[33:],
        images.CORRUPT,
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message_and_nothing_stored(client, as_user, app, name):
    data, message = BAD_FILES[name]
    consenting_patient(as_user)
    # the browser's name and type claim a JPEG every time: only the content counts
    response = upload(client, data, filename="face.jpg", content_type="image/jpeg", as_json=True)
    assert response.status_code == 400
    body = response.get_json()
    assert body == {"ok": False, "field": "image", "message": message}
    assert rows() == [] and stored_files(app) == []


@pytest.mark.parametrize("name", ["zero-byte", "SVG", "huge header PNG", "truncated JPEG"])
def test_plain_form_shows_the_message_beside_the_file_field(client, as_user, app, name):
    data, message = BAD_FILES[name]
    consenting_patient(as_user)
    response = upload(client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="image-error" role="alert">{message}</p>' in page
    assert rows() == [] and stored_files(app) == []


@pytest.mark.parametrize(
    "name", ["huge header PNG", "huge header JPEG", "huge header WebP", "truncated JPEG"]
)
def test_refused_before_any_pixel_is_decoded(client, as_user, monkeypatch, name):
    calls = []
    real = cv2.imdecode

    def watched(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cv2, "imdecode", watched)
    consenting_patient(as_user)
    assert upload(client, BAD_FILES[name][0], as_json=True).status_code == 400
    assert calls == []


def test_a_file_over_the_request_limit_is_413_and_nothing_stored(client, as_user, app):
    consenting_patient(as_user)
    too_big = b"\xff\xd8\xff" + b"\x00" * (12 * 1024 * 1024 + 1)
    response = upload(client, too_big)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert rows() == [] and stored_files(app) == []


# --- polyglots that ARE photos: only the pixels survive ------------------------------------


def stored_bytes(patient_id) -> bytes:
    [row] = rows(patient_id)
    return snapshot_storage().get(row.storage_key)


def test_script_after_the_end_of_a_jpeg_is_dropped(client, as_user):
    patient = consenting_patient(as_user)
    response = upload(client, face_bytes() + HTML, as_json=True)
    assert response.status_code == 200
    data = stored_bytes(patient.id)
    assert b"<script" not in data and b"html" not in data
    assert data.endswith(b"\xff\xd9")


def test_script_in_a_jpeg_comment_is_dropped(client, as_user):
    patient = consenting_patient(as_user)
    original = face_bytes()
    comment = b"\xff\xfe" + struct.pack(">H", len(HTML) + 2) + HTML
    response = upload(client, original[:2] + comment + original[2:], as_json=True)
    assert response.status_code == 200
    data = stored_bytes(patient.id)
    assert b"<script" not in data
    assert 0xFE not in jpeg_segments(data)


def test_script_in_a_png_text_chunk_is_dropped(client, as_user):
    patient = consenting_patient(as_user)
    png = png_of(SMALL)
    end = png.index(b"IEND") - 4
    with_text = png[:end] + chunk(b"tEXt", b"Comment\x00" + HTML) + png[end:]
    response = upload(client, with_text, as_json=True, content_type="image/png")
    assert response.status_code == 200
    data = stored_bytes(patient.id)
    assert data[:3] == b"\xff\xd8\xff" and b"<script" not in data


def test_served_photo_is_always_a_jpeg_with_nosniff(client, as_user):
    patient = consenting_patient(as_user)
    upload(client, face_bytes() + HTML)
    [row] = rows(patient.id)
    response = client.get(f"/snapshots/{row.id}/image")
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in response.data


# --- the header readers, on known sizes -------------------------------------------------------


def test_png_header_size():
    assert images.read_header(png_of(SMALL)) == images.Header("png", 160, 120)


def test_jpeg_header_size_baseline_and_progressive():
    assert images.read_header(jpeg_of(SMALL)) == images.Header("jpeg", 160, 120)
    ok, progressive = cv2.imencode(".jpg", SMALL, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert ok
    assert images.read_header(progressive.tobytes()) == images.Header("jpeg", 160, 120)


def test_jpeg_header_skips_a_thumbnail_inside_exif():
    """An SOF marker inside an APP1 block (an EXIF thumbnail) is not the photo's size."""
    fake_sof = b"\xff\xc0\x00\x11\x08\x00\x10\x00\x20\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    payload = b"Exif\x00\x00" + fake_sof
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    data = jpeg_of(SMALL)
    assert images.read_header(data[:2] + app1 + data[2:]) == images.Header("jpeg", 160, 120)


def test_webp_header_sizes():
    lossy = cv2.imencode(".webp", SMALL, [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes()
    lossless = cv2.imencode(".webp", SMALL, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes()
    assert lossy[12:16] == b"VP8 " and lossless[12:16] == b"VP8L"
    assert images.read_header(lossy) == images.Header("webp", 160, 120)
    assert images.read_header(lossless) == images.Header("webp", 160, 120)
    assert images.webp_header(webp_vp8x_claiming(3000, 2000)) == images.Header("webp", 3000, 2000)


def test_webp_photo_is_accepted(client, as_user):
    patient = consenting_patient(as_user)
    webp = cv2.imencode(".webp", face_image(), [cv2.IMWRITE_WEBP_QUALITY, 90])[1].tobytes()
    assert upload(client, webp, as_json=True, content_type="image/webp").status_code == 200
    assert stored_bytes(patient.id)[:3] == b"\xff\xd8\xff"


def test_the_pixel_limit_is_exactly_40_megapixels():
    assert images.read_header(png_claiming(8000, 5000)).pixels == 40_000_000
    with pytest.raises(images.ImageRejected) as refused:
        images.read_header(png_claiming(8001, 5000))
    assert refused.value.message == images.TOO_MANY_PIXELS


def test_a_header_that_disagrees_with_the_pixels_is_refused():
    """The header says 200 x 100 but the pixels are 160 x 120: refused after decoding."""
    png = bytearray(png_of(SMALL))
    struct.pack_into(">II", png, 16, 200, 100)
    struct.pack_into(">I", png, 29, zlib.crc32(bytes(png[12:29])))
    with pytest.raises(images.ImageRejected):
        images.decode(bytes(png))
