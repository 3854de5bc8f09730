"""Face geometry and measures on hand-made landmark arrays with exact answers.

No models and no photos: a synthetic face is drawn in the levelled face frame
(lateral u toward the subject's left, height v upward, one eye distance = 1) and
placed in the image by a rotation, a scale and a shift.
"""

import json
import math

import numpy as np
import pytest

from retrain.vision import landmarks as lm
from retrain.vision.analysis import Analysis, compare
from retrain.vision.geometry import (
    AVERAGE_EYE_DISTANCE_MM,
    IRIS_DIAMETER_MM,
    FaceGeometry,
    Frame,
    SideValues,
    average_with_mirror,
    measure_face,
)
from retrain.vision.measures import NOISE_FLOOR, dynamic_measures, single_photo_measures
from retrain.vision.quality import flag

IRIS_RADIUS = 0.0935  # eye distances: diameter 0.187, so 11.77 / 0.187 mm per eye distance
MM = IRIS_DIAMETER_MM / (2 * IRIS_RADIUS)

BASE = {
    "right": {"brow": 0.30, "mrd1": 0.08, "mrd2": 0.07, "corner": (0.50, -1.00)},
    "left": {"brow": 0.30, "mrd1": 0.08, "mrd2": 0.07, "corner": (0.50, -1.00)},
    "nose": 0.0,
}


def face_uv(spec=None):
    """(468, 2) landmark positions in face-frame units, plus iris centres (u, v)."""
    spec = spec or BASE
    uv = np.zeros((lm.NUM_POINTS, 2))
    for side in lm.SIDES:
        s = spec[side.name]
        out = side.outward  # +1 on the subject's left, -1 on their right
        uv[side.eye_outer] = (out * 0.75, 0.0)
        uv[side.eye_inner] = (out * 0.25, 0.0)
        spread = np.linspace(0.70, 0.30, len(side.upper_lid))  # outer to inner
        for k, index in enumerate(side.upper_lid):
            uv[index] = (out * spread[k], s["mrd1"])
        for k, index in enumerate(side.lower_lid):
            uv[index] = (out * spread[k], -s["mrd2"])
        brow_spread = np.linspace(0.85, 0.15, len(side.brow))
        for k, index in enumerate(side.brow):
            uv[index] = (out * brow_spread[k], s["brow"])
        lateral, height = s["corner"]
        uv[side.mouth_corner] = (out * lateral, height)
    uv[lm.UPPER_LIP_INNER] = (0.0, -0.98)
    uv[lm.LOWER_LIP_INNER] = (0.0, -1.02)  # lip centre at (0, -1)
    uv[lm.NOSE_TIP] = (spec["nose"], -0.55)
    irises = {"right": np.array([-0.5, 0.0]), "left": np.array([0.5, 0.0])}
    return uv, irises


def place(uv, angle_deg=0.0, scale=100.0, origin=(640.0, 360.0)):
    """Face-frame units -> image pixels (image y points down)."""
    a = math.radians(angle_deg)
    lateral = np.array([math.cos(a), math.sin(a)])
    up = np.array([lateral[1], -lateral[0]])
    uv = np.asarray(uv, dtype=float)
    return np.asarray(origin) + scale * (uv[..., :1] * lateral + uv[..., 1:] * up)


def geometry_of(spec=None, angle_deg=0.0, scale=100.0, origin=(640.0, 360.0), radius=IRIS_RADIUS):
    uv, irises = face_uv(spec)
    points = place(uv, angle_deg, scale, origin)
    r, left = (
        place(irises["right"], angle_deg, scale, origin),
        place(irises["left"], angle_deg, scale, origin),
    )
    return measure_face(points, r, left, radius * scale, radius * scale)


def mirror_image_points(points, irises, width):
    """What a perfect model returns for the horizontally flipped photo."""
    out = np.zeros_like(points)
    for index, twin in lm.MIRROR_TWINS.items():
        out[index] = (width - points[twin, 0], points[twin, 1])
    flipped = {
        "right": np.array([width - irises["left"][0], irises["left"][1]]),
        "left": np.array([width - irises["right"][0], irises["right"][1]]),
    }
    return out, flipped


