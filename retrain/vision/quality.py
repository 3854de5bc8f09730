"""Is a snapshot fit to measure? Flags with plain-language retake hints.

Thresholds come from docs/vision.md (measured on real photos and degraded copies,
see docs/vision.md): exactly one face; eye distance >= 70 px; face
centre within 20 % of the image centre; head roll <= 6 degrees; nose tip within
0.06 eye distances of the midline (head not turned); face brightness 60-200 with
< 5 % clipped pixels; left/right brightness ratio inside the face 0.8-1.25;
sharpness (variance of the Laplacian) on a face crop scaled to a fixed eye
distance, so near and far faces are judged alike.

The brightness ratio is a lighting check only: a pixel mirror-difference tracks
lighting, not facial asymmetry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from .geometry import Frame

MIN_EYE_DISTANCE_PX = 70.0
MAX_CENTRE_OFFSET = 0.20  # fraction of the image width / height
MAX_ROLL_DEGREES = 6.0
MAX_NOSE_OFFSET = 0.06  # eye distances
BRIGHTNESS_RANGE = (60.0, 200.0)
MAX_CLIPPED = 0.05
CLIP_LOW, CLIP_HIGH = 5, 250
SIDE_LIGHT_RANGE = (0.8, 1.25)
# Calibrated on the astronaut and Grace Hopper photos (sharp: 120-620) and their
# Gaussian-blurred copies: sigma 0.02 eye distances gives 32-59, 0.03 gives 17-22.
MIN_SHARPNESS = 40.0

# The face crop used for lighting and sharpness, in eye distances around the point
# between the irises: eyes, brows, nose and mouth, little hair or background.
CROP_PX_PER_EYE_DISTANCE = 64
CROP_LATERAL = (-1.0, 1.0)
CROP_HEIGHT = (-1.4, 0.5)

HINTS = {
    "no_face": "We could not find a face. Face the camera with your whole face in the picture.",
    "several_faces": "We found more than one face. Make sure only you are in the picture.",
    "too_dark": "The photo is too dark. Turn on a light or face a window, then try again.",
    "too_bright": "The photo is too bright. Move out of direct sunlight or strong lamp light.",
    "side_lit": (
        "One side of your face is brighter than the other. Face the light so it falls "
        "evenly on both sides."
    ),
    "blurred": "The photo is blurred. Hold still, keep the camera steady and wipe the lens.",
    "too_small": "Your face is small in the picture. Move a little closer to the camera.",
    "off_centre": "Your face is not in the middle of the picture. Move so it is in the centre.",
    "tilted": "Your head is tilted to one side. Keep your head straight, eyes level.",
    "turned": "Your head is turned to one side. Look straight into the camera.",
}


@dataclass(frozen=True)
class QualityFlag:
    code: str
    message: str
    value: float | None = None  # what was measured, for the record

    def to_dict(self) -> dict:
        return asdict(self)


def flag(code: str, value: float | None = None) -> QualityFlag:
    return QualityFlag(code, HINTS[code], None if value is None else round(float(value), 4))


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def face_crop(image: np.ndarray, frame: Frame) -> np.ndarray:
    """The levelled face region in grey, scaled so one eye distance is 64 pixels."""
    k = CROP_PX_PER_EYE_DISTANCE
    (u0, u1), (v0, v1) = CROP_LATERAL, CROP_HEIGHT
    width, height = round((u1 - u0) * k), round((v1 - v0) * k)
    origin, distance = frame.origin, frame.eye_distance
    # work on the part of the image the crop covers (plus a margin), not all of it
    corners = np.array([[u, v] for u in (u0, u1) for v in (v0, v1)])
    corners = origin + distance * (corners[:, :1] * frame.lateral + corners[:, 1:] * frame.up)
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int) - 2, 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 2, [x0 + 1, y0 + 1], [w, h])
    gray = to_gray(image[y0:y1, x0:x1])
    origin = origin - np.array([x0, y0])
    if distance > 1.25 * k:
        # shrink by area averaging first: sampling a large face directly would alias
        # and make a sharp photo of a near face look sharper than the same face far
        h, w = gray.shape[:2]
        small_w, small_h = max(1, round(w * k / distance)), max(1, round(h * k / distance))
        gray = cv2.resize(gray, (small_w, small_h), interpolation=cv2.INTER_AREA)
        origin = origin * np.array([small_w / w, small_h / h])
        distance = distance * small_w / w
    step = distance / k
    # crop pixel (i, j) -> lateral u0 + (i + .5) / k, height v1 - (j + .5) / k
    col = frame.lateral * step
    row = -frame.up * step
    start = origin + distance * (u0 * frame.lateral + v1 * frame.up)
    start = start + 0.5 * (col + row) - 0.5  # pixel centres on both sides
    m = np.array([[col[0], row[0], start[0]], [col[1], row[1], start[1]]])
    return cv2.warpAffine(
        gray,
        m,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def lighting_flags(region: np.ndarray) -> list[QualityFlag]:
    mean = float(region.mean())
    dark = float(np.mean(region <= CLIP_LOW))
    bright = float(np.mean(region >= CLIP_HIGH))
    low, high = BRIGHTNESS_RANGE
    flags = []
    if mean < low or dark > MAX_CLIPPED:
        flags.append(flag("too_dark", mean))
    if mean > high or bright > MAX_CLIPPED:
        flags.append(flag("too_bright", mean))
    return flags


def side_light_ratio(crop: np.ndarray) -> float:
    """Mean brightness of the subject's left half over the right half of the crop.

    The crop runs from the subject's right (column 0) to their left.
    """
    half = crop.shape[1] // 2
    right = float(crop[:, :half].mean())
    left = float(crop[:, crop.shape[1] - half :].mean())
    return (left + 1.0) / (right + 1.0)


def sharpness(crop: np.ndarray) -> float:
    return float(cv2.Laplacian(crop, cv2.CV_64F).var())


@dataclass(frozen=True)
class FaceFacts:
    """What the checks need to know about the face that was measured."""

    frame: Frame
    points: np.ndarray  # (468, 2) image pixels
    nose_offset: float  # eye distances


def check_image(image: np.ndarray, faces_found: int, face: FaceFacts | None) -> list[QualityFlag]:
    if face is None or faces_found == 0:
        return [flag("no_face"), *lighting_flags(to_gray(image))]

    flags = []
    if faces_found > 1:
        flags.append(flag("several_faces", faces_found))

    crop = face_crop(image, face.frame)
    lighting = lighting_flags(crop)
    flags.extend(lighting)
    ratio = side_light_ratio(crop)
    if not SIDE_LIGHT_RANGE[0] <= ratio <= SIDE_LIGHT_RANGE[1]:
        flags.append(flag("side_lit", ratio))
    # a dark or washed-out face has little contrast and so looks blurred as well:
    # the lighting hint alone is the useful one then
    sharp = sharpness(crop)
    if sharp < MIN_SHARPNESS and not lighting:
        flags.append(flag("blurred", sharp))

    if face.frame.eye_distance < MIN_EYE_DISTANCE_PX:
        flags.append(flag("too_small", face.frame.eye_distance))

    h, w = image.shape[:2]
    lo, hi = face.points.min(axis=0), face.points.max(axis=0)
    cx, cy = (lo + hi) / 2
    off = max(abs(cx - w / 2) / w, abs(cy - h / 2) / h)
    if off > MAX_CENTRE_OFFSET:
        flags.append(flag("off_centre", off))

    roll = face.frame.roll_degrees
    if abs(roll) > MAX_ROLL_DEGREES:
        flags.append(flag("tilted", roll))
    if abs(face.nose_offset) > MAX_NOSE_OFFSET:
        flags.append(flag("turned", face.nose_offset))
    return flags
