"""Quality checks: the rules on hand-made inputs, then degraded copies of real photos."""

import math

import cv2
import numpy as np
import pytest

from retrain.vision import analyse
from retrain.vision.geometry import Frame
from retrain.vision.models import INSTALL, models_available
from retrain.vision.quality import (
    HINTS,
    MAX_NOSE_OFFSET,
    MIN_EYE_DISTANCE_PX,
    FaceFacts,
    check_image,
    face_crop,
    lighting_flags,
    sharpness,
    side_light_ratio,
)

needs_models = pytest.mark.skipif(
    not models_available(),
    reason=f"face models not installed: {INSTALL}",
)


def codes(flags):
    return [f.code for f in flags]


def facts(width=1280, height=720, eye_distance=100.0, roll=0.0, nose=0.0, centre=None):
    """A face whose irises sit level around ``centre`` (default: the image centre)."""
    cx, cy = centre or (width / 2, height / 2 - 40)
    a = math.radians(roll)
    half = np.array([math.cos(a), math.sin(a)]) * eye_distance / 2
    frame = Frame.from_irises(np.array([cx, cy]) - half, np.array([cx, cy]) + half)
    # a face-sized cloud of points: 2 eye distances wide, from brow to chin
    points = np.array(
        [
            [cx - eye_distance, cy - 0.6 * eye_distance],
            [cx + eye_distance, cy - 0.6 * eye_distance],
            [cx - eye_distance, cy + 1.6 * eye_distance],
            [cx + eye_distance, cy + 1.6 * eye_distance],
        ]
    )
    return FaceFacts(frame, points, nose)


