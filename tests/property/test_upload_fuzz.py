"""Fuzzing the photo upload (ASVS 5.0, 5.2-5.4).

Arbitrary bytes and mutated real images go to the image checks directly (fast: many
examples) and to /snapshots/upload as a consenting patient (the whole path: fewer).

The seeds are small valid JPEG (baseline and progressive), PNG and WebP files encoded
here with cv2. Hypothesis then flips bits, cuts the file short, splices one format's
header onto another's body, writes huge (or zero) sizes into the header, wraps the
photo in HTML and script, repeats or inserts chunks of it, or sends bytes with only a
photo's magic number in front.

Properties:
- media.images.decode either returns 8-bit BGR pixels of the size the header
  promised, within the pixel limits, or raises ImageRejected (an Invalid with a
  message for the patient). Nothing else: no other exception, no crash.
- the upload never answers 5xx; a refusal stores nothing (no snapshot row, no change in
  any table, no new file in the instance's snapshots folder); an accepted photo adds
  exactly one row and its two files (photo and thumbnail), fresh JPEGs with none of the
  HTML or script that came with it, and changes no other table.
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrain.media import images
from retrain.usecases import snapshots

from ..conftest import csrf_from
from .conftest import (
    changed_tables,
    count_example,
    fail_on_server_error,
    fingerprint,
    logged_in_client,
    property_settings,
    server_errors,
)

SERVICE_EXAMPLES = 600
UPLOAD_EXAMPLES = 100


# --- seeds -------------------------------------------------------------------------------


def picture(width: int = 160, height: int = 120) -> np.ndarray:
    """A small picture with edges and gradients, so compressed files have real structure."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([(x * 255) // width, (y * 255) // height, ((x ^ y) * 7) % 256], axis=-1)
    image = image.astype(np.uint8)
    cv2.circle(image, (width // 2, height // 2), min(width, height) // 3, (40, 90, 200), -1)
    return image


def encode(extension: str, image: np.ndarray, *params: int) -> bytes:
    ok, buffer = cv2.imencode(extension, image, list(params))
    assert ok
    return buffer.tobytes()


PICTURE = picture()
SEEDS = {
    "jpeg": encode(".jpg", PICTURE, cv2.IMWRITE_JPEG_QUALITY, 85),
    "progressive jpeg": encode(".jpg", PICTURE, cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
    "png": encode(".png", PICTURE),
    "webp": encode(".webp", PICTURE, cv2.IMWRITE_WEBP_QUALITY, 80),
    "lossless webp": encode(".webp", PICTURE, cv2.IMWRITE_WEBP_QUALITY, 101),
}
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
MAGIC = [b"\xff\xd8\xff", images.PNG_SIGNATURE, b"RIFF\x00\x00\x00\x00WEBP", b"GIF89a", b"%PDF-"]
SIZES = [
    (0, 0),
    (1, 100_000),
    (63, 64),
    (64, 64),
    (6_324, 6_324),  # just under 40 megapixels
    (6_325, 6_325),  # just over
    (40_000, 1_001),
    (16_384, 16_384),
    (65_535, 65_535),
]


# --- mutations ---------------------------------------------------------------------------


def set_size(data: bytes, width: int, height: int) -> bytes:
    """The same file with ``width`` x ``height`` written into its header (where it has one)."""
    data = bytearray(data)
    kind = images.sniff(bytes(data))
    if kind == "png" and len(data) >= 24:
        data[16:24] = struct.pack(">II", width, height)
    elif kind == "jpeg":
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            at = data.find(marker)
            if at != -1 and at + 9 <= len(data):
                data[at + 5 : at + 9] = struct.pack(">HH", height & 0xFFFF, width & 0xFFFF)
                break
    elif kind == "webp" and len(data) >= 30:
        chunk = bytes(data[12:16])
        if chunk == b"VP8X":
            data[24:27] = max(width - 1, 0).to_bytes(3, "little")[:3]
            data[27:30] = max(height - 1, 0).to_bytes(3, "little")[:3]
        elif chunk == b"VP8 ":
            data[26:30] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
        elif chunk == b"VP8L":
            bits = ((max(width - 1, 0) & 0x3FFF) | ((max(height - 1, 0) & 0x3FFF) << 14)) & (
                0xFFFFFFFF
            )
            data[21:25] = struct.pack("<I", bits)
    return bytes(data)


@st.composite
def mutation(draw, data: bytes) -> bytes:
    n = len(data)
    kind = draw(
        st.sampled_from(
            [
                "flip bits",
                "truncate",
                "splice header",
                "huge size",
                "wrap in html",
                "repeat a slice",
                "insert bytes",
                "overwrite bytes",
                "drop a slice",
            ]
        )
    )
    if kind == "flip bits" and n:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 16))):
            at = draw(st.integers(0, n - 1))
            data[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, n))]
    if kind == "splice header":
        other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
        cut = draw(st.integers(0, min(len(other), n, 64)))
        return other[:cut] + data[cut:]
    if kind == "huge size":
        return set_size(data, *draw(st.sampled_from(SIZES)))
    if kind == "wrap in html":
        extra = draw(st.sampled_from([HTML, SVG, b"<?php system($_GET[1]); ?>"]))
        where = draw(st.sampled_from(["before", "after", "inside"]))
        if where == "before":
            return extra + data
        if where == "after":
            return data + extra
        at = draw(st.integers(0, n))
        return data[:at] + extra + data[at:]
    if kind == "repeat a slice" and n:
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start, min(n, start + 512)))
        times = draw(st.integers(2, 200))
        return data[:end] + data[start:end] * times + data[end:]
    if kind == "insert bytes":
        at = draw(st.integers(0, n))
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if kind == "overwrite bytes" and n:
        at = draw(st.integers(0, n - 1))
        chunk = draw(st.binary(min_size=1, max_size=32))
        return data[:at] + chunk + data[at + len(chunk) :]
    if kind == "drop a slice" and n:
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start, min(n, start + 256)))
        return data[:start] + data[end:]
    return data


