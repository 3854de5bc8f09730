"""Botox cycle analytics on hand-made series with exact known answers (docs/progress.md)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from retrain.progress.cycles import CycleDataError, InjectionVisit, analyse, measure_cycle
from retrain.progress.phases import DEFAULT_PHASES, Phase, Phases
from retrain.progress.projection import round_half_up
from retrain.progress.series import daily_values, overlay_series, trailing_mean

D0 = date(2026, 1, 5)
ONA = "onabotulinumtoxinA"
INCO = "incobotulinumtoxinA"


def d(n):
    """The date n days after D0 (the first injection in most tests)."""
    return D0 + timedelta(days=n)


def visit(n, product=ONA, sites=(("orbicularis oculi", "left", 5),)):
    return InjectionVisit(on=d(n), product=product, sites=sites)


def one_cycle(saqs, ratings=(), today=100, **kwargs):
    report = analyse([visit(0)], saqs, ratings, today=d(today), **kwargs)
    return report.cycles[0]


# --- SAQ: the worked example from the issue -----------------------------------------


def test_interpolation_worked_example():
    # baseline 70, best 40 on day 21, then 45 on day 70 and 60 on day 98
    saqs = [(d(-3), 70), (d(21), 40), (d(70), 45), (d(98), 60)]
    cycle = one_cycle(saqs)
    assert (cycle.baseline, cycle.baseline_day) == (70, -3)
    assert (cycle.best, cycle.best_day) == (40, 21)
    assert cycle.response_points == 30
    assert cycle.response_pct == 30 / 70 * 100
    # threshold 55: 70 + (55 - 45) / (60 - 45) x 28 = 88.67 -> 89
    assert cycle.wear_off_day_exact == pytest.approx(70 + 10 / 15 * 28)
    assert cycle.wear_off_day == 89


def test_crossing_between_best_and_next_saq():
    # baseline 60, best 30 on day 14 -> threshold 45; next SAQ 50 on day 44
    cycle = one_cycle([(d(-1), 60), (d(14), 30), (d(44), 50)])
    assert cycle.wear_off_day_exact == 14 + (45 - 30) / (50 - 30) * 30  # 36.5
    assert cycle.wear_off_day == 37  # halves round up


def test_exact_half_day_rounds_up():
    # threshold 55, crossing half way between day 70 (50) and day 71 (60)
    cycle = one_cycle([(d(0), 70), (d(21), 40), (d(70), 50), (d(71), 60)])
    assert cycle.wear_off_day_exact == 70.5
    assert cycle.wear_off_day == 71
    assert round_half_up(70.5) == 71 and round_half_up(88.4) == 88


def test_saq_equal_to_threshold_counts_as_regained():
    cycle = one_cycle([(d(0), 70), (d(21), 40), (d(60), 50), (d(90), 55)])
    assert cycle.wear_off_day == 90


def test_a_dip_after_the_best_window_does_not_reset_the_search():
    # 50 on day 80 is below threshold 55, so the first crossing pair is (80, 50)-(100, 65)
    saqs = [(d(0), 70), (d(21), 40), (d(70), 54), (d(80), 50), (d(100), 65)]
    cycle = one_cycle(saqs, today=110)
    assert cycle.wear_off_day_exact == 80 + (55 - 50) / (65 - 50) * 20
    assert cycle.wear_off_day == 87  # 86.67


def test_no_wear_off_when_not_regained_before_the_cycle_ends():
    saqs = [(d(-2), 70), (d(21), 40), (d(70), 50), (d(95), 65)]
    report = analyse([visit(0), visit(90)], saqs, [], today=d(100))
    first = report.cycles[0]
    assert (first.best, first.response_points) == (40, 30)
    assert first.wear_off_day is None  # 65 on day 95 is after the next injection (day 90)


def test_saq_on_next_injection_day_ends_one_cycle_and_is_baseline_of_the_next():
    saqs = [(d(-2), 70), (d(21), 40), (d(90), 64), (d(111), 30)]
    report = analyse([visit(0), visit(90)], saqs, [], today=d(120))
    first, second = report.cycles
    assert first.ends_on == d(90)
    assert first.wear_off_day_exact == 21 + (55 - 40) / (64 - 40) * 69  # 64.125
    assert first.wear_off_day == 64
    assert (second.baseline, second.baseline_day) == (64, 0)
    assert (second.best, second.best_day, second.response_points) == (30, 21, 34)


def test_no_wear_off_when_response_is_zero_or_worse():
    same = one_cycle([(d(-1), 50), (d(14), 50), (d(60), 80)])
    assert (same.response_points, same.response_pct, same.wear_off_day) == (0, 0.0, None)
    worse = one_cycle([(d(-1), 50), (d(14), 60), (d(60), 80)])
    assert (worse.response_points, worse.response_pct) == (-10, -20.0)
    assert worse.wear_off_day is None


# --- SAQ: baseline ---------------------------------------------------------------------


def test_no_baseline():
    cycle = one_cycle([(d(-31), 70), (d(21), 40), (d(90), 60)])
    assert cycle.baseline is None and cycle.baseline_day is None
    assert (cycle.best, cycle.best_day) == (40, 21)
    assert cycle.response_points is None and cycle.response_pct is None
    assert cycle.wear_off_day is None


def test_baseline_window_starts_30_days_before():
    cycle = one_cycle([(d(-31), 90), (d(-30), 70), (d(21), 40)])
    assert (cycle.baseline, cycle.baseline_day) == (70, -30)


def test_saq_on_injection_day_is_the_baseline():
    cycle = one_cycle([(d(-5), 80), (d(0), 66), (d(21), 40)])
    assert (cycle.baseline, cycle.baseline_day) == (66, 0)
    assert cycle.response_points == 26


def test_single_saq_after_injection():
    cycle = one_cycle([(d(10), 50)])
    assert (cycle.baseline, cycle.best, cycle.best_day) == (None, 50, 10)
    assert cycle.wear_off_day is None


def test_single_saq_before_injection():
    cycle = one_cycle([(d(-2), 50)])
    assert (cycle.baseline, cycle.best, cycle.response_points) == (50, None, None)


def test_no_saqs_at_all():
    cycle = one_cycle([])
    assert (cycle.baseline, cycle.best, cycle.wear_off_day) == (None, None, None)


# --- SAQ: best -------------------------------------------------------------------------------


def test_ties_for_best_take_the_earliest():
    cycle = one_cycle([(d(-1), 70), (d(30), 40), (d(14), 40), (d(45), 41)])
    assert (cycle.best, cycle.best_day) == (40, 14)


def test_best_window_includes_day_7_and_day_60_only():
    inside = one_cycle([(d(-1), 70), (d(6), 20), (d(7), 35), (d(60), 36), (d(61), 21)])
    assert (inside.best, inside.best_day) == (35, 7)
    last_day = one_cycle([(d(-1), 70), (d(7), 45), (d(60), 36), (d(61), 21)])
    assert (last_day.best, last_day.best_day) == (36, 60)


def test_best_only_within_the_cycle():
    saqs = [(d(-1), 70), (d(20), 50), (d(50), 30)]
    report = analyse([visit(0), visit(40)], saqs, [], today=d(60))
    first, second = report.cycles
    assert (first.best, first.best_day) == (50, 20)  # day 50 belongs to cycle 2
    assert (second.best, second.best_day) == (30, 10)
    assert (second.baseline, second.baseline_day) == (50, -20)


def test_gaps_in_data():
    # nothing between day 14 and day 130: the crossing is interpolated across the gap
    saqs = [(d(-20), 80), (d(14), 40), (d(130), 70)]
    cycle = one_cycle(saqs, today=140)
    assert (cycle.baseline_day, cycle.best_day, cycle.response_points) == (-20, 14, 40)
    assert cycle.wear_off_day_exact == 14 + (60 - 40) / (70 - 40) * 116  # 91.33
    assert cycle.wear_off_day == 91


def test_several_saqs_on_one_day_are_averaged():
    assert daily_values([(d(1), 40), (d(0), 70), (d(1), 50)]) == [(d(0), 70), (d(1), 45)]
    cycle = one_cycle([(d(0), 70), (d(14), 40), (d(14), 50)])
    assert cycle.best == 45


# --- visits --------------------------------------------------------------------------------------


def test_two_visits_on_one_day_are_refused():
    with pytest.raises(ValueError, match="Two injection visits on 2026-03-06"):
        analyse([visit(0), visit(60), visit(60, product=INCO)], [], [], today=d(70))


def test_visits_may_come_unsorted_and_as_plain_tuples():
    visits = [(d(90), INCO, [("mentalis", "left", 2)]), visit(0)]
    report = analyse(visits, [], [], today=d(100))
    assert [c.injected_on for c in report.cycles] == [d(0), d(90)]
    assert [c.index for c in report.cycles] == [1, 2]
    assert [c.ends_on for c in report.cycles] == [d(90), None]
    assert [c.length_days for c in report.cycles] == [90, None]
    assert report.cycles[1].product == INCO


def test_today_before_the_latest_injection_is_refused():
    with pytest.raises(CycleDataError, match="before the latest injection"):
        analyse([visit(10)], [], [], today=d(9))


def test_visit_without_product_or_with_negative_units_is_refused():
    with pytest.raises(CycleDataError, match="no product"):
        InjectionVisit(on=d(0), product=" ", sites=())
    with pytest.raises(CycleDataError, match="units"):
        InjectionVisit(on=d(0), product=ONA, sites=[("mentalis", "left", -1)])


def test_saq_score_out_of_range_is_refused():
    with pytest.raises(CycleDataError, match="SAQ score on 2026-01-05"):
        analyse([visit(0)], [(d(0), 101)], [], today=d(1))


def test_no_visits():
    report = analyse([], [(d(0), 50)], [(d(0), 5), (d(1), 5), (d(2), 8)], today=d(5))
    assert report.cycles == [] and report.current is None
    assert report.saq_by_day == [(d(0), 50)]
    assert report.rating_trend == [(d(2), 6.0)]


# --- doses -------------------------------------------------------------------------------------


def test_doses_per_product_muscle_and_side_are_kept_apart():
    first = visit(
        0,
        sites=[
            ("orbicularis oculi", "left", 2.5),
            ("orbicularis oculi", "left", 2.5),
            ("orbicularis oculi", "right", 1),
            ("mentalis", "left", 2),
        ],
    )
    second = visit(100, product=INCO, sites=[("orbicularis oculi", "left", 6)])
    report = analyse([first, second], [], [], today=d(110))
    assert report.cycles[0].doses == {
        (ONA, "orbicularis oculi", "left"): 5.0,
        (ONA, "orbicularis oculi", "right"): 1,
        (ONA, "mentalis", "left"): 2,
    }
    assert report.cycles[1].doses == {(INCO, "orbicularis oculi", "left"): 6}


# --- phases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (0, Phase.ONSET),
        (3, Phase.ONSET),
        (4, Phase.BUILDING),
        (14, Phase.BUILDING),
        (15, Phase.FULL_EFFECT),
        (60, Phase.FULL_EFFECT),
        (61, Phase.WEARING_OFF),
        (120, Phase.WEARING_OFF),
        (121, Phase.BEYOND),
        (400, Phase.BEYOND),
    ],
)
def test_phase_at_each_boundary_day(day, phase):
    assert DEFAULT_PHASES.phase(day) is phase
    report = analyse([visit(0)], [], [], today=d(day))
    assert report.current.days_since_injection == day
    assert report.current.phase is phase


def test_phase_before_injection_day_is_refused():
    with pytest.raises(ValueError, match="day 0"):
        DEFAULT_PHASES.phase(-1)


def test_custom_phases():
    phases = Phases(
        onset_last_day=2, building_last_day=10, full_effect_last_day=90, wearing_off_last_day=150
    )
    assert [phases.phase(n) for n in (2, 3, 10, 11, 90, 91, 150, 151)] == [
        Phase.ONSET,
        Phase.BUILDING,
        Phase.BUILDING,
        Phase.FULL_EFFECT,
        Phase.FULL_EFFECT,
        Phase.WEARING_OFF,
        Phase.WEARING_OFF,
        Phase.BEYOND,
    ]
    report = analyse([visit(0)], [], [], today=d(75), phases=phases)
    assert report.current.phase is Phase.FULL_EFFECT


def test_phase_boundaries_must_increase():
    with pytest.raises(ValueError, match="strictly increase"):
        Phases(onset_last_day=5, building_last_day=5)


def test_phase_labels_are_plain_words():
    assert Phase.WEARING_OFF.label == "Wearing off"
    assert str(Phase.FULL_EFFECT) == "full_effect"


# --- the open cycle and its projection ------------------------------------------------------------


def test_open_cycle_with_no_earlier_cycle():
    report = analyse([visit(0)], [(d(-1), 70), (d(21), 40)], [], today=d(30))
    current = report.current
    assert (current.index, current.injected_on, current.days_since_injection) == (1, d(0), 30)
    assert current.phase is Phase.FULL_EFFECT
    assert current.projection.on is None and current.projection.day is None
    assert current.projection.reason.startswith("This is the first recorded cycle")
    assert current.projection.based_on == ()


def test_open_cycle_with_one_earlier_wear_off():
    saqs = [(d(-1), 70), (d(21), 40), (d(70), 45), (d(98), 60)]  # cycle 1 wears off on day 89
    report = analyse([visit(0), visit(100)], saqs, [], today=d(110))
    assert report.cycles[0].wear_off_day == 89
    current = report.current
    assert (current.index, current.days_since_injection, current.phase) == (2, 10, Phase.BUILDING)
    assert current.projection.on is None
    assert current.projection.reason.startswith(
        "Only 1 earlier cycle has a measured wear-off day; a projection needs at least 2."
    )
    assert current.projection.based_on == (pytest.approx(70 + 10 / 15 * 28),)


def test_open_cycle_after_one_cycle_without_measured_wear_off():
    report = analyse([visit(0), visit(100)], [(d(21), 40)], [], today=d(110))
    assert report.current.projection.reason.startswith(
        "The earlier cycle has no measured wear-off day yet; a projection needs at least 2."
    )


def test_open_cycle_with_earlier_cycles_but_no_measured_wear_off():
    report = analyse([visit(0), visit(100), visit(200)], [], [], today=d(210))
    assert report.current.projection.reason.startswith(
        "None of the 2 earlier cycles has a measured wear-off day yet; "
        "a projection needs at least 2."
    )


def test_open_cycle_with_two_earlier_wear_offs_uses_the_median():
    saqs = [
        # cycle 1 (day 0): wear-off 70 + (55 - 45) / 15 x 28 = 88.67 -> 89
        (d(-1), 70), (d(21), 40), (d(70), 45), (d(98), 60),
        # cycle 2 (day 100): baseline 60 on day 0 (the SAQ of day 100), best 30 on
        # day 14 -> threshold 45; 40 on day 80, 50 on day 120 -> 80 + 5/10 x 40 = 100
        (d(100), 60), (d(114), 30), (d(180), 40), (d(220), 50),
    ]  # fmt: skip
    report = analyse([visit(0), visit(100), visit(230)], saqs, [], today=d(240))
    assert [c.wear_off_day for c in report.cycles] == [89, 100, None]
    projection = report.current.projection
    assert projection.rounded_days == (89, 100)
    # The median of the exact days (88.67 and 100) is 94.33: day 94. The median of the
    # rounded days would have been 94.5, shown as 95.
    assert projection.day == 94
    assert projection.on == d(230 + 94)
    assert projection.reason is None


def test_open_cycle_with_three_earlier_wear_offs():
    saqs = [
        (d(-1), 70), (d(21), 40), (d(70), 45), (d(98), 60),  # 89
        (d(100), 60), (d(114), 30), (d(180), 40), (d(220), 50),  # 100
        (d(230), 70), (d(251), 40), (d(300), 50), (d(301), 60),  # 70.5 -> 71
    ]  # fmt: skip
    report = analyse([visit(0), visit(100), visit(230), visit(400)], saqs, [], today=d(401))
    assert report.current.projection.rounded_days == (89, 100, 71)
    assert report.current.projection.day == 89  # median 88.67
    assert report.current.projection.on == d(489)


# --- daily synkinesis rating: the 7-day trailing mean -------------------------------------------


def test_trailing_mean_needs_three_ratings_in_seven_days():
    ratings = [(d(1), 3), (d(2), 5), (d(3), 4), (d(9), 6), (d(10), 2), (d(10), 4)]
    assert trailing_mean(ratings) == [
        (d(3), 4.0),  # 3, 5, 4
        # day 9: window days 3..9 holds 4 and 6 only -> no value
        (d(10), 4.0),  # window days 4..10: 6, 2, 4
    ]


def test_trailing_mean_counts_each_rating_on_a_day():
    assert trailing_mean([(d(0), 2), (d(0), 4), (d(0), 9)]) == [(d(0), 5.0)]


def test_trailing_mean_window_is_seven_calendar_days():
    ratings = [(d(0), 1), (d(1), 1), (d(6), 7), (d(7), 7)]
    # day 6: days 0..6 -> 1, 1, 7 = 3.0; day 7: days 1..7 -> 1, 7, 7 = 5.0
    assert trailing_mean(ratings) == [(d(6), 3.0), (d(7), 5.0)]


def test_rating_out_of_range_is_refused():
    with pytest.raises(ValueError, match="outside 0-10"):
        trailing_mean([(d(0), 11)])


def rating_cycle_ratings():
    """8 every day before the injection, 2 from day 1 to 40, then 9 from day 41 on."""
    ratings = [(d(n), 8) for n in range(-10, 1)]
    ratings += [(d(n), 2) for n in range(1, 41)]
    ratings += [(d(n), 9) for n in range(41, 50)]
    return ratings


def test_rating_cycle_measures():
    cycle = one_cycle([], ratings=rating_cycle_ratings(), today=60)
    assert (cycle.rating_baseline, cycle.rating_baseline_day) == (8.0, 0)
    assert (cycle.rating_best, cycle.rating_best_day) == (2.0, 7)  # first day of all-2 windows
    assert cycle.rating_response_points == 6.0
    assert cycle.rating_response_pct == 75.0
    # threshold 5: day 42 -> (5 x 2 + 2 x 9) / 7 = 4, day 43 -> (4 x 2 + 3 x 9) / 7 = 5
    assert cycle.rating_wear_off_day_exact == 43.0
    assert cycle.rating_wear_off_day == 43
    # never mixed with the SAQ: there are no SAQs, so the SAQ figures stay empty
    assert (cycle.baseline, cycle.best, cycle.wear_off_day) == (None, None, None)


def test_saq_and_rating_are_measured_separately():
    saqs = [(d(-3), 70), (d(21), 40), (d(70), 45), (d(98), 60)]
    cycle = one_cycle(saqs, ratings=rating_cycle_ratings())
    assert (cycle.wear_off_day, cycle.rating_wear_off_day) == (89, 43)
    assert (cycle.baseline, cycle.rating_baseline) == (70, 8.0)


def test_ratings_before_the_first_injection_are_kept_for_the_trend_only():
    early = [(d(n), 8) for n in range(-60, -49)]  # days -60..-50
    later = [(d(n), 3) for n in range(7, 12)]
    report = analyse([visit(0)], [], early + later, today=d(20))
    trend_days = [on for on, _ in report.rating_trend]
    assert trend_days[0] == d(-58)  # third rating; kept for the trend
    assert d(-50) in trend_days
    cycle = report.cycles[0]
    assert cycle.rating_baseline is None  # more than 30 days before the injection
    assert (cycle.rating_best, cycle.rating_best_day) == (3.0, 9)
    assert cycle.rating_response_points is None


def test_cycle_with_no_ratings():
    ratings = [(d(n), 4) for n in range(-5, 1)]  # only before the first injection
    report = analyse([visit(0), visit(100)], [(d(-1), 70), (d(21), 40)], ratings, today=d(110))
    first, second = report.cycles
    assert first.rating_baseline == 4.0
    assert first.rating_best is None and first.rating_wear_off_day is None
    assert (first.baseline, first.best) == (70, 40)
    assert (second.rating_baseline, second.rating_best, second.rating_response_pct) == (
        None,
        None,
        None,
    )


def test_response_pct_is_empty_when_the_baseline_is_zero():
    trend = [(d(0), 0.0), (d(10), 0.0)]
    measure = measure_cycle(trend, d(0), None)
    assert (measure.response_points, measure.response_pct, measure.wear_off_day) == (
        0.0,
        None,
        None,
    )


# --- adherence per cycle -----------------------------------------------------------------------


def test_adherence_from_a_mapping():
    report = analyse(
        [visit(0), visit(90), visit(180)],
        [],
        [],
        today=d(200),
        adherence_by_cycle={1: (63, 84), 2: (10, 0)},
    )
    first, second, third = report.cycles
    assert (first.sessions_done, first.sessions_prescribed, first.adherence) == (63, 84, 75.0)
    assert (second.sessions_prescribed, second.adherence) == (0, None)  # nothing prescribed
    assert (third.sessions_done, third.adherence) == (None, None)  # not given


def test_adherence_from_a_callable_gets_the_cycle_dates():
    calls = []

    def counts(index, injected_on, ends_on):
        calls.append((index, injected_on, ends_on))
        return (30, 20) if index == 2 else None

    report = analyse([visit(0), visit(90)], [], [], today=d(100), adherence_by_cycle=counts)
    assert calls == [(1, d(0), d(90)), (2, d(90), None)]
    assert report.cycles[0].adherence is None
    assert report.cycles[1].adherence == 100.0  # capped, as in adherence.py


def test_adherence_from_an_adherence_window():
    window = SimpleNamespace(credited=15, prescribed=21.428571428571427, sessions=18)
    cycle = one_cycle([], adherence_by_cycle={1: window})
    assert (cycle.sessions_done, cycle.sessions_prescribed) == (15, 21.428571428571427)
    assert cycle.adherence == pytest.approx(70.0)


def test_negative_session_counts_are_refused():
    with pytest.raises(CycleDataError, match="Cycle 1: session counts cannot be negative"):
        one_cycle([], adherence_by_cycle={1: (-1, 10)})


def test_no_adherence_source():
    cycle = one_cycle([])
    assert (cycle.sessions_done, cycle.sessions_prescribed, cycle.adherence) == (None, None, None)


# --- overlay chart -----------------------------------------------------------------------------


def test_overlay_series_uses_days_since_each_injection():
    saqs = [(d(-40), 90), (d(-5), 70), (d(21), 40), (d(70), 50), (d(90), 64)]
    saqs += [(d(111), 30), (d(111), 34)]
    report = analyse([visit(0), visit(90)], saqs, [], today=d(130))
    first, second = overlay_series(report, saqs)
    assert (first.cycle_index, first.injected_on) == (1, d(0))
    assert first.points == [(-5, 70), (21, 40), (70, 50), (90, 64)]  # day -40: before the window
    assert (second.cycle_index, second.injected_on) == (2, d(90))
    # day 70 of cycle 1 is day -20 of cycle 2; the open cycle has no end; same day averaged
    assert second.points == [(-20, 50), (0, 64), (21, 32)]


def test_overlay_series_of_the_rating_trend():
    ratings = [(d(n), 2) for n in range(-2, 3)]
    report = analyse([visit(0)], [], ratings, today=d(5))
    (series,) = overlay_series(report, report.rating_trend)
    assert series.points == [(0, 2.0), (1, 2.0), (2, 2.0)]
