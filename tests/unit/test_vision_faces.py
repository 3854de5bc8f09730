"""The face models on real photos, and on copies warped by known amounts.

Photos are public-domain pictures that ship inside pip packages (scikit-image's
astronaut, matplotlib's Grace Hopper). No package ships an asymmetric face, so one
side of a real face is warped by a known amount and the tests check the direction
of the change and a loose minimum, never exact values: the landmark model follows
only part of such a change (docs/vision.md).
"""

import functools
import hashlib
import importlib.util
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from retrain.vision import analyse, compare, models
from retrain.vision.models import (
    INSTALL,
    SHA256,
    ModelsUnavailable,
    get_models,
    model_dir,
    models_available,
)

pytestmark = pytest.mark.skipif(
    not models_available(),
    reason=f"face models not installed: {INSTALL}",
)


# --- photos (helpers shared with test_vision_quality.py) ------------------------


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


def _read(path: Path | None, what: str) -> np.ndarray:
    if path is None:
        pytest.skip(f"{what} is not installed (test extra)")
    image = cv2.imread(str(path))
    assert image is not None, path
    image.setflags(write=False)
    return image


@functools.cache
def astronaut_snapshot() -> np.ndarray:
    """scikit-image's astronaut, face enlarged and centred in a 1280x720 frame.

    The original face is small (about 43 px between the eyes); enlarged twice it is
    about 86 px, like a webcam snapshot at arm's length.
    """
    photo = _read(_package_file("skimage", "data", "astronaut.png"), "scikit-image")
    face = cv2.resize(photo[40:300, 100:360], None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    frame = np.full((720, 1280, 3), 170, np.uint8)
    y, x = (720 - face.shape[0]) // 2, (1280 - face.shape[1]) // 2
    frame[y : y + face.shape[0], x : x + face.shape[1]] = face
    frame.setflags(write=False)
    return frame


@functools.cache
def grace_hopper() -> np.ndarray:
    """matplotlib's Grace Hopper (512x600, glasses, about 82 px between the eyes)."""
    return _read(
        _package_file("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"), "matplotlib"
    )


PHOTOS = {"astronaut": astronaut_snapshot, "grace_hopper": grace_hopper}


@functools.cache
def analysis_of(name: str):
    return analyse(PHOTOS[name]())


def gaussian(shape, centre, sigma_x, sigma_y):
    h, w = shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    weight = np.exp(
        -((xs - centre[0]) ** 2 / (2 * sigma_x**2) + (ys - centre[1]) ** 2 / (2 * sigma_y**2))
    )
    return xs, ys, weight


def shift_region(image, centre, sigma_x, sigma_y, dy):
    """Move the content around ``centre`` by ``dy`` pixels (+ = down), fading out."""
    xs, ys, weight = gaussian(image.shape, centre, sigma_x, sigma_y)
    return cv2.remap(
        image,
        xs,
        (ys - dy * weight).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def squeeze_vertically(image, centre, sigma_x, sigma_y, factor):
    """Squash the content around ``centre`` toward its horizontal line by ``factor``."""
    xs, ys, weight = gaussian(image.shape, centre, sigma_x, sigma_y)
    map_y = ys + (ys - centre[1]) * (factor - 1) * weight
    return cv2.remap(
        image, xs, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


# --- the models -------------------------------------------------------------------


def test_models_load_once_and_are_the_checked_files():
    assert get_models() is get_models()
    for name, digest in SHA256.items():
        assert hashlib.sha256((model_dir() / name).read_bytes()).hexdigest() == digest


def test_a_changed_model_file_is_refused(tmp_path):
    for name in SHA256:
        shutil.copyfile(model_dir() / name, tmp_path / name)
    models._load(tmp_path)  # the real files load
    (tmp_path / models.LANDMARKS).write_bytes(b"not the model")
    with pytest.raises(ModelsUnavailable, match="not the expected file"):
        models._load(tmp_path)


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    assert not models_available()
    with pytest.raises(ModelsUnavailable, match="not installed: run `make install`"):
        model_dir()


# --- real faces -------------------------------------------------------------------


@pytest.mark.parametrize("name", PHOTOS)
def test_exactly_one_face_and_a_clean_bill(name):
    result = analysis_of(name)
    assert result.faces_found == 1
    assert result.flag_codes == ()
    assert result.ok
    assert len(result.measures) == 7


@pytest.mark.parametrize("name", PHOTOS)
def test_landmarks_land_in_plausible_places(name):
    result = analysis_of(name)
    points = result.landmarks
    eye_distance = result.geometry.eye_distance_px
    right_iris = np.array(result.iris_centres["right"])
    left_iris = np.array(result.iris_centres["left"])
    # unmirrored photo: the subject's right eye is on the image's left
    assert right_iris[0] < left_iris[0]
    for iris, eye in ((right_iris, (33, 133, 159, 145)), (left_iris, (263, 362, 386, 374))):
        box = points[list(eye)]
        margin = 0.03 * eye_distance
        assert box[:, 0].min() - margin < iris[0] < box[:, 0].max() + margin
        assert (
            points[eye[2], 1] - margin < iris[1] < points[eye[3], 1] + margin
        )  # upper < y < lower
    nose_y = points[1, 1]
    assert nose_y > max(right_iris[1], left_iris[1])
    assert points[61, 1] > nose_y and points[291, 1] > nose_y  # mouth corners below the nose
    assert points[61, 0] < points[1, 0] < points[291, 0]
    assert points[105, 1] < right_iris[1] and points[334, 1] < left_iris[1]  # brows above the eyes
    assert 0.15 < result.geometry.iris_diameter < 0.22
    assert 55 < result.geometry.mm_per_eye_distance < 75
    assert abs(result.geometry.roll_degrees) < 5
    assert abs(result.geometry.nose_offset) < 0.06


@pytest.mark.parametrize("name", PHOTOS)
def test_a_flipped_photo_gives_the_mirrored_answer(name):
    photo = PHOTOS[name]()
    flipped = analyse(cv2.flip(photo, 1))
    for measure in analysis_of(name).measures:
        assert flipped.measure(measure.name).value == pytest.approx(-measure.value, abs=0.05), (
            measure.name
        )


@pytest.mark.parametrize("name", PHOTOS)
def test_mouth_corner_pulled_down_on_the_left(name):
    photo, rest = PHOTOS[name](), analysis_of(name)
    eye_distance = rest.geometry.eye_distance_px
    corner = rest.landmarks[291]  # the subject's left mouth corner
    drooped = analyse(
        shift_region(photo, corner, 0.25 * eye_distance, 0.25 * eye_distance, 0.2 * eye_distance)
    )
    assert drooped.ok

    before = rest.measure("mouth_corner_height_difference").value
    after = drooped.measure("mouth_corner_height_difference").value
    assert after < before - 0.8  # left minus right: the left corner went down
    change = compare(rest, drooped)
    assert change.usable
    assert change.measure("mouth_corner_rise", "left").value < -1.0
    assert change.measure("mouth_corner_rise_difference").value < -0.8
    assert not change.measure("mouth_corner_rise_difference").within_noise
    assert change.measure("smile_angle_change_difference").value < -1.2
    assert (
        change.measure("commissure_excursion", "left").value
        > change.measure("commissure_excursion", "right").value + 1.0
    )


@pytest.mark.parametrize("name", PHOTOS)
def test_right_eye_narrowed(name):
    photo, rest = PHOTOS[name](), analysis_of(name)
    eye_distance = rest.geometry.eye_distance_px
    iris = rest.iris_centres["right"]
    narrowed = analyse(
        squeeze_vertically(photo, iris, 0.25 * eye_distance, 0.15 * eye_distance, 2.0)
    )
    assert narrowed.ok

    change = compare(rest, narrowed)
    right = change.measure("eye_narrowing", "right").value
    left = change.measure("eye_narrowing", "left").value
    assert right < 0.85
    assert right < left - 0.05
    assert not change.measure("eye_narrowing", "right").within_noise
    before = rest.measure("eye_aperture_difference").value
    assert narrowed.measure("eye_aperture_difference").value > before + 0.5  # left minus right grew


@pytest.mark.parametrize("name", PHOTOS)
def test_left_brow_lifted(name):
    photo, rest = PHOTOS[name](), analysis_of(name)
    eye_distance = rest.geometry.eye_distance_px
    brow = rest.landmarks[[300, 293, 334, 296, 336, 276, 283, 282, 295, 285]].mean(axis=0)
    lifted = analyse(
        shift_region(photo, brow, 0.3 * eye_distance, 0.08 * eye_distance, -0.15 * eye_distance)
    )
    assert lifted.ok

    change = compare(rest, lifted)
    assert change.measure("brow_rise", "left").value > 0.8
    assert change.measure("brow_rise_difference").value > 0.4
    before = rest.measure("brow_height_difference").value
    assert lifted.measure("brow_height_difference").value > before + 0.4


def test_the_same_photo_twice_shows_no_change():
    rest = analysis_of("grace_hopper")
    change = compare(rest, analyse(grace_hopper()))
    assert change.usable
    assert all(m.within_noise for m in change.measures)


def test_analysis_stores_as_json_with_landmarks():
    stored = json.loads(json.dumps(analysis_of("astronaut").to_dict(include_landmarks=True)))
    assert len(stored["landmarks"]) == 468
    assert stored["flags"] == []
    assert {m["name"] for m in stored["measures"]} >= {
        "brow_height_difference",
        "smile_angle_difference",
    }


def test_grey_and_four_channel_images_are_accepted():
    photo = grace_hopper()
    grey = analyse(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY))
    assert grey.faces_found == 1
    assert analyse(cv2.cvtColor(photo, cv2.COLOR_BGR2BGRA)).faces_found == 1


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((0, 0, 3), np.uint8),
        np.zeros((50, 50, 3), np.float32),
        np.zeros((50, 50, 2), np.uint8),
        "photo.jpg",
    ],
)
def test_what_is_not_an_image_is_refused(bad):
    with pytest.raises(ValueError):
        analyse(bad)


def test_threads_share_the_models_safely():
    photo = grace_hopper()
    expected = analysis_of("grace_hopper").to_dict()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: analyse(photo).to_dict(), range(4)))
    assert all(result == expected for result in results)
