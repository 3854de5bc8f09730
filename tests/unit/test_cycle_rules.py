"""Issue 13's cycle rules on hand-made data with exact answers (docs/progress.md):
top-ups, a baseline taken while an injection worked, meaningful change and the floor,
the projection from exact wear-off days with its spread, and "due for review"."""

from datetime import date, timedelta

import pytest

from retrain.progress.change import Change, classify
from retrain.progress.cycles import (
    NEW_CYCLE,
    TOP_UP,
    CycleDataError,
    InjectionVisit,
    analyse,
    cycle_start_before,
    group_cycles,
    suggested_kind,
)
from retrain.progress.projection import project_wear_off
from retrain.progress.review import Due, clinical_status_of
from retrain.progress.rules import ClinicRules

D0 = date(2026, 1, 5)
ONA = "onabotulinumtoxinA"
ABO = "abobotulinumtoxinA"
RULES = ClinicRules()
SAQ_FLOOR = 20.0


def d(n: int) -> date:
    return D0 + timedelta(days=n)


def visit(n, kind=NEW_CYCLE, product=ONA, sites=(("orbicularis oculi", "left", 5),)):
    return InjectionVisit(on=d(n), product=product, sites=sites, kind=kind)


# --- the reference series of issue 13 --------------------------------------------------------

# SAQ 70 on day -2, 55 on day 10, 50 on day 18; a visit on day 20; 40 on day 34, 60 on day 100.
REFERENCE_SAQS = [(d(-2), 70), (d(10), 55), (d(18), 50), (d(34), 40), (d(100), 60)]
MENTALIS = (("mentalis", "left", 2),)


def test_reference_series_as_a_top_up_measures_from_the_real_baseline():
    report = analyse([visit(0), visit(20, TOP_UP, sites=MENTALIS)], REFERENCE_SAQS, [], d(110))
    assert len(report.cycles) == 1
    cycle = report.cycles[0]
    assert (cycle.baseline, cycle.baseline_day) == (70, -2)
    assert (cycle.best, cycle.best_day) == (40, 34)  # day 34 counted from the first visit
    assert cycle.response_points == 30
    # threshold 40 + 30 / 2 = 55: between day 34 (40) and day 100 (60):
    # 34 + (55 - 40) / (60 - 40) x 66 = 83.5 -> day 84 (63.5 days after the top-up)
    assert cycle.wear_off_day_exact == 83.5
    assert cycle.wear_off_day == 84
    assert cycle.baseline_while_working is False
    assert cycle.doses == {(ONA, "orbicularis oculi", "left"): 5, (ONA, "mentalis", "left"): 2}
    assert cycle.first_doses == {(ONA, "orbicularis oculi", "left"): 5}
    [top_up] = cycle.top_ups
    assert (top_up.on, top_up.day, top_up.doses) == (d(20), 20, {(ONA, "mentalis", "left"): 2})
    assert report.current.days_since_injection == 110  # the day count stays from day 0
    assert report.current.last_visit_on == d(20)


def test_reference_series_as_a_new_cycle_gives_the_misleading_figures():
    """What the review showed before top-ups: half the response, wear-off 33 days early."""
    report = analyse([visit(0), visit(20, sites=MENTALIS)], REFERENCE_SAQS, [], d(110))
    first, second = report.cycles
    assert (first.baseline, first.best, first.response_points) == (70, 50, 20)
    assert first.wear_off_day is None
    assert (second.baseline, second.baseline_day) == (50, -2)  # the SAQ of day 18
    assert second.baseline_while_working is True  # day 18 of cycle 1: the toxin was working
    assert (second.best, second.best_day, second.response_points) == (40, 14, 10)
    assert second.wear_off_day_exact == 30.5  # 14 + (45 - 40) / (60 - 40) x 66
    assert second.wear_off_day == 31
    # 20 + 30.5 = day 50.5 of the first visit, against 83.5 as a top-up: 33 days early.
    assert 83.5 - (20 + second.wear_off_day_exact) == 33


def test_the_early_wear_off_pulls_the_next_projection_forward():
    # Two earlier cycles: the reference one (83.5 as a top-up, 30.5 as a new cycle) and
    # one that wore off on day 90.
    assert project_wear_off(d(300), [83.5, 90.0]).day == 87  # median 86.75
    assert project_wear_off(d(300), [None, 30.5, 90.0]).day == 60  # median 60.25


