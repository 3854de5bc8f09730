"""The progress pages' text and the API's numbers, from a hand-made record with known answers.

The record is docs/progress.md's worked example (the same as tests/web/
test_progress_pages.py's ``known_record``), built as plain values: no database, no app.

- Cycle 1 (T-200, Botox: orbicularis oculi left 5 U, mentalis right 2 U): baseline 70
  (day -5), best 40 on day 21, response 30 (43 %), wear-off day 89 (45 on day 70, 60 on
  day 98: 70 + 10/15 x 28 = 88.67).
- Cycle 2 (T-100, Xeomin: platysma left 6 U, open): baseline 60 (day -2), best 35 on day
  14, response 25 (42 %), wear-off 14 + 12.5/15 x 46 = 52.33, so day 52. Today is day 100.
- Ratings of 4 on the 10 days before today.
"""

import re
from datetime import UTC, date, timedelta

import pytest

from retrain.presenters import care_team
from retrain.presenters.progress_charts import overlay_chart, rating_chart, saq_chart
from retrain.presenters.progress_cycles import Figure, dose_rows
from retrain.presenters.progress_figures import progress_figures
from retrain.presenters.progress_page import progress_page, saq_rows, summary
from retrain.progress import adherence, charts
from retrain.progress.graded import load_graded
from retrain.progress.instruments import load_instrument
from retrain.progress.record import PatientRecord, Visit, analyse, cycle_sessions
from retrain.progress.saq_schedule import status_from

TODAY = date(2026, 3, 2)
V1, V2 = TODAY - timedelta(days=200), TODAY - timedelta(days=100)  # 14 Aug, 22 Nov 2025
SAQ = load_instrument("saq")
SUNNYBROOK = load_graded("sunnybrook")


def record(**changes) -> PatientRecord:
    values = {
        "patient_id": 7,
        "name": "Pat Palsy",
        "zone": UTC,
        "today": TODAY,
        "joined_on": V1 - timedelta(days=30),
        "saq_interval_days": None,
        "visits": (
            Visit(
                1,
                V1,
                "onabotulinumtoxinA",
                (("orbicularis oculi", "left", 5.0), ("mentalis", "right", 2.0)),
            ),
            Visit(2, V2, "incobotulinumtoxinA", (("platysma", "left", 6.0),)),
        ),
        "saqs": tuple(
            [
                (V1 + timedelta(days=d), s)
                for d, s in ((-5, 70.0), (21, 40.0), (70, 45.0), (98, 60.0))
            ]
            + [(V2 + timedelta(days=d), s) for d, s in ((14, 35.0), (60, 50.0))]
        ),
        "requests": (),
        "session_days": tuple(TODAY - timedelta(days=d) for d in range(10, 0, -1)),
        "ratings": tuple((TODAY - timedelta(days=d), 4.0) for d in range(10, 0, -1)),
        "versions": (),
    }
    return PatientRecord(**(values | changes))


def page(rec=None):
    rec = rec or record()
    return progress_page(rec, analyse(rec), SAQ)


def test_cycle_rows_word_the_known_figures():
    first, second = page().cycles
    assert (first.saq.baseline.text, first.saq.best.text) == ("70.0 (day -5)", "40.0 (day 21)")
    assert first.saq.response.text == "30.0 (43 %)"
    assert first.saq.wear_off.text == "day 89 (11 Nov 2025)"
    assert (first.length_text, second.length_text) == ("100 days", "open, day 100")
    assert (second.saq.baseline.text, second.saq.best.text) == ("60.0 (day -2)", "35.0 (day 14)")
    assert second.saq.response.text == "25.0 (42 %)"
    assert second.saq.wear_off.text.startswith("day 52 ")
    assert [(g.product_label, g.total_text) for g in first.doses] == [
        ("onabotulinumtoxinA (Botox)", "7")
    ]
    assert [(r.muscle, r.left, r.right) for r in first.doses[0].rows] == [
        ("orbicularis oculi", "5", ""),
        ("mentalis", "", "2"),
    ]


def test_a_missing_figure_says_why():
    only = record(
        visits=(Visit(1, TODAY - timedelta(days=3), "other", (("mentalis", "left", 1.0),)),),
        saqs=(),
        ratings=(),
        session_days=(),
    )
    [row] = page(only).cycles
    assert row.saq.baseline == Figure(None, "No SAQ in the 30 days before this injection.")
    assert row.saq.best.reason == "Too early: the best is looked for from day 7."
    assert row.saq.response.reason == "Needs a baseline and a best."
    assert row.saq.wear_off.reason == "Needs a response (a baseline and a best) first."
    assert row.rating.baseline.reason.endswith(
        "A 7-day mean needs at least 3 ratings within 7 days."
    )
    assert row.adherence.reason == "No programme was prescribed during this cycle."