def textured(height=720, width=1280, level=128, seed=3):
    """Mid-grey with fine texture: sharp, evenly lit."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-40, 41, size=(height, width), dtype=np.int16)
    return np.clip(level + noise, 0, 255).astype(np.uint8)


# --- the rules on hand-made inputs ------------------------------------------------


def test_every_flag_has_a_plain_hint():
    for code, hint in HINTS.items():
        assert hint.endswith("."), code
        assert len(hint) < 120, code
        for jargon in ("Laplacian", "variance", "roll", "landmark", "px"):
            assert jargon not in hint, (code, jargon)


@pytest.mark.parametrize(
    ("level", "expected"),
    [(30, ["too_dark"]), (59, ["too_dark"]), (61, []), (128, []), (199, []), (201, ["too_bright"])],
)
def test_brightness_must_be_between_60_and_200(level, expected):
    assert codes(lighting_flags(np.full((50, 50), level, np.uint8))) == expected


def test_more_than_5_percent_clipped_is_flagged():
    region = np.full((100, 100), 128, np.uint8)
    region[:4] = 255  # 4 % blown out: fine
    assert codes(lighting_flags(region)) == []
    region[:6] = 255  # 6 %
    assert codes(lighting_flags(region)) == ["too_bright"]
    region = np.full((100, 100), 128, np.uint8)
    region[:6] = 0
    assert codes(lighting_flags(region)) == ["too_dark"]


def test_side_light_ratio_is_the_subjects_left_over_right():
    crop = np.full((10, 20), 100, np.uint8)
    crop[:, 10:] = 150  # columns on the right of the crop are the subject's left
    assert side_light_ratio(crop) == pytest.approx(151 / 101)


def test_sharpness_drops_with_blur():
    sharp = textured(128, 128)
    assert sharpness(sharp) > 10 * sharpness(cv2.GaussianBlur(sharp, (0, 0), 3))


def test_face_crop_is_levelled_and_scaled_to_a_fixed_eye_distance():
    image = np.zeros((720, 1280), np.uint8)
    image[:, 640:] = 200  # the image's right half: the subject's left
    near = face_crop(image, Frame.from_irises((540.0, 320.0), (740.0, 320.0)))
    far = face_crop(image, Frame.from_irises((615.0, 320.0), (665.0, 320.0)))
    assert near.shape == far.shape == (122, 128)
    for crop in (near, far):
        assert crop[:, :60].mean() < 5 and crop[:, 68:].mean() > 195
    # a head tilted by 90 degrees: the crop turns with it
    turned = face_crop(image.T.copy(), Frame.from_irises((320.0, 740.0), (320.0, 540.0)))
    assert turned[:, :60].mean() > 195 and turned[:, 68:].mean() < 5


def test_no_face_reports_lighting_of_the_whole_image():
    assert codes(check_image(np.full((480, 640, 3), 20, np.uint8), 0, None)) == [
        "no_face",
        "too_dark",
    ]
    assert codes(check_image(textured(480, 640), 0, None)) == ["no_face"]


def test_a_good_face_raises_nothing():
    assert codes(check_image(textured(), 1, facts())) == []


@pytest.mark.parametrize(
    ("kwargs", "faces", "expected"),
    [
        ({}, 2, ["several_faces"]),
        ({"eye_distance": MIN_EYE_DISTANCE_PX - 1}, 1, ["too_small"]),
        ({"eye_distance": MIN_EYE_DISTANCE_PX + 1}, 1, []),
        ({"centre": (1280 * 0.71, 320)}, 1, ["off_centre"]),
        ({"centre": (640, 720 * 0.2)}, 1, ["off_centre"]),
        ({"roll": 7.0}, 1, ["tilted"]),
        ({"roll": -7.0}, 1, ["tilted"]),
        ({"roll": 5.0}, 1, []),
        ({"nose": MAX_NOSE_OFFSET + 0.01}, 1, ["turned"]),
        ({"nose": -(MAX_NOSE_OFFSET + 0.01)}, 1, ["turned"]),
        ({"nose": MAX_NOSE_OFFSET - 0.01}, 1, []),
    ],
)
def test_geometry_rules(kwargs, faces, expected):
    assert codes(check_image(textured(), faces, facts(**kwargs))) == expected


def test_lighting_is_judged_inside_the_face():
    image = textured()
    image[:, 640:] //= 3  # the subject's left half in shadow
    found = check_image(image, 1, facts())
    assert "side_lit" in codes(found)
    assert found[codes(found).index("side_lit")].value < 0.8
    dark_face = textured()
    dark_face[150:650, 500:800] //= 4
    assert "too_dark" in codes(check_image(dark_face, 1, facts()))


# --- degraded copies of real photos ----------------------------------------------------


def _photos():
    from tests.unit.test_vision_faces import PHOTOS, analysis_of

    return PHOTOS, analysis_of


def shadow_one_side(photo, midline_x, eye_distance, darkest=0.4):
    h, w = photo.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    steep = np.clip((xs - midline_x) / (0.08 * eye_distance), -50, 50)
    light = darkest + (1 - darkest) / (1 + np.exp(steep))
    return (photo * light[None, :, None]).astype(np.uint8)


def off_centre(photo):
    """The whole photo shifted so the face sits near one side of a wider frame."""
    h, w = photo.shape[:2]
    canvas = np.full((h, w * 2, 3), 170, np.uint8)
    canvas[:, :w] = photo
    return canvas


def two_faces(photo, face_x):
    """Two copies of the face side by side, each in half of the frame."""
    h, w = photo.shape[:2]
    half = w // 2
    start = int(np.clip(face_x - half // 2, 0, w - half))
    piece = photo[:, start : start + half]
    return np.hstack([piece, piece]) if half >= 400 else np.hstack([photo, photo])


def degraded(name):
    photos, analysis_of = _photos()
    photo, clean = photos[name](), analysis_of(name)
    h, w = photo.shape[:2]
    eye_distance = clean.geometry.eye_distance_px
    midline_x = (clean.iris_centres["right"][0] + clean.iris_centres["left"][0]) / 2
    rotate = cv2.getRotationMatrix2D((w / 2, h / 2), 15, 1.0)
    return {
        "too_dark": (photo * 0.22).astype(np.uint8),
        "too_bright": np.clip(photo.astype(np.int16) + 140, 0, 255).astype(np.uint8),
        "blurred": cv2.GaussianBlur(photo, (0, 0), 0.04 * eye_distance),
        "side_lit": shadow_one_side(photo, midline_x, eye_distance),
        "tilted": cv2.warpAffine(photo, rotate, (w, h), borderMode=cv2.BORDER_REPLICATE),
        "off_centre": off_centre(photo),
        "too_small": cv2.resize(photo, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA),
        "several_faces": two_faces(photo, midline_x),
        "no_face": np.full_like(photo, 128),
    }


DEGRADATIONS = [
    "too_dark",
    "too_bright",
    "blurred",
    "side_lit",
    "tilted",
    "off_centre",
    "too_small",
    "several_faces",
    "no_face",
]


@needs_models
@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_degraded_copies_raise_the_expected_flag(name):
    copies = degraded(name)
    for expected in DEGRADATIONS:
        result = analyse(copies[expected])
        assert expected in result.flag_codes, (expected, result.flag_codes)
        assert not result.ok
        assert HINTS[expected] in result.hints


@needs_models
def test_a_turned_head_is_flagged():
    """Squeeze one half of the face sideways, as a head turned away would look."""
    photos, analysis_of = _photos()
    photo, clean = photos["grace_hopper"](), analysis_of("grace_hopper")
    h, w = photo.shape[:2]
    midline_x = (clean.iris_centres["right"][0] + clean.iris_centres["left"][0]) / 2
    xs = np.arange(w, dtype=np.float32)
    # sample the right half of the image from further out: that side looks narrower
    map_x = np.where(xs > midline_x, midline_x + (xs - midline_x) * 1.6, xs).astype(np.float32)
    map_x = np.tile(map_x, (h, 1))
    map_y = np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w))
    turned = cv2.remap(photo, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    result = analyse(turned)
    assert "turned" in result.flag_codes, result.flags