# --- which visits are top-ups ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind"), [(1, TOP_UP), (20, TOP_UP), (28, TOP_UP), (29, NEW_CYCLE), (120, NEW_CYCLE)]
)
def test_a_visit_within_28_days_of_the_cycles_first_visit_is_proposed_as_a_top_up(day, kind):
    assert suggested_kind([visit(0)], d(day), 28) == kind


def test_the_window_counts_from_the_cycles_first_visit_not_from_a_top_up():
    earlier = [visit(0), visit(10, TOP_UP)]
    assert suggested_kind(earlier, d(30), 28) == NEW_CYCLE  # 30 days after day 0
    assert suggested_kind(earlier, d(25), 28) == TOP_UP


def test_the_first_visit_is_a_new_cycle_and_the_window_is_the_clinics():
    assert suggested_kind([], d(0), 28) == NEW_CYCLE
    assert suggested_kind([visit(0)], d(20), 14) == NEW_CYCLE
    assert suggested_kind([visit(0), visit(100)], d(50), 28) == NEW_CYCLE  # after day 0 only


def test_a_top_up_joins_the_latest_new_cycle_and_a_lone_top_up_starts_one():
    groups = group_cycles([visit(40, TOP_UP), visit(0, TOP_UP), visit(100), visit(110, TOP_UP)])
    assert [[v.on for v in group] for group in groups] == [[d(0), d(40)], [d(100), d(110)]]
    assert cycle_start_before([visit(0), visit(10, TOP_UP), visit(100)], d(90)) == d(0)
    assert cycle_start_before([visit(0), visit(100)], d(100)) == d(0)
    assert cycle_start_before([], d(5)) is None


def test_a_cycles_doses_add_up_per_product_and_never_across_products():
    report = analyse(
        [
            visit(0, sites=(("mentalis", "left", 2),)),
            visit(14, TOP_UP, sites=(("mentalis", "left", 1.5),)),
            visit(21, TOP_UP, product=ABO, sites=(("mentalis", "left", 5),)),
        ],
        [],
        [],
        d(30),
    )
    assert report.cycles[0].doses == {(ONA, "mentalis", "left"): 3.5, (ABO, "mentalis", "left"): 5}
    assert report.cycles[0].product == ONA


def test_an_unknown_visit_kind_is_refused():
    with pytest.raises(CycleDataError, match="unknown kind"):
        InjectionVisit(on=d(0), product=ONA, kind="booster")


# --- a baseline taken while the previous injection was working ---------------------------------


@pytest.mark.parametrize(("day", "flagged"), [(3, False), (4, True), (60, True), (61, False)])
def test_a_baseline_on_days_4_to_60_of_an_earlier_cycle_is_flagged(day, flagged):
    report = analyse([visit(0), visit(day + 1)], [(d(day), 50)], [], d(day + 2))
    assert report.cycles[1].baseline_day == -1
    assert report.cycles[1].baseline_while_working is flagged


def test_a_first_cycles_baseline_is_never_flagged():
    report = analyse([visit(0)], [(d(-1), 50)], [], d(5))
    assert report.cycles[0].baseline_while_working is False


# --- meaningful change (SAQ MDC95 about 13 points) and the floor --------------------------------


@pytest.mark.parametrize(
    ("baseline", "value", "expected"),
    [
        (70, 57, Change.BETTER),  # 13 points lower: the minimum important change
        (70, 57.5, Change.NOISE),  # 12.5
        (70, 70, Change.NOISE),
        (70, 82, Change.NOISE),  # 12 points worse
        (70, 83, Change.WORSE),
        (24 / 45 * 100, 18 / 45 * 100, Change.BETTER),  # 53.33 -> 40.00: 13.33 points
        (24 / 45 * 100, 19 / 45 * 100, Change.NOISE),  # 53.33 -> 42.22: 11.11 points
        (20, 20, Change.AT_FLOOR),  # every answer "seldom": nothing left to improve
        (20, 30, Change.AT_FLOOR),  # 10 points worse: noise, still at the floor
        (20, 40, Change.WORSE),
    ],
)
def test_changes_smaller_than_13_points_are_within_measurement_noise(baseline, value, expected):
    assert classify(baseline, value, min_change=13, floor=SAQ_FLOOR) is expected


