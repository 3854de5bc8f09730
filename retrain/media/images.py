"""Uploaded photos: checked by content, measured before decoding, decoded, re-encoded.

The rules (OWASP ASVS 5.0, 5.2-5.4: file upload, storage and download):

- The kind of file is read from its first bytes (JPEG, PNG or WebP), never from the
  file name or the type the browser declares.
- The width and height are read from the file's own header (JPEG SOF, PNG IHDR,
  WebP VP8/VP8L/VP8X) BEFORE any pixel is decoded, and more than 40 megapixels is
  refused, so a small file claiming a huge picture (a "decompression bomb") never
  reaches the decoder. The same walk over the file's structure finds files that
  were cut short (no JPEG end marker, no PNG IEND chunk, a RIFF size past the end).
- Pixels are decoded by OpenCV (``cv2.imdecode``, IMREAD_COLOR) and must come out
  the size the header promised (turned by 90 degrees is fine: OpenCV applies the
  EXIF orientation). Whatever else the file carried - EXIF and GPS, comments,
  trailing bytes, a script hidden after the image - is gone once the pixels are
  re-encoded as a fresh JPEG.

Pure cv2 and numpy: nothing here touches Flask or the database.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import Invalid

if TYPE_CHECKING:
    import numpy as np


def _cv():
    """OpenCV and numpy, imported on first use: they add a few tenths of a second and
    about 30 MB to every process at start, and most requests never touch a photo
    (docs/performance.md)."""
    import cv2
    import numpy as np

    return cv2, np


MAX_PIXELS = 40_000_000  # 40 megapixels, refused from the header before decoding
MIN_SIDE = 64  # smaller than this cannot show a face
STORED_MAX_SIDE = 2048  # longer side of the stored photo; plenty for the face models
THUMBNAIL_WIDTH = 320
JPEG_QUALITY = 90
THUMBNAIL_QUALITY = 80

EMPTY = "That file is empty. Please take or choose the photo again."
WRONG_TYPE = "Please send a photo in JPEG, PNG or WebP format. Other kinds of file cannot be used."
TRUNCATED = "That photo seems to be cut short, perhaps by a broken connection. Please try again."
CORRUPT = "We could not read that photo. It may be damaged. Please take or choose another."
TOO_MANY_PIXELS = "That photo is too large (more than 40 megapixels). Please use a smaller photo."
TOO_SMALL = "That photo is too small to use. Please take a larger one."


class ImageRejected(Invalid):
    """An upload that is not a photo we can safely use; the message says why."""

    def __init__(self, message: str):
        super().__init__(message, "image")


@dataclass(frozen=True)
class Header:
    kind: str  # "jpeg", "png" or "webp"
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


# --- what kind of file ----------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff(data: bytes) -> str | None:
    """The kind of file from its first bytes: "jpeg", "png", "webp", or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == PNG_SIGNATURE:
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


# --- JPEG -----------------------------------------------------------------------------

# Start-of-frame markers carry the size: SOF0-SOF15 except DHT (C4), JPG (C8), DAC (CC).
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
SOI, EOI, SOS, TEM = 0xD8, 0xD9, 0xDA, 0x01
RST = range(0xD0, 0xD8)
# In compressed data, the first 0xFF not followed by 0x00 (stuffing), a restart
# marker or another 0xFF (fill) starts the next segment. A regex finds it at C speed.
FILL = re.compile(rb"\xff+")
SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# Real photos have a few dozen segments or chunks (a progressive JPEG: about 30; a
# PNG split into 8 KiB IDAT chunks: about 1,500 in 12 MiB). Far more is an attack on
# the time this walk takes, not a photo.
MAX_SEGMENTS = 2_000
MAX_CHUNKS = 20_000


def jpeg_header(data: bytes) -> Header:
    """Walk the JPEG's segments to its end marker; the size from its first SOF.

    Every segment's length is followed, so a thumbnail inside an EXIF block is never
    mistaken for the photo. Inside the compressed data a 0xFF byte is followed by
    0x00 (stuffing) or a restart marker; anything else is the next segment.
    """
    n = len(data)
    i = 2  # after SOI
    size: tuple[int, int] | None = None
    segments = 0
    while True:
        segments += 1
        if segments > MAX_SEGMENTS:
            raise ImageRejected(CORRUPT)
        if i >= n:
            raise ImageRejected(TRUNCATED)
        if data[i] != 0xFF:
            raise ImageRejected(CORRUPT)
        i = FILL.match(data, i).end()  # 0xFF and any fill bytes after it
        if i >= n:
            raise ImageRejected(TRUNCATED)
        marker = data[i]
        i += 1
        if marker == EOI:
            break
        if marker in RST or marker == TEM:
            continue
        if marker == SOI or marker == 0x00:
            raise ImageRejected(CORRUPT)
        if i + 2 > n:
            raise ImageRejected(TRUNCATED)
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2:
            raise ImageRejected(CORRUPT)
        if i + length > n:
            raise ImageRejected(TRUNCATED)
        if marker in SOF_MARKERS and size is None:
            if length < 8:
                raise ImageRejected(CORRUPT)
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            size = (width, height)
        i += length
        if marker == SOS:
            if size is None:
                raise ImageRejected(CORRUPT)
            i = _skip_entropy_coded(data, i)
    if size is None:
        raise ImageRejected(CORRUPT)
    return Header("jpeg", *size)


def _skip_entropy_coded(data: bytes, i: int) -> int:
    """The index of the marker that ends a scan's compressed data."""
    found = SCAN_END.search(data, i)
    if found is None:
        raise ImageRejected(TRUNCATED)
    return found.start()


