"""presenters/caseload.py on hand-made values: a patient's figures as staff see them."""

from datetime import UTC, date, datetime, timedelta

from retrain.presenters.caseload import CaseloadPatient, CaseloadRow, by_name, caseload_row
from retrain.progress.adherence import Version

TODAY = date(2026, 3, 4)  # a Wednesday
ANN = CaseloadPatient(1, "Ann Adams", "ann@example.org", "left")


def days_ago(*numbers: int) -> list[date]:
    return [TODAY - timedelta(days=n) for n in numbers]


def row(versions, session_days, last_session_at=None, who=ANN) -> CaseloadRow:
    return caseload_row(who, versions, session_days, last_session_at, TODAY)


def test_a_session_every_day_against_twice_a_day():
    last = datetime(2026, 3, 4, 12, tzinfo=UTC)
    figures = row([Version(date(2026, 2, 1), None, 2, 7)], days_ago(*range(28)), last)
    assert figures == CaseloadRow(
        patient_id=1,
        name="Ann Adams",
        email="ann@example.org",
        affected_side="left",
        has_programme=True,
        last_session_at=last,
        sessions_7d=7,
        prescribed_7d=13.0,  # 6 days x 2, and today's share only as far as met (1)
        sessions_28d=28,
        prescribed_28d=55.0,  # 27 days x 2 + 1
        adherence_28d=100 * 28 / 55,  # one of two credited each day
        no_session_3_days=False,
    )


def test_five_days_a_week_prorates_the_week():
    figures = row([Version(date(2026, 2, 20), None, 1, 5)], days_ago(4))
    assert figures.prescribed_7d == 30 / 7  # 6 days x 5/7, nothing met today yet
    assert (figures.sessions_7d, figures.sessions_28d) == (1, 1)


def test_three_quiet_days_raise_the_flag_and_a_session_two_days_ago_clears_it():
    versions = [Version(date(2026, 1, 1), None, 1, 7)]
    assert row(versions, days_ago(3)).no_session_3_days is True
    assert row(versions, days_ago(3, 2)).no_session_3_days is False


def test_a_programme_given_today_is_too_new_to_flag_and_has_no_figure_yet():
    figures = row([Version(TODAY, None, 2, 7)], [])
    assert figures.has_programme and not figures.no_session_3_days
    assert figures.adherence_28d is None and figures.sessions_28d == 0


def test_no_programme_no_flag_and_no_figure():
    figures = row([], days_ago(1))
    assert not figures.has_programme and not figures.no_session_3_days
    assert figures.sessions_7d == 1 and figures.prescribed_28d == 0.0
    assert figures.adherence_28d is None


def test_an_ended_programme_counts_until_its_end():
    figures = row([Version(date(2026, 1, 1), date(2026, 3, 1), 1, 7)], [])
    assert figures.has_programme is False
    assert figures.prescribed_7d == 4.0  # 26 February to 1 March
    assert figures.no_session_3_days is False


def test_days_after_today_are_left_out():
    figures = row([Version(date(2026, 1, 1), None, 1, 7)], [TODAY + timedelta(days=1)])
    assert figures.sessions_7d == 0 and figures.no_session_3_days is True


def test_rows_sort_by_name_whatever_the_case_then_by_id():
    versions: list[Version] = []
    rows = [
        row(versions, [], who=CaseloadPatient(5, "bob", "b@example.org", "left")),
        row(versions, [], who=CaseloadPatient(3, "Bob", "b2@example.org", "right")),
        row(versions, [], who=CaseloadPatient(9, "Alice", "a@example.org", "both")),
    ]
    assert [(r.name, r.patient_id) for r in by_name(rows)] == [
        ("Alice", 9),
        ("Bob", 3),
        ("bob", 5),
    ]
