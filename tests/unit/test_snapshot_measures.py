"""presenters/snapshot_measures.py and snapshot_trends.py on hand-made stored analyses.

The stored analyses are written by hand with an iris of 11.77/60 eye distances, so one
eye distance is 60 mm (vision/geometry.py) and every change has a known answer: an
eyebrow 0.05 eye distances higher rose 3.0 mm.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from retrain.models import Snapshot
from retrain.presenters.snapshot_measures import (
    NO_FACE,
    NO_REST_PHOTO,
    comparison,
    day_measures,
    detail,
    preferred,
    rest_by_day,
    shown,
)
from retrain.presenters.snapshot_trends import days_since, trends
from retrain.vision import Measure

IRIS = 11.77 / 60  # eye distances: 60 mm per eye distance
REST_SIDE = {
    "brow_height": 0.5,
    "mrd1": 0.1,
    "mrd2": 0.1,
    "eye_aperture": 0.2,
    "mouth_corner_height": -0.8,
    "mouth_corner_lateral": 0.4,
    "smile_angle": 5.0,
}
BLUR = {"code": "blurry", "message": "Please hold still."}


def analysis(right=None, left=None, flags=()) -> dict:
    """A stored vision.Analysis.to_dict(): the rest face, changed by ``right``/``left``."""
    geometry = {
        "right": REST_SIDE | (right or {}),
        "left": REST_SIDE | (left or {}),
        "eye_distance_px": 120.0,
        "roll_degrees": 0.0,
        "nose_offset": 0.0,
        "iris_diameter": IRIS,
        "mirror_averaged": True,
    }
    return {
        "image_width": 640,
        "image_height": 480,
        "faces_found": 1,
        "flags": [f | {"value": None} for f in flags],
        "geometry": geometry,
        "measures": [],
    }


def photo(n, expression, taken_at, measures=None, flags=()) -> Snapshot:
    return Snapshot(
        id=n,
        patient_id=7,
        expression=expression,
        taken_at=taken_at,
        quality={"analysed": True, "ok": not flags, "flags": list(flags)},
        measures=analysis(flags=flags) if measures is None else measures,
    )


def at(day, hour=12, minute=0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def by_name(measures):
    return {row.name: row for row in measures.rows}


def test_brow_rise_per_side_and_left_minus_right_with_noise_labels():
    rest = photo(1, "rest", at(2))
    raise_ = photo(2, "brow raise", at(2, 12, 5), analysis(right={"brow_height": 0.55}))
    measures = day_measures(raise_, rest_by_day([rest], UTC), UTC)
    assert (measures.rest_id, measures.usable, measures.reasons) == (1, True, [])
    row = by_name(measures)["brow_rise"]
    assert row.title == "Eyebrow rise from rest"
    assert (row.right.text, row.right.within_noise) == ("3.0 mm", False)
    assert (row.left.text, row.left.within_noise) == ("0.0 mm", True)
    assert (row.difference.text, row.difference.within_noise) == ("-3.0 mm", False)
    assert row.right.underestimate  # every photo measure shows only part of a movement


def test_eye_opening_as_a_share_of_rest_and_the_difference_in_points():
    rest = photo(1, "rest", at(2))
    smile = photo(
        2,
        "full smile",
        at(2, 13),
        analysis(right={"eye_aperture": 0.15, "mouth_corner_height": -0.75}),
    )
    rows = by_name(day_measures(smile, rest_by_day([rest], UTC), UTC))
    assert list(rows) == ["eye_narrowing", "commissure_excursion", "mouth_corner_rise"]
    eye = rows["eye_narrowing"]
    assert (eye.right.text, eye.left.text, eye.difference.text) == ("75 %", "100 %", "+25 points")
    assert eye.left.within_noise and not eye.right.within_noise
    assert rows["mouth_corner_rise"].right.text == "3.0 mm"
    assert rows["commissure_excursion"].right.text == "3.0 mm"


def test_rest_has_no_change_measures():
    rest = photo(1, "rest", at(2))
    assert day_measures(rest, rest_by_day([rest], UTC), UTC) is None


def test_the_rest_photo_must_be_from_the_same_day_in_the_patients_calendar():
    rest = photo(1, "rest", at(2, 23, 30))  # 18:30 on 2 March in New York
    smile = photo(2, "full smile", at(3, 0, 30))  # 19:30 on 2 March in New York
    new_york = ZoneInfo("America/New_York")
    assert day_measures(smile, rest_by_day([rest], new_york), new_york).usable
    in_utc = day_measures(smile, rest_by_day([rest], UTC), UTC)
    assert (in_utc.usable, in_utc.reasons, in_utc.rows, in_utc.rest_id) == (
        False,
        [NO_REST_PHOTO],
        [],
        None,
    )


def test_a_rest_photo_without_a_face_gives_a_plain_reason():
    faceless = photo(1, "rest", at(2), measures={"geometry": None})
    smile = photo(2, "full smile", at(2, 13))
    measures = day_measures(smile, rest_by_day([faceless], UTC), UTC)
    assert (measures.rest_id, measures.usable, measures.reasons) == (1, False, [NO_FACE])


def test_a_flagged_photo_is_measured_but_marked_for_care():
    rest = photo(1, "rest", at(2))
    smile = photo(2, "full smile", at(2, 13), flags=[BLUR])
    measures = day_measures(smile, rest_by_day([rest], UTC), UTC)
    assert not measures.usable and measures.rows
    assert measures.reasons == ["The expression photo: Please hold still."]


def test_of_several_photos_on_one_day_a_good_one_wins_then_the_latest():
    early_good = photo(1, "rest", at(2, 9))
    late_flagged = photo(2, "rest", at(2, 17), flags=[BLUR])
    assert preferred([early_good, late_flagged]) is early_good
    late_good = photo(3, "rest", at(2, 18))
    assert preferred([early_good, late_flagged, late_good]) is late_good
    assert preferred([]) is None


def test_detail_measures_against_the_rest_photo_of_the_day():
    rests = [photo(1, "rest", at(1)), photo(2, "rest", at(2))]
    raise_ = photo(3, "brow raise", at(2, 15), analysis(left={"brow_height": 0.52}))
    shown = detail(raise_, "Ada Example", rests, UTC)
    assert (shown.card.id, shown.patient_name, shown.measures.rest_id) == (3, "Ada Example", 2)
    assert shown.prompt == "Raise your eyebrows gently, as if surprised."
    assert by_name(shown.measures)["brow_rise"].left.text == "1.2 mm"


def test_comparison_lists_the_expressions_with_photos_and_its_choices_newest_first():
    rows = [
        photo(1, "rest", at(2)),
        photo(2, "full smile", at(2, 13)),
        photo(3, "pucker", at(9, 13)),
        photo(4, "full smile", at(9, 14)),
    ]
    shown = comparison(7, "Ada Example", rows, "full smile", (rows[1], rows[3]), UTC)
    assert shown.expressions == ["rest", "full smile", "pucker"]
    assert [c.id for c in shown.choices] == [4, 2]
    assert shown.a.measures.rest_id == 1
    assert shown.b.measures.reasons == [NO_REST_PHOTO]  # no rest photo on 9 March
    assert comparison(7, "Ada Example", rows, "snarl", (None, None), UTC).a is None


def test_days_since_the_latest_injection():
    injections = [date(2026, 1, 10), date(2026, 3, 6)]
    assert days_since(date(2026, 1, 1), injections) is None
    assert days_since(date(2026, 3, 5), injections) == 54
    assert days_since(date(2026, 3, 20), injections) == 14


def test_trends_one_point_a_day_with_flagged_days_left_out():
    rows = [
        photo(1, "rest", at(2)),
        photo(2, "brow raise", at(2, 13), analysis(right={"brow_height": 0.55})),
        photo(3, "rest", at(20)),
        photo(4, "brow raise", at(20, 13), analysis(right={"brow_height": 0.6})),
        photo(5, "rest", at(25)),
        photo(6, "brow raise", at(25, 13), flags=[BLUR]),
        photo(7, "full smile", at(26, 13)),  # no rest photo that day: no point, not counted
    ]
    [trend] = trends(rows, UTC, [date(2026, 3, 6)], date(2026, 3, 30))
    assert (trend.chart_id, trend.name, trend.left_out) == (
        "trend-brow-raise-brow-rise",
        "brow_rise",
        1,
    )
    assert trend.title == "Eyebrow rise from rest: brow raise"
    assert [
        (r.day_label, r.days_since_injection, r.right.text, r.left.text) for r in trend.rows
    ] == [
        ("2 Mar 2026", None, "3.0 mm", "0.0 mm"),
        ("20 Mar 2026", 14, "6.0 mm", "0.0 mm"),
    ]
    assert trend.underestimate
    assert 'id="trend-brow-raise-brow-rise"' in trend.svg and "Injection" in trend.svg
    assert "1 days left out because of photo quality" in trend.svg


def test_trends_of_a_day_with_only_flagged_photos_still_say_so():
    rows = [photo(1, "rest", at(2)), photo(2, "pucker", at(2, 13), flags=[BLUR])]
    [trend] = trends(rows, UTC, [], date(2026, 3, 30))
    assert (trend.expression, trend.rows, trend.left_out) == ("pucker", [], 1)
    assert "No photos fit to measure yet." in trend.svg
    assert trends([photo(1, "rest", at(2))], UTC, [], date(2026, 3, 30)) == []


def test_shown_values_for_each_unit():
    def text(name, unit, value, side):
        return shown(Measure(name, name, value, unit, 0.1, False, False, side))[1]

    assert text("smile_angle_change", "degrees", 2.4, "left") == "2.4°"
    assert text("smile_angle_change_difference", "degrees", -1.3, None) == "-1.3°"
    assert text("brow_rise_difference", "mm (approx.)", 1.3, None) == "+1.3 mm"
    assert text("eye_narrowing", "ratio", 0.704, "right") == "70 %"
