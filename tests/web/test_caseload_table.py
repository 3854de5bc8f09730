"""The caseload of both roles (issue 13, part 5): the clinician's figures per patient,
search, filter and sort (on the therapist's too, with its own columns), and a fixed
number of queries whatever the caseload's history."""

import re
from datetime import timedelta

import pytest

from retrain.extensions import db
from retrain.models import InjectionVisit, QuestionnaireResponse
from retrain.usecases.local_time import patient_today

from .practice_helpers import make_exercise, make_programme
from .test_performance_paths import PAGE_BUDGET, queries_of


def add_visit(patient_id, days_ago, kind="new_cycle"):
    day = patient_today(patient_id) - timedelta(days=days_ago)
    db.session.add(
        InjectionVisit(
            patient_id=patient_id, injected_on=day, product="onabotulinumtoxinA", kind=kind
        )
    )
    db.session.commit()


def add_saq(patient_id, days_ago, score):
    day = patient_today(patient_id) - timedelta(days=days_ago)
    db.session.add(
        QuestionnaireResponse(
            patient_id=patient_id, instrument="saq", answered_on=day, answers=[], score=score
        )
    )
    db.session.commit()


@pytest.fixture
def caseload(as_user, factories):
    """A clinician's caseload of four, each in a different place in their cycles."""
    clinician = as_user("clinician")
    make = lambda name: factories.make_patient(care_team=[clinician], name=name)  # noqa: E731
    ann, bea, cal, dov = make("Ann Ash"), make("bea Birch"), make("Cal Cedar"), make("Dov Dale")
    # Ann: injected 30 days ago, baseline 70 the day before, 50 on day 20: 20 points better.
    add_visit(ann.id, 30)
    add_saq(ann.id, 31, 70.0)
    add_saq(ann.id, 10, 50.0)
    # Bea: injected 40 days ago with a top-up 20 days later; no SAQ since: due.
    add_visit(bea.id, 40)
    add_visit(bea.id, 20, "top_up")
    add_saq(bea.id, 41, 60.0)
    # Cal: two earlier cycles that wore off on days 89 and 100 (exact 88.67 and 100), the
    # open one began 85 days ago: projected day 94, 9 days from now: due.
    for days_ago, score in ((331, 70), (309, 40), (260, 45), (232, 60), (230, 60), (216, 30),
                            (150, 40), (110, 50), (85, 60), (70, 45)):  # fmt: skip
        add_saq(cal.id, days_ago, float(score))
    for days_ago in (330, 230, 85):
        add_visit(cal.id, days_ago)
    # Dov: no injection.
    return clinician, {"ann": ann, "bea": bea, "cal": cal, "dov": dov}


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


def cells(html: str, patient_name: str) -> str:
    start = html.index(f">{patient_name}</a>")
    return re.sub(r"\s+", " ", html[start : html.index("</tr>", start)])


def test_the_clinicians_caseload_shows_what_decides_each_visit(client, caseload):
    html = client.get("/clinician/").get_data(as_text=True)
    ann = cells(html, "Ann Ash")
    assert "Not due" in ann and 'data-label="Days since">30<' in ann
    assert "Full effect" in ann and "50.0 (" in ann
    assert "−20.0 from 70.0: better" in ann
    bea = cells(html, "bea Birch")
    assert "Due for review" in bea and "No SAQ since the injection (day 40)" in bea
    assert "top-up " in bea and "No SAQ since the injection</td>" in bea
    cal = cells(html, "Cal Cedar")
    assert "Projected wear-off within 14 days" in cal
    assert "(day 94)" in cal and "day 89–100, 2 cycles" in cal
    assert "−15.0 from 60.0: better" in cal
    dov = cells(html, "Dov Dale")
    assert "No injection yet" in dov


def test_filter_by_state_search_by_name_and_sort_by_any_column(client, caseload):
    due = client.get("/clinician/?state=due").get_data(as_text=True)
    assert names(due) == ["bea Birch", "Cal Cedar"]
    assert "Due for review (2)" in due and "Showing 2 of 4 patients." in due
    assert names(client.get("/clinician/?q=CEDAR").get_data(as_text=True)) == ["Cal Cedar"]
    by_days = client.get("/clinician/?sort=days&order=desc").get_data(as_text=True)
    assert names(by_days) == ["Cal Cedar", "bea Birch", "Ann Ash", "Dov Dale"]  # none last
    assert 'aria-sort="descending"' in by_days
    by_state = names(client.get("/clinician/?sort=state").get_data(as_text=True))
    assert by_state == ["bea Birch", "Cal Cedar", "Ann Ash", "Dov Dale"]
    by_change = names(client.get("/clinician/?sort=change").get_data(as_text=True))
    assert by_change[:2] == ["Ann Ash", "Cal Cedar"]  # -20 before -15
    assert names(client.get("/clinician/").get_data(as_text=True)) == [
        "Ann Ash", "bea Birch", "Cal Cedar", "Dov Dale",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "query", ["?sort=nonsense", "?state=%3Cscript%3E", "?order=sideways", "?q=" + "x" * 500]
)
def test_unknown_parameters_fall_back_to_the_whole_list(client, caseload, query):
    response = client.get("/clinician/" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    if "q=" not in query:
        assert len(names(html)) == 4


def test_the_therapists_caseload_keeps_its_columns_and_filters_by_attention(
    client, as_user, factories
):
    therapist = as_user("therapist")
    quiet = factories.make_patient(care_team=[therapist], name="Quinn Quiet")
    new = factories.make_patient(care_team=[therapist], name="Nia New")
    make_programme(quiet.id, [make_exercise()], starts_on=patient_today(quiet.id) - timedelta(10))
    html = client.get("/therapist/").get_data(as_text=True)
    assert "Last 7 days" in html and "Projected wear-off" not in html
    assert 'class="caseload table-cards"' in html and 'data-label="Last session"' in html
    assert names(client.get("/therapist/?state=quiet").get_data(as_text=True)) == ["Quinn Quiet"]
    no_programme = client.get("/therapist/?state=no_programme").get_data(as_text=True)
    assert names(no_programme) == ["Nia New"]
    attention = names(client.get("/therapist/?sort=attention").get_data(as_text=True))
    assert attention == ["Quinn Quiet", "Nia New"]
    assert names(client.get("/therapist/?q=nia").get_data(as_text=True)) == ["Nia New"]
    assert new.id != quiet.id


def test_the_clinicians_caseload_stays_within_ten_queries_whatever_the_history(app, factories):
    from benchmarks.review_data import add_history

    from ..conftest import login

    clinician = factories.make_user("clinician")
    small = factories.make_patient(care_team=[clinician])
    add_visit(small.id, 10)

    def statements():
        client = app.test_client()
        assert login(client, clinician.email).status_code == 302
        client.get("/clinician/")  # warm
        response, seen = queries_of(lambda: client.get("/clinician/?sort=projection"))
        assert response.status_code == 200
        return seen

    before = statements()
    for _ in range(3):
        veteran = factories.make_patient(care_team=[clinician])
        add_history(veteran.id, staff_id=clinician.id, today=patient_today(veteran.id), years=5)
    after = statements()
    assert len(before) == len(after) <= PAGE_BUDGET, [" ".join(s.split())[:90] for s in after]