@st.composite
def mutated_image(draw) -> bytes:
    data = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    for _ in range(draw(st.integers(1, 3))):
        data = draw(mutation(data))
    return data


FILES = st.one_of(
    mutated_image(),
    st.binary(max_size=4096),
    st.tuples(st.sampled_from(MAGIC), st.binary(max_size=2048)).map(b"".join),
    st.sampled_from(sorted(SEEDS)).map(SEEDS.__getitem__),  # untouched: must be accepted
)


# --- the image checks, directly -------------------------------------------------------------


def test_seeds_are_valid_photos():
    for name, data in SEEDS.items():
        assert images.decode(data).shape == (*PICTURE.shape[:2], 3), name


@property_settings(SERVICE_EXAMPLES)
@given(data=FILES)
def test_image_checks_refuse_or_return_sound_pixels(data):
    count_example("upload[images.decode]")
    try:
        pixels = images.decode(data)
    except images.ImageRejected as refusal:
        assert refusal.field == "image" and refusal.message
        return
    assert pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.dtype == np.uint8
    height, width = pixels.shape[:2]
    assert min(width, height) >= images.MIN_SIDE
    assert width * height <= images.MAX_PIXELS
    header = images.read_header(data)
    assert sorted((width, height)) == sorted((header.width, header.height))


# --- the upload, end to end ------------------------------------------------------------------


def stored_files(app) -> set[str]:
    folder = Path(app.instance_path) / "snapshots"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def photographer(app, factories):
    """A logged-in patient who agreed to photos, and the CSRF token of their session.

    The per-account upload limit is raised for this test: it sends far more photos in a
    minute than a patient could (tests/security/test_throttling.py covers the limit).
    """
    app.config["UPLOAD_RATE_LIMIT"] = "100000 per minute"
    user = factories.make_patient().user
    snapshots.give_consent(user, user.id)
    client = logged_in_client(app, user)
    token = csrf_from(client.get("/snapshots/capture").get_data(as_text=True))
    return client, token


