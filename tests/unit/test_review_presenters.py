"""How the review words issue 13's figures, on hand-made records with known answers:
top-ups in a cycle's row and dose map, the noise and floor labels, a worse cycle, the
projection's spread, the first screen, the Sunnybrook, and where a paper SAQ came from."""

from datetime import UTC, date, timedelta

from retrain.presenters.clinical_status import projection_words, status_text
from retrain.presenters.progress_page import progress_page
from retrain.progress.change import Change
from retrain.progress.graded import load_graded
from retrain.progress.instruments import load_instrument
from retrain.progress.projection import project_wear_off
from retrain.progress.record import Grading, PatientRecord, SaqOrigin, Visit, analyse
from retrain.progress.review import ClinicalStatus, Due
from retrain.progress.rules import DEFAULT_RULES, ClinicRules

SAQ = load_instrument("saq")
SUNNYBROOK = load_graded("sunnybrook")
D0 = date(2026, 1, 5)
ONA, ABO = "onabotulinumtoxinA", "abobotulinumtoxinA"


def d(n: int) -> date:
    return D0 + timedelta(days=n)


def record(visits, saqs, today=110, **more) -> PatientRecord:
    values = {
        "patient_id": 42,
        "name": "Pat Palsy",
        "zone": UTC,
        "today": d(today),
        "joined_on": d(-60),
        "saq_interval_days": None,
        "visits": tuple(visits),
        "saqs": tuple(saqs),
        "requests": (),
        "session_days": (),
        "ratings": (),
        "versions": (),
    }
    return PatientRecord(**(values | more))


def page(rec, rules=DEFAULT_RULES):
    return progress_page(rec, analyse(rec, rules), SAQ, grading=SUNNYBROOK)


REFERENCE = [(d(-2), 70.0), (d(10), 55.0), (d(18), 50.0), (d(34), 40.0), (d(100), 60.0)]
FIRST = Visit(1, d(0), ONA, (("orbicularis oculi", "left", 5.0), ("mentalis", "left", 2.0)))
TOP_UP = Visit(2, d(20), ONA, (("mentalis", "left", 1.0), ("platysma", "right", 4.0)), "top_up")


def test_a_top_up_is_shown_in_its_cycle_with_the_dose_map_first_visit_plus_top_up():
    p = page(record([FIRST, TOP_UP], REFERENCE))
    [row] = p.cycles
    assert (row.visit_id, row.saq.baseline.text, row.saq.best.text) == (
        1,
        "70.0 (day -2)",
        "40.0 (day 34)",
    )
    assert row.saq.response.text == "30.0 (43 %)"
    assert row.saq.wear_off.text == "day 84 (30 Mar 2026)"
    assert [(t.visit_id, t.text) for t in row.top_ups] == [(2, "Top-up 25 Jan 2026 (day 20)")]
    [group] = row.doses
    assert group.total_text == "12"
    assert [(r.muscle, r.left, r.right) for r in group.rows] == [
        ("orbicularis oculi", "5", ""),
        ("mentalis", "2 + 1", ""),
        ("platysma", "", "+ 4"),
    ]
    assert "numbered by cycle" in p.saq_chart.svg and "1+: 25 January 2026" in p.saq_chart.svg


def test_products_keep_their_own_groups_in_a_cycle():
    abo = Visit(2, d(14), ABO, (("mentalis", "left", 10.0),), "top_up")
    [row] = page(record([FIRST, abo], [])).cycles
    assert [(g.product, g.total_text) for g in row.doses] == [(ONA, "7"), (ABO, "10")]
    assert [(r.muscle, r.left) for r in row.doses[1].rows] == [("mentalis", "+ 10")]


def test_a_baseline_taken_while_the_previous_injection_worked_says_so():
    second = Visit(2, d(20), ONA, TOP_UP.sites)  # recorded as a new cycle
    p = page(record([FIRST, second], REFERENCE))
    assert p.cycles[1].saq.baseline.text == (
        "50.0 (day -2): taken while the previous injection was working"
    )
    assert p.cycles[1].saq.response.text == "10.0 (20 %): within measurement noise"
    assert p.cycles[1].change is Change.NOISE and not p.cycles[1].worse


def test_a_cycle_that_got_worse_is_marked_and_a_floor_baseline_says_so():
    visits = [Visit(1, d(0), ONA, ()), Visit(2, d(100), ONA, ())]
    saqs = [(d(0), 40.0), (d(21), 60.0), (d(100), 20.0), (d(121), 20.0)]
    worse, floor = page(record(visits, saqs, today=130)).cycles
    assert worse.worse and worse.change is Change.WORSE
    assert worse.saq.response.text == "-20.0 (-50 %): worse, beyond measurement noise"
    assert floor.change is Change.AT_FLOOR and not floor.worse
    assert floor.saq.response.text.endswith(
        ": baseline at the floor of the scale: no room to improve"
    )
    assert floor.saq.wear_off.reason == (
        "The baseline was at the floor of the scale: no room to improve."
    )


def test_the_minimum_important_change_is_the_clinics():
    second = Visit(2, d(20), ONA, TOP_UP.sites)
    p = page(record([FIRST, second], REFERENCE), ClinicRules(min_important_change=10))
    assert p.cycles[1].saq.response.text == "10.0 (20 %)"


