"""The staff patient page's chart of daily ratings (presenters/practice_chart.py)."""

from datetime import date
from xml.etree import ElementTree

from retrain.presenters import practice_chart

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 3, 31)


def test_several_sessions_on_a_day_are_one_mean_point():
    points = practice_chart.daily_means(
        [(date(2026, 3, 2), 2, 4), (date(2026, 3, 1), 5, 9), (date(2026, 3, 2), 3, 7)]
    )
    assert points == [
        practice_chart.DailyPoint(date(2026, 3, 1), 9.0, 5.0),
        practice_chart.DailyPoint(date(2026, 3, 2), 5.5, 2.5),
    ]


def test_the_chart_shows_eight_weeks_and_marks_each_programme_change_in_them():
    sessions = [(date(2026, 1, 1), 3, 3), (date(2026, 3, 10), 2, 6), (date(2026, 3, 30), 4, 2)]
    changes = [(date(2026, 1, 5), 1), (date(2026, 3, 15), 2)]
    chart = practice_chart.practice_chart(sessions, changes, TODAY)
    assert [p.day for p in chart.points] == [date(2026, 3, 10), date(2026, 3, 30)]
    root = ElementTree.fromstring(chart.svg)  # noqa: S314 - markup made by the code under test
    markers = [x for x in root.iter(f"{SVG}line") if "chart-marker" in x.get("class", "")]
    assert len(markers) == 1  # version 1 started before the eight weeks
    assert "v2" in [t.text for t in root.iter(f"{SVG}text")]
    desc = root.find(f"{SVG}desc").text
    assert "2 days with a session" in desc and "version 2 from 15 March 2026" in desc
    assert "synkinesis felt 2.0 of 10, effort 4.0 of 5" in desc
    # Effort (1-5) is drawn at twice its value on the 0-10 axis, and the legend says so.
    assert "How hard (1-5, shown ×2)" in chart.svg


def test_no_sessions_says_so():
    chart = practice_chart.practice_chart([], [], TODAY)
    assert chart.points == [] and "No sessions in these eight weeks." in chart.svg
