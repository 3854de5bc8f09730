"""Importing a patient's past SAQs and injection visits from a CSV (issue 13, part 3):
the template, a preview that changes nothing, all-or-nothing with errors by line, five
years in one go, and the audit trail."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import AuditEvent, InjectionSite, InjectionVisit, QuestionnaireResponse
from retrain.usecases import history_import, progress
from retrain.usecases.local_time import patient_today

from ..conftest import csrf_from, post_form

HEADER = "record,date,product,muscle,side,units,lot,score,q1,q2,q3,q4,q5,q6,q7,q8,q9"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def saq_line(day: date, *answers, score="") -> str:
    cells = [str(a) for a in answers] or [""] * 9
    return ",".join(["saq", day.isoformat(), "", "", "", "", "", str(score), *cells])


def visit_line(day: date, muscle="orbicularis oculi", side="left", units="2.5", lot="C5012"):
    return f"visit,{day.isoformat()},onabotulinumtoxinA,{muscle},{side},{units},{lot},,,,,,,,,,"


@pytest.fixture
def team(as_user, factories):
    clinician = as_user("clinician", name="Dr Ada Clin")
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[clinician, therapist], name="Pat Palsy")
    return clinician, therapist, patient


def url(patient_id) -> str:
    return f"/patients/{patient_id}/history-import"


def test_the_template_has_every_column_and_an_example_of_each_row(client, team):
    response = client.get("/history-import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ",".join(rows[0]) == HEADER
    assert [row[0] for row in rows[1:]] == ["saq", "saq", "visit", "visit"]


def test_the_template_imports_as_it_is(client, team):
    clinician, _, patient = team
    result = history_import.preview(clinician, patient.id, history_import.template_csv())
    assert result.ok and (result.saq_count, result.visit_count, result.site_count) == (2, 1, 2)


def test_the_preview_shows_each_lines_result_and_changes_nothing(client, team):
    _, _, patient = team
    day = patient_today(patient.id) - timedelta(days=300)
    text = "\n".join(
        [
            HEADER,
            saq_line(day, 1, 2, 3, 4, 5, 1, 2, 3, 4),
            saq_line(day + timedelta(days=20), score="48.9"),
            visit_line(day),
            visit_line(day, "mentalis", "right", "2"),
            visit_line(day + timedelta(days=20), "mentalis", "right", "1"),
        ]
    )
    response = post_form(client, url(patient.id), {"pasted": text, "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "All 5 rows are ready: 2 SAQs and 2 injection visits (3 sites)." in html
    assert "SAQ, score 55.6" in html and "SAQ, score 48.9 (score only)" in html
    assert "Visit (new cycle), onabotulinumtoxinA: orbicularis oculi left 2.5 U" in html
    assert "Visit (top-up), onabotulinumtoxinA: mentalis right 1 U" in html
    assert count(QuestionnaireResponse) == 0 and count(InjectionVisit) == 0

    token = csrf_from(html)
    confirm = client.post(
        url(patient.id), data={"csrf_token": token, "csv_text": text, "confirm": "1"}
    )
    assert confirm.status_code == 302
    saqs = list(db.session.scalars(select(QuestionnaireResponse).order_by("answered_on")))
    assert [(s.answered_on, s.source, s.score_only) for s in saqs] == [
        (day, "import", False),
        (day + timedelta(days=20), "import", True),
    ]
    assert saqs[1].answers == [] and saqs[1].score == 48.9
    visits = list(db.session.scalars(select(InjectionVisit).order_by("injected_on")))
    assert [(v.kind, v.lot, len(v.sites)) for v in visits] == [
        ("new_cycle", "C5012", 2),
        ("top_up", "C5012", 1),
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_history"))
    assert (event.patient_id, event.target) == (patient.id, "saqs:2 visits:2")


def test_one_bad_line_rejects_the_whole_file_with_line_numbers(client, team):
    clinician, _, patient = team
    today = patient_today(patient.id)
    text = "\n".join(
        [
            HEADER,
            saq_line(today - timedelta(days=50), *[2] * 9),
            saq_line(today - timedelta(days=40), 2, 2, 7, 2, 2, 2, 2, 2, 2),  # line 3
            visit_line(today - timedelta(days=40), muscle="nose"),  # line 4
            visit_line(today + timedelta(days=1)),  # line 5: the future
            saq_line(today - timedelta(days=50), *[3] * 9),  # line 6: the same day again
            "visit,2025-13-01,onabotulinumtoxinA,mentalis,left,2,,,,,,,,,,,",  # line 7
            "booster,2025-01-01,,,,,,,,,,,,,,,",  # line 8
        ]
    )
    result = history_import.preview(clinician, patient.id, text)
    errors = {line.number: " ".join(line.errors) for line in result.lines if line.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert errors[3] == "q3: choose one of the answers 1 to 5."
    assert errors[4].startswith("Unknown muscle 'nose': one of frontalis")
    assert errors[5].startswith("The date cannot be in the future")
    assert errors[6] == "The file has another SAQ on this date."
    assert errors[7] == "Write the date as YYYY-MM-DD, for example 2021-03-02."
    assert errors[8] == 'Write "saq" or "visit" in the record column.'
    response = post_form(client, url(patient.id), {"csv_text": text, "confirm": "1"})
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and "6 lines have errors" in html
    assert count(QuestionnaireResponse) == 0 and count(InjectionVisit) == 0
    assert count(InjectionSite) == 0


def test_a_date_already_in_the_record_is_an_error(client, team):
    clinician, _, patient = team
    day = patient_today(patient.id) - timedelta(days=10)
    ok = "\n".join([HEADER, saq_line(day, *[2] * 9), visit_line(day)])
    history_import.run(clinician, patient.id, ok)
    again = history_import.preview(clinician, patient.id, ok)
    assert [line.errors for line in again.lines] == [
        ["The record already has an SAQ on this date."],
        ["The record already has an injection visit on this date."],
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "The file is empty. Start from the template."),
        ("record,date,nose\n", "Line 1 (the header): Unknown column: nose."),
        ("date,score\n", "The column record is missing."),
        (HEADER + "\n", "The file has a header but no rows."),
    ],
)
def test_a_file_that_is_not_the_template_says_so(team, text, problem):
    clinician, _, patient = team
    result = history_import.preview(clinician, patient.id, text)
    assert not result.ok and problem in result.file_errors[0]


def test_a_therapist_imports_saqs_but_not_visits(team):
    _, therapist, patient = team
    day = patient_today(patient.id) - timedelta(days=10)
    result = history_import.preview(
        therapist, patient.id, "\n".join([HEADER, saq_line(day, *[2] * 9), visit_line(day)])
    )
    assert [line.errors for line in result.lines] == [
        [],
        ["Only a clinician can import injection visits."],
    ]


def test_five_years_of_130_saqs_and_18_visits_import_in_one_go(client, team):
    clinician, _, patient = team
    first = patient_today(patient.id) - timedelta(days=5 * 365)
    lines = [HEADER]
    lines += [saq_line(first + timedelta(days=14 * n), *[1 + n % 5] * 9) for n in range(130)]
    for n in range(18):
        day = first + timedelta(days=3 + 101 * n)
        lines += [visit_line(day), visit_line(day, "platysma", "right", "5")]
    text = "\r\n".join(lines)
    response = post_form(client, url(patient.id), {"pasted": text, "preview": "1"})
    assert "All 166 rows are ready: 130 SAQs and 18 injection visits (36 sites)." in (
        response.get_data(as_text=True)
    )
    response = post_form(client, url(patient.id), {"csv_text": text, "confirm": "1"})
    assert response.status_code == 302
    assert count(QuestionnaireResponse) == 130 and count(InjectionVisit) == 18
    assert count(InjectionSite) == 36
    figures = progress.figures(clinician, patient.id)
    assert len(figures.cycles) == 18 and len(figures.saq) == 130  # 101 days apart: 18 cycles
    assert client.get(f"/patients/{patient.id}/review").status_code == 200


def test_an_uploaded_file_is_read_like_pasted_text(client, team):
    _, _, patient = team
    day = patient_today(patient.id) - timedelta(days=3)
    data = "\ufeff" + HEADER.replace(",", ";") + "\n" + saq_line(day, *[2] * 9).replace(",", ";")
    upload = (io.BytesIO(data.encode("utf-8")), "history.csv")
    response = post_form(client, url(patient.id), {"file": upload, "preview": "1"})
    assert "All 1 rows are ready: 1 SAQs and 0 injection visits" in response.get_data(True)


def test_nothing_chosen_says_so(client, team):
    _, _, patient = team
    response = post_form(client, url(patient.id), {"preview": "1"})
    assert "Choose a CSV file, or paste its text." in response.get_data(as_text=True)
