"""presenters/caseload_table.py on hand-made rows: the query, the filter, the sort (rows
without a value last either way) and the clinician's cells in words."""

from dataclasses import replace
from datetime import date

from retrain.presenters.caseload import CaseloadRow
from retrain.presenters.caseload_table import (
    CaseloadQuery,
    caseload_table,
    clinical_cells,
    parse_query,
)
from retrain.progress.change import Change
from retrain.progress.phases import Phase
from retrain.progress.projection import Projection
from retrain.progress.review import ClinicalStatus, Due

BASE = CaseloadRow(
    patient_id=1,
    name="Ann",
    email="a@example.org",
    affected_side="left",
    has_programme=True,
    last_session_at=None,
    sessions_7d=0,
    prescribed_7d=7.0,
    sessions_28d=0,
    prescribed_28d=28.0,
    adherence_28d=None,
    no_session_3_days=False,
    clinical=ClinicalStatus(Due.NO_INJECTION),
)


def row(patient_id, name, **changes) -> CaseloadRow:
    return replace(BASE, patient_id=patient_id, name=name, **changes)


def status(days, due=Due.NOT_DUE, **more) -> ClinicalStatus:
    return ClinicalStatus(
        due, cycle_index=1, cycle_started_on=date(2026, 1, 5), days_since=days, **more
    )


def test_unknown_values_become_the_defaults():
    query = parse_query(
        {"q": "  ann   smith ", "state": "x", "sort": "y", "order": "z"}, "clinician"
    )
    assert query == CaseloadQuery(q="ann smith")
    assert parse_query({"state": "quiet"}, "clinician").state == "all"  # the therapist's state
    assert parse_query({"state": "quiet"}, "therapist").state == "quiet"
    assert CaseloadQuery(q="a", sort="days").params(order="desc") == {
        "q": "a",
        "sort": "days",
        "order": "desc",
    }


def test_sorting_keeps_rows_without_a_value_last_in_either_order():
    rows = [
        row(1, "Ann", clinical=status(30)),
        row(2, "Bea"),
        row(3, "Cal", clinical=status(90)),
    ]
    ascending = caseload_table(rows, "clinician", CaseloadQuery(sort="days"))
    descending = caseload_table(rows, "clinician", CaseloadQuery(sort="days", order="desc"))
    assert [line.row.name for line in ascending.lines] == ["Ann", "Cal", "Bea"]
    assert [line.row.name for line in descending.lines] == ["Cal", "Ann", "Bea"]
    days = next(h for h in descending.headers if h.column.key == "days")
    assert (days.aria_sort, days.params) == ("descending", {"sort": "days"})


def test_the_filter_counts_each_state_before_filtering():
    rows = [
        row(1, "Ann", clinical=status(30, Due.DUE)),
        row(2, "Bea"),
        row(3, "Cal", clinical=status(20)),
    ]
    table = caseload_table(rows, "clinician", CaseloadQuery(state="due"))
    assert [line.row.name for line in table.lines] == ["Ann"]
    assert table.counts == {"all": 3, "due": 1, "not_due": 1, "no_injection": 1}
    assert table.total == 3


def test_the_therapists_table_has_no_clinical_cells():
    table = caseload_table([row(1, "Ann", clinical=None)], "therapist", CaseloadQuery())
    assert table.lines[0].clinical is None
    assert [h.column.key for h in table.headers][:2] == ["name", "attention"]


def test_clinical_cells_in_words():
    cells = clinical_cells(
        row(
            1,
            "Ann",
            clinical=status(
                100,
                Due.DUE,
                reasons=("Projected wear-off within 14 days",),
                last_visit_on=date(2026, 1, 25),
                phase=Phase.WEARING_OFF,
                latest_saq_on=date(2026, 4, 1),
                latest_saq=48.0,
                baseline=53.0,
                change_points=-5.0,
                change=Change.NOISE,
                projection=Projection(
                    day=94,
                    on=date(2026, 4, 9),
                    based_on=(70.4, 100.6, 88.0),
                    earliest_day=70,
                    latest_day=101,
                    uncertain=True,
                ),
            ),
        )
    )
    assert (cells.due_label, cells.due_class) == ("Due for review", "bad")
    assert (cells.injection, cells.top_up) == ("5 Jan 2026", "top-up 25 Jan 2026")
    assert (cells.days_since, cells.phase) == ("100", "Wearing off")
    assert cells.latest_saq == "48.0 (1 Apr 2026)"
    assert cells.change == "−5.0 from 53.0: within measurement noise"
    assert (cells.projection, cells.spread) == ("9 Apr 2026 (day 94)", "day 70–101, 3 cycles")
    assert cells.uncertain is True