def test_the_wear_off_reason_follows_the_cycle():
    # Cycle 2 only, with nothing after its best: open, so "yet".
    rec = record(
        visits=record().visits[1:],
        saqs=((V2 - timedelta(days=2), 60.0), (V2 + timedelta(days=14), 35.0)),
    )
    [row] = page(rec).cycles
    assert row.saq.wear_off.reason == "No SAQ after the best day yet."
    # Worse than the baseline: nothing to wear off.
    rec = record(visits=record().visits[1:], saqs=((V2, 40.0), (V2 + timedelta(days=14), 50.0)))
    [row] = page(rec).cycles
    assert row.saq.response.text == "-10.0 (-25 %): within measurement noise"
    assert row.saq.wear_off.reason == (
        "No improvement on the baseline in this cycle, so nothing to wear off."
    )


def test_now_latest_against_baseline_and_the_projection_reason():
    p = page()
    assert (p.current.days_since, p.current.phase_label) == (100, "Wearing off")
    assert p.current.phase_help.endswith("Your exercises help keep the gains.")
    assert p.latest_vs_baseline.text == (
        "50.0 on 21 January 2026: 10.0 points lower than the baseline of 60.0: within "
        "measurement noise"
    )
    assert p.current.projection.reason.startswith(
        "Only 1 earlier cycle has a measured wear-off day; a projection needs at least 2"
    )
    assert p.current.projection_note is None


def test_saq_rows_fall_in_their_cycles():
    rows = saq_rows(
        [(V1 - timedelta(days=1), 60.0), (V1, 55.0), (V2 + timedelta(days=3), 50.0)],
        [V1, V2],
    )
    assert [(r.cycle_index, r.cycle_day, r.score_text) for r in rows] == [
        (None, None, "60.0"),
        (1, 0, "55.0"),
        (2, 3, "50.0"),
    ]


def test_the_patients_summary_is_plain_and_kind():
    p = page()
    assert p.summary[0].startswith("You have filled in the questionnaire 6 times.")
    assert p.summary[1] == (
        "Your latest score is 50.0. Scores go up and down a little from week to week; your "
        "care team looks at the whole picture with you."
    )  # 10 points lower: within the SAQ's measurement noise, so not called a good sign
    empty = analyse(record(visits=(), saqs=()))
    new = summary([], empty.report, p.status, empty, SAQ)
    assert new[0].startswith("You have not filled in the synkinesis questionnaire yet.")
    assert len(new) == 2


def test_adherence_windows_and_cycles_use_the_prescription():
    # Once a day every day since V2: the open cycle's sessions are the 10 of the last days.
    programme = adherence.Version(V2, None, 1, 7)
    rec = record(versions=(programme,))
    p = page(rec)
    assert p.adherence_week.text == "100 % (6 of 6 sessions)"  # today not over, not met yet
    assert p.adherence_28.text == "37 % (10 of 27 sessions)"
    assert p.cycles[1].adherence.text == "10 % (10 of 100 sessions)"
    assert cycle_sessions(rec, adherence.daily_counts(rec.session_days), V2, None) == (10, 100)
    assert p.cycles[0].adherence.reason == "No programme was prescribed during this cycle."


def test_charts_have_a_description_and_a_table():
    p = page()
    assert 'role="img"' in p.saq_chart.svg and "6 SAQ scores from" in p.saq_chart.svg
    assert [row.cycle_index for row in p.overlay_table] == [1, 2]
    assert p.overlay_table[0].points_text.startswith("day -5: 70.0; day 21: 40.0")
    assert [w.mean_text for w in p.rating_weeks][-1] == "4.0"
    empty = analyse(record(visits=(), saqs=(), ratings=()))
    assert overlay_chart(empty.report, (), SAQ) == (None, [])
    assert rating_chart((), (), TODAY) == (None, [])
    assert "No SAQ has been answered yet." in saq_chart((), (), TODAY, SAQ).svg


def test_a_best_score_no_lower_than_the_baseline_says_so():
    """The cycle's lowest SAQ (its "best") is 65 against a baseline of 60: worse."""
    saqs = record().saqs[:4] + tuple(
        (V2 + timedelta(days=d), s) for d, s in ((14, 65.0), (60, 70.0))
    )
    first, second = page(record(saqs=saqs)).cycles
    assert first.saq.best.text == "40.0 (day 21)"
    assert second.saq.best.text == "65.0 (day 14), no better than the baseline"
    assert second.saq.response.text.startswith("-5.0")