def spec_with(**changes):
    spec = {"right": dict(BASE["right"]), "left": dict(BASE["left"]), "nose": BASE["nose"]}
    for key, value in changes.items():
        side, name = key.split("__")
        spec[side][name] = value
    return spec


# --- the frame and exact values ------------------------------------------------


def test_exact_values_on_a_level_face():
    spec = spec_with(
        right__brow=0.28, left__brow=0.33, right__mrd1=0.05, left__corner=(0.55, -0.95)
    )
    g = geometry_of(spec)
    assert g.eye_distance_px == pytest.approx(100.0)
    assert g.roll_degrees == pytest.approx(0.0)
    assert g.right.brow_height == pytest.approx(0.28)
    assert g.left.brow_height == pytest.approx(0.33)
    assert g.right.mrd1 == pytest.approx(0.05)
    assert g.right.mrd2 == pytest.approx(0.07)
    assert g.right.eye_aperture == pytest.approx(0.12)
    assert g.left.eye_aperture == pytest.approx(0.15)
    assert g.left.mouth_corner_height == pytest.approx(-0.95)
    assert g.left.mouth_corner_lateral == pytest.approx(0.55)
    assert g.right.mouth_corner_lateral == pytest.approx(0.50)
    assert g.left.smile_angle == pytest.approx(math.degrees(math.atan2(0.05, 0.55)))
    assert g.right.smile_angle == pytest.approx(0.0)
    assert g.iris_diameter == pytest.approx(2 * IRIS_RADIUS)
    assert g.mm_per_eye_distance == pytest.approx(MM)


def test_subject_sides_follow_the_unmirrored_photo():
    """The subject's left is on the image's right: a higher brow there reads as left."""
    uv, irises = face_uv()
    for index in lm.LEFT.brow:
        uv[index, 1] = 0.40
    points = place(uv)
    g = measure_face(points, place(irises["right"]), place(irises["left"]), 9.35, 9.35)
    assert place(irises["left"])[0] > place(irises["right"])[0]
    assert g.left.brow_height == pytest.approx(0.40)
    assert g.right.brow_height == pytest.approx(0.30)


def test_nose_offset_and_roll_signs():
    g = geometry_of(spec_with(), angle_deg=10.0)
    assert g.roll_degrees == pytest.approx(10.0)  # the subject's left eye sits lower
    spec = spec_with()
    spec["nose"] = 0.04
    assert geometry_of(spec).nose_offset == pytest.approx(0.04)


@pytest.mark.parametrize(
    ("angle", "scale", "origin"), [(17.0, 2.7, (900.0, 100.0)), (-33.0, 0.6, (5.0, 5.0))]
)
def test_unchanged_by_rotation_scale_and_shift(angle, scale, origin):
    spec = spec_with(right__brow=0.25, left__mrd2=0.10, right__corner=(0.47, -1.08))
    level = geometry_of(spec)
    moved = geometry_of(spec, angle_deg=angle, scale=100.0 * scale, origin=origin)
    for side in ("right", "left"):
        for name, value in vars(level.side(side)).items():
            assert getattr(moved.side(side), name) == pytest.approx(value, abs=1e-9), name
    assert moved.eye_distance_px == pytest.approx(100.0 * scale)
    assert moved.roll_degrees == pytest.approx(angle)
    assert moved.mm_per_eye_distance == pytest.approx(level.mm_per_eye_distance)


def test_mirroring_swaps_sides_and_flips_every_difference():
    spec = spec_with(right__brow=0.26, left__mrd1=0.10, right__corner=(0.45, -1.06))
    spec["nose"] = 0.03
    uv, irises = face_uv(spec)
    points = place(uv, angle_deg=4.0)
    iris_px = {k: place(v, angle_deg=4.0) for k, v in irises.items()}
    g = measure_face(points, iris_px["right"], iris_px["left"], 9.35, 9.35)
    m_points, m_iris = mirror_image_points(points, iris_px, width=1280)
    m = measure_face(m_points, m_iris["right"], m_iris["left"], 9.35, 9.35)

    assert vars(m.left) == pytest.approx(vars(g.right))
    assert vars(m.right) == pytest.approx(vars(g.left))
    assert m.nose_offset == pytest.approx(-g.nose_offset)
    assert m.roll_degrees == pytest.approx(-g.roll_degrees)
    original = {x.name: x.value for x in single_photo_measures(g)}
    flipped = {x.name: x.value for x in single_photo_measures(m)}
    assert any(abs(v) > 0.5 for v in original.values())
    for name, value in original.items():
        assert flipped[name] == pytest.approx(-value, abs=1e-3), name