def test_the_minimum_important_change_is_the_clinics():
    assert classify(70, 60, min_change=10, floor=SAQ_FLOOR) is Change.BETTER
    assert classify(70, 60, min_change=13, floor=SAQ_FLOOR) is Change.NOISE
    assert classify(70, 70, min_change=0, floor=SAQ_FLOOR) is Change.NOISE
    assert classify(40, 60, min_change=13, floor=100, lower_is_better=False) is Change.BETTER


def test_labels_say_noise_and_floor_in_words():
    assert Change.NOISE.label == "within measurement noise"
    assert Change.AT_FLOOR.label == "baseline at the floor of the scale: no room to improve"


# --- the projection: median of the exact days, with its spread -----------------------------------


def test_the_median_is_taken_of_the_exact_days():
    projection = project_wear_off(d(0), [80.2, 80.5])
    assert projection.day == 80  # median 80.35; rounded days (80, 81) would give 81
    assert projection.on == d(80)


def test_the_projection_carries_its_spread_and_the_number_of_cycles():
    projection = project_wear_off(d(0), [70.4, None, 100.6, 88.0])
    assert projection.day == 88
    assert (projection.earliest_day, projection.latest_day) == (70, 101)
    assert projection.cycle_count == 3
    assert projection.uncertain is True  # 30.2 days apart, more than 28


@pytest.mark.parametrize(("days", "uncertain"), [((80, 108), False), ((80, 108.5), True)])
def test_a_spread_of_more_than_the_set_days_is_uncertain(days, uncertain):
    assert project_wear_off(d(0), days, uncertain_days=28).uncertain is uncertain


def test_no_projection_has_no_spread():
    projection = project_wear_off(d(0), [90.0])
    assert projection.day is None and projection.earliest_day is None
    assert projection.uncertain is False


# --- due for review ------------------------------------------------------------------------------


def status(visits, saqs, today):
    return clinical_status_of(visits, saqs, d(today), RULES, SAQ_FLOOR)


def test_no_injection_means_nothing_to_review():
    assert status([], [(d(0), 50)], 10).due is Due.NO_INJECTION


@pytest.mark.parametrize(("today", "due"), [(21, False), (22, True)])
def test_no_saq_since_the_injection_after_day_21_is_due(today, due):
    found = status([visit(0)], [(d(-1), 60), (d(0), 62)], today)
    assert (found.due is Due.DUE) is due
    assert found.reasons == ((f"No SAQ since the injection (day {today})",) if due else ())


def test_a_measured_wear_off_is_due():
    found = status([visit(0)], [(d(-1), 70), (d(21), 40), (d(70), 45), (d(98), 60)], 100)
    assert found.due is Due.DUE
    assert found.reasons == ("Wear-off measured on day 89",)
    assert (found.latest_saq, found.change_points, found.change) == (60, -10, Change.NOISE)


def test_a_projected_wear_off_within_14_days_is_due():
    saqs = [
        (d(-1), 70), (d(21), 40), (d(70), 45), (d(98), 60),  # wear-off 88.67
        (d(100), 60), (d(114), 30), (d(180), 40), (d(220), 50),  # wear-off 100
        (d(230), 72), (d(250), 40),  # the open cycle: 32 points better so far
    ]  # fmt: skip
    visits = [visit(0), visit(100), visit(230)]
    projected = d(230 + 94)  # median 94.33
    not_yet = status(visits, saqs, 230 + 94 - 15)
    assert (not_yet.due, not_yet.projection.on) == (Due.NOT_DUE, projected)
    assert (not_yet.change, not_yet.change_points) == (Change.BETTER, -32)
    soon = status(visits, saqs, 230 + 94 - 14)
    assert soon.reasons == ("Projected wear-off within 14 days",)
    assert status(visits, saqs, 230 + 95).reasons == ("Projected wear-off has passed",)


def test_the_status_counts_days_from_the_cycles_first_visit():
    found = status([visit(0), visit(20, TOP_UP)], [(d(-2), 70), (d(25), 66)], 30)
    assert (found.cycle_started_on, found.last_visit_on, found.days_since) == (d(0), d(20), 30)
    assert found.phase.value == "full_effect"
    assert (found.baseline, found.change) == (70, Change.NOISE)


def test_clinic_rules_are_checked():
    with pytest.raises(ValueError, match="top_up_days"):
        ClinicRules(top_up_days=-1)
    with pytest.raises(ValueError, match="min_important_change"):
        ClinicRules(min_important_change="13")