def post_photo(client, token: str, data: bytes, *, filename, declared, as_json, session=""):
    fields = {
        "csrf_token": token,
        "expression": "rest",
        "mirrored": "false",
        "session": session,
        "image": (io.BytesIO(data), filename, declared),
    }
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(
        "/snapshots/upload", data=fields, content_type="multipart/form-data", headers=headers
    )


def accepted(response, as_json: bool) -> bool:
    if as_json:
        return response.status_code == 200 and (response.get_json() or {}).get("ok") is True
    return response.status_code in (302, 303)


def test_upload_survives_arbitrary_and_mutated_files(app, photographer):
    client, token = photographer
    outcomes = Counter()
    state = {"db": fingerprint(), "files": stored_files(app)}

    def send(data, filename="photo.jpg", declared="image/jpeg", as_json=False, session=""):
        with server_errors() as errors:
            response = post_photo(
                client,
                token,
                data,
                filename=filename,
                declared=declared,
                as_json=as_json,
                session=session,
            )
        after, files = fingerprint(), stored_files(app)
        changed = changed_tables(state["db"], after)
        new_files = files - state["files"]
        status = response.status_code
        what = f"upload of {len(data)} bytes starting {data[:12]!r} (session={session!r})"
        fail_on_server_error(status, errors, what)
        if accepted(response, as_json):
            assert changed == {"snapshots"}, f"{what}: accepted, but changed {changed}"
            assert after["snapshots"][0] == state["db"]["snapshots"][0] + 1, what
            assert len(new_files) == 2 and files >= state["files"], f"{what}: files {new_files}"
            folder = Path(app.instance_path) / "snapshots"
            for name in new_files:  # fresh JPEGs: whatever rode along with the pixels is gone
                stored = (folder / name).read_bytes()
                assert stored[:3] == b"\xff\xd8\xff", f"{what}: {name} is not a JPEG"
                assert not any(bad in stored for bad in (b"<script", b"<?php", b"<svg")), what
            outcome = "accepted"
        else:
            assert 400 <= status < 500, f"{what}: answered {status}"
            assert not changed, f"{what}: refused ({status}) but changed {changed}"
            assert files == state["files"], f"{what}: refused ({status}) but files changed"
            outcome = "refused"
        state["db"], state["files"] = after, files
        return outcome

    # Untouched seeds are accepted, by the plain form and by the capture page's fetch.
    for name, data in SEEDS.items():
        assert send(data) == "accepted", name
    assert send(SEEDS["png"], as_json=True) == "accepted"

    @property_settings(UPLOAD_EXAMPLES)
    @given(
        data=FILES,
        filename=st.sampled_from(["photo.jpg", "face.png", "x.svg", "../../evil.html", ""]),
        declared=st.sampled_from(["image/jpeg", "image/png", "text/html", "image/svg+xml"]),
        as_json=st.booleans(),
    )
    def fuzz(data, filename, declared, as_json):
        count_example("upload[/snapshots/upload]")
        outcomes[send(data, filename, declared, as_json)] += 1

    fuzz()
    assert outcomes["refused"] > 0


ODD_SESSION_IDS = ["abc", "-1", "0", "1", str(2**31), str(2**63), "1e3", "\x00", " 1"]


def test_upload_with_an_odd_session_id(app, photographer):
    """The practice session a photo belongs to (a hidden field): never 5xx; not a session
    of this patient (there is none), so a 4xx and nothing stored."""
    client, token = photographer
    before, files = fingerprint(), stored_files(app)
    broken = {}
    for session in ODD_SESSION_IDS:
        count_example("upload[odd session ids]", sweep=True)
        with server_errors() as errors:
            response = post_photo(
                client,
                token,
                SEEDS["jpeg"],
                filename="photo.jpg",
                declared="image/jpeg",
                as_json=True,
                session=session,
            )
        if not 400 <= response.status_code < 500:
            cause = f" {type(errors[-1]).__name__}" if errors else ""
            broken[session] = f"{response.status_code}{cause}"
    assert broken == {}, f"upload with these session ids: {broken}"
    assert changed_tables(before, fingerprint()) == set()
    assert stored_files(app) == files