def test_mirror_average_cancels_a_model_bias_tied_to_an_image_side():
    """A model that always lifts the mouth corner on the image's right by 0.03."""
    spec = spec_with(left__corner=(0.50, -1.05))  # the subject's left corner truly lower
    uv, irises = face_uv(spec)
    points = place(uv)
    iris_px = {k: place(v) for k, v in irises.items()}
    bias = np.zeros_like(points)
    bias[lm.LEFT.mouth_corner] = (0.0, -3.0)  # 0.03 eye distances up, in pixels

    seen = measure_face(points + bias, iris_px["right"], iris_px["left"], 9.35, 9.35)
    m_points, m_iris = mirror_image_points(points, iris_px, width=1280)
    seen_mirrored = measure_face(m_points + bias, m_iris["right"], m_iris["left"], 9.35, 9.35)
    averaged = average_with_mirror(seen, seen_mirrored)

    true_difference = -0.05
    biased = seen.left.mouth_corner_height - seen.right.mouth_corner_height
    assert biased == pytest.approx(true_difference + 0.03)
    fixed = averaged.left.mouth_corner_height - averaged.right.mouth_corner_height
    assert fixed == pytest.approx(true_difference)
    assert averaged.mirror_averaged


def test_implausible_iris_falls_back_to_the_average_eye_distance():
    assert geometry_of(radius=0.02).mm_per_eye_distance == AVERAGE_EYE_DISTANCE_MM
    assert not geometry_of(radius=0.02).iris_scale_plausible


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        Frame.from_irises((10.0, 10.0), (10.0, 10.0))
    with pytest.raises(ValueError):
        measure_face(np.zeros((10, 2)), (0, 0), (1, 0), 1.0, 1.0)
    with pytest.raises(ValueError):
        geometry_of().side("middle")


def test_geometry_round_trips_through_json():
    g = geometry_of(spec_with(right__brow=0.27))
    again = FaceGeometry.from_dict(json.loads(json.dumps(g.to_dict())))
    assert again == g


# --- single-photo measures ---------------------------------------------------


def test_single_photo_differences_in_approximate_mm_left_minus_right():
    g = geometry_of(spec_with(left__brow=0.32, right__corner=(0.50, -1.02)))
    measures = {m.name: m for m in single_photo_measures(g)}
    brow = measures["brow_height_difference"]
    assert brow.value == pytest.approx(0.02 * MM, abs=1e-4)
    assert brow.unit == "mm (approx.)"
    assert brow.noise_floor == NOISE_FLOOR["brow_height"]
    corner = measures["mouth_corner_height_difference"]
    assert corner.value == pytest.approx(0.02 * MM, abs=1e-4)  # right corner is lower
    angle = measures["smile_angle_difference"]
    assert angle.unit == "degrees"
    assert angle.value == pytest.approx(-math.degrees(math.atan2(-0.02, 0.5)), abs=1e-4)
    assert all(m.side is None and m.underestimate for m in measures.values())


@pytest.mark.parametrize(
    ("difference_mm", "within"), [(0.0, True), (1.3, True), (1.5, False), (-1.5, False)]
)
def test_within_noise_means_less_than_twice_the_floor(difference_mm, within):
    # brow floor 0.7 mm: differences under 1.4 mm are noise
    spec = spec_with(left__brow=0.30 + difference_mm / MM)
    brow = {m.name: m for m in single_photo_measures(geometry_of(spec))}["brow_height_difference"]
    assert brow.within_noise is within


# --- dynamic measures ----------------------------------------------------------