def test_the_overlay_opens_at_the_current_cycle_s_latest_day_not_the_rightmost():
    """Its x is days since each injection: cycle 1 reaches day 98, but the current cycle
    (2) ends on day 60, so a phone opens the chart there and the point marked newest is
    the current cycle's latest."""
    chart = page().overlay_chart
    newest_point = r'<circle class="chart-newest" cx="([\d.]+)"[^>]*fill="([^"]+)"'
    [newest] = re.findall(newest_point, chart.svg)
    current_colour = charts.series_style(0)["stroke"]  # the newest cycle's style
    assert newest[1] == current_colour
    assert chart.svg.open_at * charts.Layout().width == pytest.approx(float(newest[0]))
    rightmost = max(float(x) for x in re.findall(r'<circle[^>]* cx="([\d.]+)"', chart.svg))
    assert rightmost > float(newest[0])  # cycle 1's day 98
    assert page().saq_chart.svg.open_at is None  # a chart over dates: its right end


def test_stored_data_the_analysis_refuses_is_reported_not_raised():
    bad = record(saqs=((V1, 140.0),))
    p = page(bad)
    assert p.analysis_error == f"The SAQ score on {V1.isoformat()} is not a number from 0 to 100."
    assert p.cycles == [] and p.current is None


def test_api_figures_are_the_numbers_of_the_same_analysis():
    rec = record()
    figures = progress_figures(rec, analyse(rec), SAQ.min_score, SUNNYBROOK)
    first, second = figures.cycles
    assert (first.baseline, first.best, first.response, first.wear_off_day) == (70, 40, 30, 89)
    assert first.response_pct == pytest.approx(300 / 7)
    assert [(d.muscle, d.side, d.units) for d in first.doses] == [
        ("orbicularis oculi", "left", 5.0),
        ("mentalis", "right", 2.0),
    ]
    assert (first.response_change, second.response_change) == ("better", "better")
    assert second.ends_on is None and figures.current.phase == "wearing_off"
    assert figures.saq[0] == (V1 - timedelta(days=5), 70.0)


def test_dose_rows_order_muscles_down_the_face():
    rows = dose_rows(
        {("platysma", "right"): 2.5, ("frontalis", "left"): 1.0, ("frontalis", "right"): 1.5}
    )
    assert [(r.muscle, r.left, r.right) for r in rows] == [
        ("frontalis", "1", "1.5"),
        ("platysma", "", "2.5"),
    ]


def test_notes_and_decisions_newest_first_with_names():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    early = care_team.NoteRow(1, datetime(2026, 1, 1, 23, 30, tzinfo=UTC), None, "First")
    late = care_team.NoteRow(2, datetime(2026, 1, 2, 8, 0, tzinfo=UTC), "Theo", "Second")
    shown = care_team.notes([early, late], zone)
    assert [(n.id, n.author) for n in shown] == [(2, "Theo"), (1, "A former colleague")]
    assert shown[1].created_at.date() == date(2026, 1, 2)  # 00:30 in Berlin
    decision = care_team.DecisionRow(
        3, date(2026, 1, 5), "wait_until", date(2026, 2, 1), None, None
    )
    [row] = care_team.decisions([decision])
    assert (row.label, row.clinician) == ("Wait until a date", "A former colleague")


def test_saq_schedule_says_why_it_is_due():
    start = date(2026, 1, 1)
    first = status_from(
        start_on=start, answered_on=[], interval_days=None, requested=[], today=start
    )
    assert (first.due, first.interval_days, first.reason) == (
        True,
        14,
        "The first one is due when the programme starts.",
    )
    later = status_from(
        start_on=start,
        answered_on=[date(2026, 1, 10)],
        interval_days=7,
        requested=[date(2026, 1, 5), date(2026, 1, 12)],
        today=date(2026, 1, 11),
    )
    assert (later.due_on, later.requested_on, later.upcoming_requests) == (
        date(2026, 1, 12),
        date(2026, 1, 12),
        (date(2026, 1, 12),),
    )
    assert later.reason == "Your care team asked for one on this day."
    routine = status_from(
        start_on=start, answered_on=[date(2026, 1, 10)], interval_days=7, requested=[], today=start
    )
    assert (routine.due_on, routine.reason) == (date(2026, 1, 17), "One is due every 7 days.")