# --- PNG ------------------------------------------------------------------------------


def png_header(data: bytes) -> Header:
    """IHDR first (its size), then every chunk by its length up to IEND."""
    n = len(data)
    if n < 33:
        raise ImageRejected(TRUNCATED)
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13:
        raise ImageRejected(CORRUPT)
    width, height = struct.unpack(">II", data[16:24])
    i = 8
    for _ in range(MAX_CHUNKS):
        if i + 12 > n:
            raise ImageRejected(TRUNCATED)
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        end = i + 12 + length
        if end > n:
            raise ImageRejected(TRUNCATED)
        if kind == b"IEND":
            return Header("png", width, height)
        i = end
    raise ImageRejected(CORRUPT)


# --- WebP -----------------------------------------------------------------------------


def webp_header(data: bytes) -> Header:
    """The RIFF container must hold all it claims; the size from its first chunk."""
    n = len(data)
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size < 4 + 8 or 8 + riff_size > n:
        raise ImageRejected(TRUNCATED)
    if n < 20:
        raise ImageRejected(TRUNCATED)
    chunk, length = struct.unpack("<4sI", data[12:20])
    payload = data[20 : 20 + length]
    if 20 + length > 8 + riff_size:
        raise ImageRejected(TRUNCATED)
    if chunk == b"VP8 ":
        # frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height
        if len(payload) < 10 or payload[3:6] != b"\x9d\x01\x2a":
            raise ImageRejected(CORRUPT)
        width, height = struct.unpack("<HH", payload[6:10])
        return Header("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if len(payload) < 5 or payload[0] != 0x2F:
            raise ImageRejected(CORRUPT)
        (bits,) = struct.unpack("<I", payload[1:5])
        return Header("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        if len(payload) < 10:
            raise ImageRejected(CORRUPT)
        width = int.from_bytes(payload[4:7], "little") + 1
        height = int.from_bytes(payload[7:10], "little") + 1
        return Header("webp", width, height)
    raise ImageRejected(CORRUPT)


# --- all together ---------------------------------------------------------------------

_HEADERS = {"jpeg": jpeg_header, "png": png_header, "webp": webp_header}


def read_header(data: bytes) -> Header:
    """Kind and size from the bytes alone; refuses what is not a usable photo."""
    if not data:
        raise ImageRejected(EMPTY)
    kind = sniff(data)
    if kind is None:
        raise ImageRejected(WRONG_TYPE)
    header = _HEADERS[kind](data)
    if header.width <= 0 or header.height <= 0:
        raise ImageRejected(CORRUPT)
    if header.pixels > MAX_PIXELS:
        raise ImageRejected(TOO_MANY_PIXELS)
    if min(header.width, header.height) < MIN_SIDE:
        raise ImageRejected(TOO_SMALL)
    return header


def decode(data: bytes) -> np.ndarray:
    """The photo's pixels (BGR, 8 bit), after every check above; ImageRejected if not."""
    cv2, np = _cv()
    header = read_header(data)
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except (cv2.error, ValueError, MemoryError):
        image = None
    if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ImageRejected(CORRUPT)
    height, width = image.shape[:2]
    # EXIF orientation may turn the picture a quarter: same sides, swapped
    if sorted((width, height)) != sorted((header.width, header.height)):
        raise ImageRejected(CORRUPT)
    return image


# --- re-encoding ----------------------------------------------------------------------


def fit_within(image: np.ndarray, max_side: int) -> np.ndarray:
    cv2 = _cv()[0]
    height, width = image.shape[:2]
    scale = max_side / max(width, height)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """A fresh baseline JPEG: JFIF header and pixels only (no EXIF, no comments)."""
    cv2 = _cv()[0]
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("OpenCV could not encode the image")
    return buffer.tobytes()


def thumbnail(image: np.ndarray, width: int = THUMBNAIL_WIDTH) -> np.ndarray:
    cv2 = _cv()[0]
    h, w = image.shape[:2]
    if w <= width:
        return image
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def unmirror(image: np.ndarray) -> np.ndarray:
    """The true view of a mirrored (selfie-preview) picture: flipped left to right."""
    cv2 = _cv()[0]
    return cv2.flip(image, 1)


def eye_aligned(
    image: np.ndarray,
    right_eye: tuple[float, float],
    left_eye: tuple[float, float],
    *,
    size: tuple[int, int] = (480, 600),
    eye_distance: float = 160.0,
    eye_row: float = 0.42,
) -> np.ndarray:
    """The face turned and scaled so the eyes are level and ``eye_distance`` apart.

    ``right_eye`` is the subject's own right eye: on the left of a true-view image.
    The output is ``size`` (width, height) with the point between the eyes on the
    centre column, ``eye_row`` of the way down. A similarity transform: angles and
    proportions are kept, so two aligned photos compare like for like.
    """
    cv2, np = _cv()
    width, height = size
    source = np.array([right_eye, left_eye], dtype=np.float64)
    target = np.array(
        [
            (width / 2 - eye_distance / 2, height * eye_row),
            (width / 2 + eye_distance / 2, height * eye_row),
        ]
    )
    src_vec, dst_vec = source[1] - source[0], target[1] - target[0]
    src_len = float(np.hypot(*src_vec))
    if src_len <= 0:
        raise ValueError("the two eye positions coincide")
    scale = float(np.hypot(*dst_vec)) / src_len
    angle = np.arctan2(dst_vec[1], dst_vec[0]) - np.arctan2(src_vec[1], src_vec[0])
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    shift = target[0] - rotation @ source[0]
    matrix = np.hstack([rotation, shift[:, None]])
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