def test_dynamic_measures_exact():
    rest = geometry_of(spec_with())
    expression = geometry_of(
        spec_with(right__mrd1=0.04, right__mrd2=0.065, left__brow=0.35, left__corner=(0.53, -0.96))
    )
    found = {(m.name, m.side): m for m in dynamic_measures(rest, expression)}

    narrowing = found[("eye_narrowing", "right")]
    assert narrowing.value == pytest.approx(0.105 / 0.15, abs=1e-4)
    assert narrowing.unit == "ratio"
    assert narrowing.noise_floor == pytest.approx(0.6 / (0.15 * MM), abs=1e-4)
    assert not narrowing.within_noise
    assert found[("eye_narrowing", "left")].value == pytest.approx(1.0)
    assert found[("eye_narrowing", "left")].within_noise

    assert found[("brow_rise", "left")].value == pytest.approx(0.05 * MM, abs=1e-4)
    assert found[("brow_rise", "right")].value == pytest.approx(0.0)
    assert found[("brow_rise_difference", None)].value == pytest.approx(0.05 * MM, abs=1e-4)
    assert found[("brow_rise_difference", None)].noise_floor == pytest.approx(
        0.7 * math.sqrt(2), abs=1e-4
    )

    assert found[("mouth_corner_rise", "left")].value == pytest.approx(0.04 * MM, abs=1e-4)
    assert found[("commissure_excursion", "left")].value == pytest.approx(0.05 * MM, abs=1e-4)
    assert found[("commissure_excursion", "right")].value == pytest.approx(0.0)
    angle = math.degrees(math.atan2(0.04, 0.53))
    assert found[("smile_angle_change", "left")].value == pytest.approx(angle, abs=1e-4)
    assert found[("smile_angle_change_difference", None)].value == pytest.approx(angle, abs=1e-4)


def test_dynamic_measures_of_identical_photos_are_all_within_noise():
    g = geometry_of(spec_with(left__brow=0.36))
    measures = dynamic_measures(g, g)
    assert measures
    assert all(m.within_noise for m in measures)


# --- compare() and stored analyses --------------------------------------------


def analysis_of(geometry, flags=()):
    return Analysis(
        image_width=1280,
        image_height=720,
        faces_found=1 if geometry else 0,
        flags=tuple(flags),
        geometry=geometry,
        measures=tuple(single_photo_measures(geometry)) if geometry else (),
    )


def test_compare_refuses_when_a_photo_has_no_face():
    rest = analysis_of(geometry_of())
    blank = analysis_of(None, [flag("no_face")])
    result = compare(rest, blank)
    assert not result.usable
    assert result.measures == ()
    assert result.reasons == ("No face was found in the expression photo.",)


def test_compare_passes_quality_flags_on_as_reasons():
    rest = analysis_of(geometry_of())
    smile = analysis_of(geometry_of(spec_with(left__corner=(0.55, -0.95))), [flag("tilted", 9.0)])
    result = compare(rest, smile)
    assert not result.usable
    assert result.reasons == ("The expression photo: " + flag("tilted").message,)
    assert result.measure("mouth_corner_rise", "left").value > 0


def test_compare_of_good_photos_is_usable_and_survives_storage():
    rest = analysis_of(geometry_of())
    smile = analysis_of(geometry_of(spec_with(right__corner=(0.54, -0.97))))
    direct = compare(rest, smile)
    assert direct.usable and direct.reasons == ()
    stored_rest = Analysis.from_dict(json.loads(json.dumps(rest.to_dict())))
    stored_smile = Analysis.from_dict(json.loads(json.dumps(smile.to_dict())))
    assert compare(stored_rest, stored_smile) == direct
    assert direct.measure("commissure_excursion", "right").value == pytest.approx(
        0.05 * MM, abs=1e-3
    )


def test_side_values_mean():
    a = SideValues(1, 2, 3, 4, 5, 6, 7)
    b = SideValues(3, 4, 5, 6, 7, 8, 9)
    assert SideValues.mean(a, b) == SideValues(2, 3, 4, 5, 6, 7, 8)