PROJECTED = [
    (d(-1), 70.0), (d(21), 40.0), (d(70), 45.0), (d(98), 60.0),  # wear-off 88.67
    (d(100), 60.0), (d(114), 30.0), (d(180), 40.0), (d(220), 50.0),  # wear-off 100
    (d(230), 72.0), (d(250), 40.0),  # the open cycle, day 20: 32 points better
]  # fmt: skip
THREE = [Visit(1, d(0), ONA, ()), Visit(2, d(100), ONA, ()), Visit(3, d(230), ONA, ())]


def test_the_projection_shows_its_spread_and_when_it_is_uncertain():
    p = page(record(THREE, PROJECTED, today=250))
    assert p.current.projection.text == "25 November 2026 (day 94)"
    assert p.current.projection_spread == (
        "From 2 earlier cycles, which wore off between day 89 and day 100."
    )
    assert p.current.projection_uncertain is None
    assert p.current.projection_note == (
        "The median of the exact wear-off days of the 2 earlier cycles that had one: 88.7, 100.0."
    )
    tight = page(record(THREE, PROJECTED, today=250), ClinicRules(uncertain_spread_days=10))
    assert tight.current.projection_uncertain == (
        "Uncertain: the earlier wear-off days lie more than 10 days apart."
    )


def test_an_uncertain_projection_never_says_its_rounded_days_are_within_the_setting():
    """Exact days 80.5 and 108.6 lie 28.1 days apart (uncertain with the default 28);
    their rounded days, 81 and 109, only 28: the words must not contradict the rule."""
    projection = project_wear_off(d(0), [80.5, 108.6])
    assert (projection.uncertain, projection.earliest_day, projection.latest_day) == (
        True,
        81,
        109,
    )
    _, spread, uncertain = projection_words(projection, ClinicRules())
    assert spread == "From 2 earlier cycles, which wore off between day 81 and day 109."
    assert uncertain == "Uncertain: the earlier wear-off days lie more than 28 days apart."


def test_the_first_screen_holds_what_decides_the_visit():
    p = page(record(THREE, PROJECTED, today=250))
    screen = p.first_screen
    assert (screen.due, screen.days_since, screen.phase_label) == (Due.NOT_DUE, 20, "Full effect")
    assert screen.injection.text == "23 August 2026 (cycle 3)"
    assert screen.latest_saq.text == (
        "40.0 on 12 September 2026: 32.0 points lower (better) than the baseline of 72.0"
    )
    assert screen.projection.text == "25 November 2026 (day 94)"
    assert p.last_response.text == "Cycle 2: 30.0 (50 %)"
    assert p.latest_vs_baseline == screen.latest_saq


def test_status_words_for_a_top_up_and_for_no_injection():
    status = ClinicalStatus(
        Due.DUE,
        ("No SAQ since the injection (day 30)",),
        cycle_index=1,
        cycle_started_on=d(0),
        last_visit_on=d(20),
        days_since=30,
    )
    words = status_text(status, ClinicRules())
    assert words.injection.text == "5 January 2026 (cycle 1), top-up 25 January 2026"
    assert (words.due_label, words.latest_saq.reason) == (
        "Due for review",
        "No SAQ has been answered yet.",
    )
    nothing = status_text(ClinicalStatus(Due.NO_INJECTION), ClinicRules())
    assert (nothing.due_label, nothing.injection.reason) == (
        "No injection yet",
        "No injection is recorded yet.",
    )


def test_sunnybrook_gradings_on_the_review_and_across_cycles():
    gradings = (
        Grading(d(-1), (1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0), 50.0),
        Grading(d(28), (0, 1, 0, 5, 4, 4, 3, 4, 2, 3, 2, 1, 2), 65.0),
        Grading(d(101), (9,), 70.0),  # graded with another file: its stored score
    )
    visits = [Visit(1, d(0), ONA, ()), Visit(2, d(100), ONA, ())]
    p = page(record(visits, [], today=110, gradings=gradings))
    sb = p.sunnybrook
    assert sb.name == "Sunnybrook"
    assert [(r.composite, r.cycle_index, r.cycle_day) for r in sb.rows] == [
        (50, None, None),
        (65, 1, 28),
        (70, 2, 1),
    ]
    assert sb.rows[1].subscores == {"resting": 5, "voluntary": 80, "synkinesis": 10}
    assert sb.latest.text == "70 on 16 April 2026"
    assert sb.by_cycle[1].text == "65 (2 Feb 2026, day 28)"
    assert 2 in sb.by_cycle and sb.missing.reason == "No Sunnybrook grading in this cycle."


def test_a_paper_saq_says_who_entered_it():
    origins = {
        d(-1): SaqOrigin("paper", "Dr Ada Injector", False),
        d(5): SaqOrigin("import", None, True),
    }
    rows = page(record([FIRST], [(d(-1), 60.0), (d(5), 55.0)], saq_origins=origins)).saqs
    assert [r.origin_text for r in rows] == [
        "Entered by Dr Ada Injector from paper",
        "Entered by a former colleague imported from an earlier record (total score only)",
    ]


def test_the_record_number_is_printed():
    assert page(record([FIRST], [])).record_number == "42"
