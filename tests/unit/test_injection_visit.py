"""Injection visits as the pages show them, and the high-dose thresholds, on hand-made values."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from retrain.models import MUSCLES
from retrain.presenters.injection_form import visit_form_page
from retrain.presenters.injection_visit import (
    describe_changes,
    high_dose_sentences,
    history,
    visit_content,
    visit_list,
    visit_page,
)
from retrain.progress import doses


def test_abobotulinum_thresholds_are_scaled():
    # 15 U at one site is high for onabotulinumtoxinA but usual for abobotulinumtoxinA.
    assert high_dose_sentences("onabotulinumtoxinA", [("platysma", "left", 15)])
    assert high_dose_sentences("abobotulinumtoxinA", [("platysma", "left", 15)]) == []
    assert high_dose_sentences("abobotulinumtoxinA", [("platysma", "left", 30)])
    # Per visit: 11 sites of 10 U = 110 U is above 100 U (ona) but not 250 U (abo).
    many = [(m, "left", 10) for m in MUSCLES[:11]]
    assert high_dose_sentences("onabotulinumtoxinA", many) == [
        "the visit total of 110 U is more than 100 U"
    ]
    assert high_dose_sentences("abobotulinumtoxinA", many) == []


def site(muscle, side, units):
    return SimpleNamespace(muscle=muscle, side=side, units=units)


def visit(**changes):
    values = {
        "id": 4,
        "patient_id": 9,
        "injected_on": date(2026, 3, 2),
        "product": "incobotulinumtoxinA",
        "kind": "new_cycle",
        "lot": None,
        "dilution": None,
        "note": "Small doses first.",
        "sites": [site("orbicularis oculi", "left", 4.0), site("platysma", "right", 6.0)],
        "created_at": datetime(2026, 3, 2, 10, tzinfo=UTC),
        "revisions": [],
    }
    return SimpleNamespace(**(values | changes))


def test_describe_changes_says_what_it_was_before():
    before = visit_content(
        date(2026, 3, 1), "onabotulinumtoxinA", "First map.", [("orbicularis oculi", "left", 5.0)]
    )
    after = visit_content(
        date(2026, 3, 2),
        "onabotulinumtoxinA",
        None,
        [("orbicularis oculi", "left", 7.5), ("mentalis", "right", 2.0)],
    )
    assert describe_changes(before, after) == [
        "Date was 1 March 2026, now 2 March 2026.",
        "Note was: First map.",
        "orbicularis oculi (left) was 5 U, now 7.5 U.",
        "mentalis (right) 2 U was added.",
    ]
    split = visit_content(
        date(2026, 3, 1),
        "onabotulinumtoxinA",
        "First map.",
        [("orbicularis oculi", "left", 2.5), ("orbicularis oculi", "left", 2.5)],
    )
    assert describe_changes(before, split) == [
        "The site rows were reordered or split; the units are the same."
    ]


def test_history_is_newest_first_against_what_came_next():
    first = visit_content(date(2026, 3, 1), "other", None, [("mentalis", "left", 1.0)])
    second = visit_content(date(2026, 3, 1), "other", None, [("mentalis", "left", 2.0)])
    revisions = [
        SimpleNamespace(
            id=2, changed_at=datetime(2026, 3, 3, tzinfo=UTC), changed_by=None, before=second
        ),
        SimpleNamespace(
            id=1,
            changed_at=datetime(2026, 3, 2, tzinfo=UTC),
            changed_by=SimpleNamespace(name="Dr Ada Clin"),
            before=first,
        ),
    ]
    current = visit_content(date(2026, 3, 1), "other", None, [("mentalis", "left", 3.0)])
    changes = history(revisions, current)
    assert [(c.changed_by, c.changes) for c in changes] == [
        ("A former colleague", ["mentalis (left) was 2 U, now 3 U."]),
        ("Dr Ada Clin", ["mentalis (left) was 1 U, now 2 U."]),
    ]
    assert history([], current) == []


def test_visit_page_has_the_map_totals_and_flags():
    page = visit_page(visit(sites=[site("platysma", "right", 12.0)]), "Pat Palsy", None, True)
    assert (page.total_text, page.product_label, page.can_edit) == (
        "12",
        "incobotulinumtoxinA (Xeomin)",
        True,
    )
    assert [(r.muscle, r.left, r.right) for r in page.by_muscle] == [("platysma", "", "12")]
    assert page.high_doses == ["platysma (right) 12 U is more than 10 U at one site"]
    assert "Units per muscle and side: platysma: right 12 U." in page.face
    assert page.face.startswith("<svg") and "Injection map, 2 March 2026" in page.face


def test_the_list_and_the_form_page():
    [row] = visit_list(9, "Pat Palsy", [visit()], can_record=False).visits
    assert (row.product_label, row.site_count, row.units_text) == (
        "incobotulinumtoxinA (Xeomin)",
        2,
        "10",
    )
    form = visit_form_page(9, "Pat Palsy", visit(sites=[site("mentalis", "left", 2.5)]))
    assert form.visit_id == 4
    assert form.values["sites"] == [{"muscle": "mentalis", "side": "left", "units": "2.5"}]
    assert visit_form_page(9, "Pat Palsy").values is None
    assert form.high_dose_hint == (
        "Needed when a dose is unusually high: more than 10 U at one site or 100 U in one "
        "visit (onabotulinumtoxinA, incobotulinumtoxinA, other); 25 U and 250 U for "
        "abobotulinumtoxinA."
    )


def test_several_rows_of_one_muscle_and_side_add_up():
    found = doses.high_doses(
        "onabotulinumtoxinA", [("mentalis", "left", 6), ("mentalis", "left", 6)]
    )
    assert found == [doses.HighDose(12, 10.0, "mentalis", "left")]
    assert doses.thresholds("a product we do not know") == doses.thresholds("other")
