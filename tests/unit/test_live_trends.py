"""Live feedback's trends on hand-made numbers with known answers (progress/live.py,
presenters/live_trends.py)."""

from datetime import date

from retrain.presenters import live_trends as presenters
from retrain.progress import live

SMILE = presenters.LiveExercise(
    1,
    "Closed-lip smile",
    {
        "target": {"measure": "mouth_corner", "side": "affected"},
        "hold_back": {"measure": "eye_narrowing", "side": "affected"},
    },
)
NECK = presenters.LiveExercise(
    2,
    "Smile, quiet neck",
    {"target": {"measure": "mouth_corner", "side": "affected"}, "hold_back": None},
)


def record(day, exercise=1, scored=10, clean=5, median=0.2):
    return live.LiveRecord(day, exercise, scored, clean, median)


def test_weeks_start_on_monday_and_sum_their_sessions():
    records = [
        record(date(2026, 11, 2), scored=10, clean=4, median=0.30),  # Monday
        record(date(2026, 11, 8), scored=10, clean=8, median=0.10),  # Sunday, same week
        record(date(2026, 11, 9), scored=5, clean=5, median=0.05),  # the next Monday
        record(date(2026, 11, 9), exercise=2, scored=6, clean=None, median=None),
    ]
    weeks = live.weekly(records)
    first, second = weeks[1]
    assert (first.start, first.sessions, first.reps_scored, first.clean_reps) == (
        date(2026, 11, 2),
        2,
        20,
        12,
    )
    assert first.clean_share == 0.6 and first.median_hold_back == 0.2
    assert (second.start, second.clean_share, second.median_hold_back) == (
        date(2026, 11, 9),
        1.0,
        0.05,
    )
    (neck,) = weeks[2]
    assert neck.clean_reps is None and neck.clean_share is None and neck.reps_scored == 6


def test_cycles_take_the_sessions_from_their_first_to_their_last_day():
    records = [
        record(date(2026, 1, 1), clean=1),  # before any cycle: left out
        record(date(2026, 1, 10), clean=2),
        record(date(2026, 3, 31), clean=3),
        record(date(2026, 4, 1), clean=9),
    ]
    cycles = [(1, date(2026, 1, 5), date(2026, 3, 31)), (2, date(2026, 4, 1), None)]
    result = live.by_cycle(records, cycles)
    assert result[1][1].clean_reps == 5 and result[1][1].sessions == 2
    assert result[2][1].clean_reps == 9


def test_the_presenter_words_and_chart():
    weeks = live.weekly([record(date(2026, 11, 2), scored=9, clean=7, median=0.184)])
    (trend,) = presenters.exercise_trends(weeks, {1: SMILE}, date(2026, 11, 20))
    assert trend.rule_text == (
        "Target: mouth corner movement, affected side. Hold back: eye narrowing, affected side."
    )
    (row,) = trend.rows
    assert (row.clean, row.hold_back) == ("7 of 9 (78 %)", "18 % of the eye opening")
    assert trend.chart.startswith("<svg") and 'role="img"' in trend.chart
    assert "Clean repetitions, % of measured" in trend.chart
    assert "style=" not in trend.chart  # the strict CSP


def test_units_follow_the_held_back_measure():
    mouth = {"hold_back": {"measure": "mouth_corner", "side": "affected"}}
    assert presenters.hold_back_text(0.03, mouth) == "0.030 eye-corner distances (about 2.7 mm)"
    assert presenters.hold_back_text(None, mouth) == "—"
    span = live.LiveSpan(date(2026, 1, 5), 1, 6, None, None)
    assert presenters.clean_text(span) == "6 repetitions measured"


def test_cycle_cells_list_the_exercises_measured_in_each_cycle():
    per_cycle = live.by_cycle(
        [record(date(2026, 1, 10), scored=4, clean=3, median=0.1)],
        [(1, date(2026, 1, 5), None), (2, date(2027, 1, 5), None)],
    )
    cells = presenters.cycle_cells(per_cycle, {1: SMILE, 2: NECK})
    assert cells[1] == [
        presenters.CycleCell("Closed-lip smile", "3 of 4 (75 %)", "10 % of the eye opening")
    ]
    assert cells[2] == []
