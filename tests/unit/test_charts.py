"""Server-side SVG charts: valid markup, accessible names, exact coordinates, no styles."""

from datetime import date
from xml.etree import ElementTree

import pytest

from retrain.progress import charts, face_map
from retrain.progress.charts import Axis, Band, Layout, Series, VLine

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str):
    return ElementTree.fromstring(markup)  # noqa: S314 - markup made by the code under test


def chart(**changes):
    values = {
        "chart_id": "c",
        "title": "SAQ over time",
        "desc": "Two points.",
        "x": Axis(0, 10, "Day"),
        "y": Axis(0, 100, "Score"),
        "series": [Series("SAQ", ((0, 0), (10, 100)))],
    }
    values.update(changes)
    return charts.line_chart(**values)


def test_chart_is_valid_svg_named_by_its_title_and_description():
    root = parse(chart())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").get("id") == "c-title"
    assert root.find(f"{SVG}title").text == "SAQ over time"
    assert root.find(f"{SVG}desc").text == "Two points."
    assert root.get("viewBox") == "0 0 640 300"


def test_points_map_to_exact_coordinates():
    # Default layout: plot from x 48 to 624 and from y 256 (bottom) to 28 (top).
    root = parse(chart())
    [path] = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none"]
    assert path.get("d") == "M48 256 L624 28"
    dots = [(c.get("cx"), c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert dots == [("48", "256"), ("624", "28")]


def test_mid_values_and_rounding_to_one_decimal():
    root = parse(chart(series=[Series("s", ((5, 50), (2.5, 33.3)))]))
    dots = [(c.get("cx"), c.get("cy")) for c in root.iter(f"{SVG}circle")]
    # x 5 -> 48 + 0.5 x 576 = 336; y 50 -> 256 - 0.5 x 228 = 142
    # x 2.5 -> 48 + 144 = 192; y 33.3 -> 256 - 75.924 = 180.076 -> 180.1
    assert dots == [("336", "142"), ("192", "180.1")]


def test_points_outside_the_axes_are_left_out():
    root = parse(chart(series=[Series("s", ((-1, 50), (5, 50), (11, 50), (5, 120)))]))
    assert len(list(root.iter(f"{SVG}circle"))) == 1


def test_gaps_longer_than_break_over_split_the_line():
    series = Series("s", ((0, 10), (1, 20), (8, 30), (9, 40)), dots=False, break_over=5)
    paths = [p.get("d") for p in parse(chart(series=[series])).iter(f"{SVG}path")]
    assert len(paths) == 2


def test_empty_chart_says_so():
    root = parse(chart(series=[Series("s", ())], empty_text="No questionnaire yet."))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "No questionnaire yet." in texts
    assert list(root.iter(f"{SVG}path")) == []


def test_legend_only_for_several_series():
    one = parse(chart())
    assert not [g for g in one.iter(f"{SVG}g") if g.get("class") == "chart-legend"]
    two = parse(chart(series=[Series("Cycle 1", ((1, 10),)), Series("Cycle 2", ((2, 20),))]))
    [legend] = [g for g in two.iter(f"{SVG}g") if g.get("class") == "chart-legend"]
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["Cycle 1", "Cycle 2"]
    assert two.get("viewBox") == "0 0 640 320"  # one legend row of 20 added


def test_text_is_escaped_and_no_inline_styles():
    markup = chart(
        title='<script>alert("x")</script>',
        desc="a & b",
        series=[Series("<b>1</b>", ((1, 1),)), Series("2", ((2, 2),))],
        vlines=[VLine(5, "<i>inj</i>")],
        bands=[Band(0, 3, "on<set")],
    )
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<b>" not in markup and "<i>" not in markup
    assert "style=" not in markup
    parse(markup)  # still well-formed


def test_vertical_markers_and_bands_are_drawn_inside_the_plot():
    root = parse(chart(vlines=[VLine(5, "1"), VLine(20, "far")], bands=[Band(-5, 2, "onset")]))
    markers = [line for line in root.iter(f"{SVG}line") if "chart-marker" in line.get("class", "")]
    assert [(m.get("x1"), m.get("y1"), m.get("y2")) for m in markers] == [("336", "28", "256")]
    assert markers[0].get("class") == "chart-marker"  # before the newest point (x=10)
    later = parse(chart(series=[Series("SAQ", ((0, 0), (4, 50)))], vlines=[VLine(5, "1")]))
    [marker] = [x for x in later.iter(f"{SVG}line") if "chart-marker" in x.get("class", "")]
    assert marker.get("class") == "chart-marker chart-newest"  # after it: shown first
    [band] = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-band"]
    assert (band.get("x"), band.get("width")) == ("48", "115.2")  # clipped to 0..2


@pytest.mark.parametrize(
    ("low", "high", "count", "expected"),
    [
        (20, 100, 4, [20, 40, 60, 80, 100]),
        (0, 10, 5, [0, 2, 4, 6, 8, 10]),
        (-30, 150, 6, [0, 50, 100, 150]),  # step 50: the first nice step >= 30
    ],
)
def test_nice_ticks(low, high, count, expected):
    assert [value for value, _ in charts.nice_ticks(low, high, count)] == expected


def test_date_axis_ticks_months_or_years():
    short = charts.date_axis(date(2026, 1, 15), date(2026, 4, 20))
    assert [label for _, label in short.ticks] == ["Feb 2026", "Mar", "Apr"]
    assert short.ticks[0][0] == date(2026, 2, 1).toordinal()
    long = charts.date_axis(date(2021, 6, 1), date(2026, 6, 1))
    assert [label for _, label in long.ticks] == ["2022", "2023", "2024", "2025", "2026"]


def test_the_newest_point_s_day_is_a_tick_and_month_ticks_too_near_it_give_way():
    year = charts.date_axis(date(2026, 1, 15), date(2026, 12, 8), newest=date(2026, 11, 24))
    assert [label for _, label in year.ticks] == ["Apr 2026", "Jul", "Oct", "24 Nov"]
    assert year.ticks[-1][0] == date(2026, 11, 24).toordinal()
    near = charts.date_axis(date(2026, 1, 15), date(2026, 4, 20), newest=date(2026, 4, 12))
    assert [label for _, label in near.ticks] == ["Feb 2026", "Mar", "12 Apr"]  # Apr 1 gave way
    outside = charts.date_axis(date(2026, 1, 15), date(2026, 4, 20), newest=date(2026, 5, 1))
    assert outside == charts.date_axis(date(2026, 1, 15), date(2026, 4, 20))


def test_newest_series_stands_out():
    assert charts.series_style(0) == {"stroke": charts.PALETTE[0], "width": 3.0, "dash": None}
    assert charts.series_style(1)["dash"] == "6 3"
    assert charts.series_style(4) == {"stroke": charts.OLDER, "width": 1.25, "dash": None}


def test_axis_needs_a_range():
    with pytest.raises(ValueError):
        Axis(5, 5, "x")


def test_layout_changes_the_frame():
    root = parse(chart(layout=Layout(width=400, height=200, left=40, right=10, top=20, bottom=30)))
    [path] = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none"]
    assert path.get("d") == "M40 170 L390 20"


# --- face map ---------------------------------------------------------------------------------


def face(sites):
    return parse(face_map.face_map(chart_id="f", title="Map", desc="Sites.", sites=sites))


def site_dots(root):
    return {
        g.find(f"{SVG}title").text: (
            float(g.find(f"{SVG}circle").get("cx")),
            g.find(f"{SVG}text").text,
        )
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "face-site"
    }


def test_face_map_puts_the_subjects_left_on_the_viewers_right():
    root = face([("orbicularis oculi", "left", 5), ("orbicularis oculi", "right", 2.5)])
    dots = site_dots(root)
    left_x, left_label = dots["orbicularis oculi, left: 5 U"]
    right_x, right_label = dots["orbicularis oculi, right: 2.5 U"]
    assert left_x > face_map.FACE_CENTRE > right_x
    assert left_x - face_map.FACE_CENTRE == face_map.FACE_CENTRE - right_x  # mirror images
    assert (left_label, right_label) == ("5", "2.5")
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels[0] == "Patient's right" and labels[1] == "Patient's left"
    assert root.get("aria-labelledby") == "f-title f-desc"


def test_face_map_adds_points_in_one_muscle_and_side():
    dots = site_dots(face([("mentalis", "left", 1), ("mentalis", "left", 1.5)]))
    assert list(dots) == ["mentalis, left: 2.5 U"]


def test_every_muscle_has_a_place_on_the_face():
    from retrain.models.injections import MUSCLES

    assert set(face_map.MUSCLE_POSITIONS) == set(MUSCLES)
    for muscle in MUSCLES:
        x, y = face_map.site_position(muscle, "left")
        assert face_map.FACE_CENTRE < x < face_map.FACE_WIDTH and 0 < y < face_map.FACE_HEIGHT
    with pytest.raises(ValueError):
        face_map.site_position("mentalis", "both")


def test_the_newest_point_is_marked_for_the_phone_check():
    """The browser tour finds each chart's newest point by its class (issue 16)."""
    root = parse(chart())
    newest = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "chart-newest"]
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert len(newest) == 1 and float(newest[0].get("cx")) == max(xs)


def test_axis_text_is_16_units_so_at_least_14_px_on_a_phone():
    root = parse(chart())
    assert root.get("font-size") == "16"
    assert not [t for t in root.iter(f"{SVG}text") if t.get("font-size") not in (None, "16")]


def test_the_y_axis_numbers_are_one_group_drawn_last_over_a_white_strip():
    """app.js moves this group as a phone scrolls the chart, so the scale stays in view
    beside the newest points; drawn last, it covers what scrolls beneath it."""
    ticks = ((0, "0"), (50, "50"), (100, "100"), (150, "150"))  # 150: off the axis
    root = parse(chart(y=Axis(0, 100, "Score", ticks), y_note="lower is better"))
    axis = root.findall(f"{SVG}g")[-1]
    assert axis.get("class") == "chart-y-axis"
    strip = axis.find(f"{SVG}rect")
    assert (strip.get("x"), strip.get("width"), strip.get("fill")) == ("0", "47", "#ffffff")
    texts = [t.text for t in axis.iter(f"{SVG}text")]
    assert texts == ["0", "50", "100", "Score (lower is better)"]
    grid_texts = [
        t.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-grid"
        for t in g.iter(f"{SVG}text")
    ]
    assert "100" not in grid_texts  # the numbers are drawn once, in the axis group


def test_a_chart_with_a_legend_carries_its_key_for_the_page():
    """A phone shows the key as text under the chart (templates/_chart_key.html): the
    legend inside the chart scrolls out of view there."""
    two = [Series("SAQ", ((0, 0), (10, 100))), Series("Rating", ((0, 50),), dash="4 3")]
    assert [s.label for s in chart(series=two).key] == ["SAQ", "Rating"]
    assert chart().key == ()  # one series: no legend, no key
