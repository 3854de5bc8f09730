"""The patient's pages: Today, the plain session form, the player page, history."""

import json
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import PracticeItem, PracticeSession
from retrain.models.base import utcnow

from ..conftest import csrf_from, post_form
from .practice_helpers import add_session, form_data, local_today, make_exercise, make_programme

LONDON = ZoneInfo("Europe/London")


def session_count(patient_id=None) -> int:
    query = select(func.count(PracticeSession.id))
    if patient_id is not None:
        query = query.where(PracticeSession.patient_id == patient_id)
    return db.session.scalar(query)


@pytest.fixture
def patient_with_programme(as_user):
    patient = as_user("patient", name="Pat Example")
    smile = make_exercise("Gentle smile")
    brow = make_exercise("Brow raise", region="brow", hold_back="Keep your mouth relaxed.")
    programme = make_programme(patient.id, [smile, brow], times_per_day=2, reps=10, sets=2)
    return patient, programme


def save(client, programme, **overrides):
    return post_form(client, "/session/new", form_data(programme, **overrides))


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["therapist", "clinician", "admin"])
@pytest.mark.parametrize("url", ["/today", "/history", "/session/new", "/session/player"])
def test_staff_get_403_on_patient_pages(client, as_user, role, url):
    as_user(role)
    assert client.get(url).status_code == 403


def test_staff_cannot_post_a_session(client, as_user, factories):
    staff = as_user("therapist")
    patient = factories.make_patient(care_team=[staff])
    response = post_form(
        client, "/session/new", {"effort": "3", "synkinesis_rating": "2"}, page="/therapist/"
    )
    assert response.status_code == 403
    assert session_count(patient.id) == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- Today ----------------------------------------------------------------------------


def test_today_without_programme_is_kind_and_empty(client, as_user):
    as_user("patient", name="Robin")
    html = client.get("/today").get_data(as_text=True)
    assert "Robin" in html
    assert "Your programme is on its way" in html
    assert "Start today&#39;s session" not in html and "Start today's session" not in html


def test_today_with_programme(client, patient_with_programme):
    html = client.get("/today").get_data(as_text=True)
    assert "Gentle smile" in html and "Brow raise" in html
    assert "10 repetitions × 2 sets · hold 5 s · relax 5 s" in html
    assert "Twice a day" in html and "every day" in html
    assert "0 of 2" in html and "2 sessions still to do today" in html
    assert 'href="/session/player"' in html
    assert "Log a session without the guided player" in html
    assert 'href="/session/new"' in html


def test_today_says_when_the_therapist_changed_the_exercises(client, patient_with_programme):
    patient, first = patient_with_programme
    assert "changed your exercises" not in client.get("/today").get_data(as_text=True)
    today = local_today(patient)
    first.ended_on = today - timedelta(days=3)
    db.session.commit()
    make_programme(
        patient.id, [make_exercise("Lip press")], version=2, starts_on=today - timedelta(days=2)
    )
    html = client.get("/today").get_data(as_text=True)
    assert "Your therapist changed your exercises on " in html and "Lip press" in html


def test_today_counts_what_is_done(client, patient_with_programme):
    patient, programme = patient_with_programme
    assert save(client, programme).status_code == 302
    html = client.get("/today").get_data(as_text=True)
    assert "1 of 2" in html and "1 session still to do today" in html
    assert "1 day" in html  # streak
    assert "Last session:" in html
    assert save(client, programme).status_code == 302
    html = client.get("/today").get_data(as_text=True)
    assert "2 of 2" in html and "All done for today" in html


def test_today_shows_streak_and_week_from_past_sessions(client, patient_with_programme):
    patient, _ = patient_with_programme
    today = local_today(patient)
    for days_ago in (1, 2, 3):
        day = today - timedelta(days=days_ago)
        add_session(patient.id, datetime.combine(day, time(12), LONDON).astimezone(UTC))
    html = client.get("/today").get_data(as_text=True)
    assert "3 days" in html


# --- logging with the plain form ------------------------------------------------------


def test_form_page_prefills_the_prescribed_dose(client, patient_with_programme):
    html = client.get("/session/new").get_data(as_text=True)
    assert 'name="items-0-reps_done"' in html and 'value="20"' in html  # 10 reps x 2 sets
    assert 'name="items-1-skipped"' in html
    assert 'name="performed_date"' in html and 'name="performed_time"' in html
    assert re.search(r'name="idempotency_key" type="hidden" value="[0-9a-f]{32}"', html)
    # The word is the care team's: the form says what it means, and what Retrain is not.
    assert "Synkinesis is movement you do not mean to make" in html
    assert "It does not replace their advice." in html


def test_the_patients_note_on_retrain_is_not_on_staff_pages(client, as_user):
    as_user("therapist")
    assert "It does not replace their advice." not in client.get("/therapist/").get_data(True)


def test_logging_a_session_with_the_form(client, patient_with_programme):
    patient, programme = patient_with_programme
    smile, brow = (item.exercise_id for item in programme.items)
    response = save(
        client,
        programme,
        **{"items-0-reps_done": "15", "items-1-skipped": "y", "effort": "2"},
        synkinesis_rating="6",
        note="  Felt tight around the eye.  ",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/today")
    stored = db.session.scalar(select(PracticeSession))
    assert stored.patient_id == patient.id
    assert stored.programme_id == programme.id
    assert (stored.effort, stored.synkinesis_rating) == (2, 6)
    assert stored.note == "Felt tight around the eye."
    assert stored.source == "form"
    assert abs(stored.performed_at - utcnow()) < timedelta(minutes=1)
    items = {item.exercise_id: item for item in stored.items}
    assert (items[smile].reps_done, items[smile].sets_done, items[smile].skipped) == (15, 2, False)
    assert (items[brow].reps_done, items[brow].sets_done, items[brow].skipped) == (0, 0, True)
    assert "Your session is saved" in client.get("/today").get_data(as_text=True)


def test_logging_an_earlier_session_uses_the_local_time(client, patient_with_programme):
    patient, programme = patient_with_programme
    yesterday = local_today(patient) - timedelta(days=1)
    response = save(client, programme, performed_date=yesterday.isoformat(), performed_time="18:30")
    assert response.status_code == 302
    stored = db.session.scalar(select(PracticeSession))
    expected = datetime.combine(yesterday, time(18, 30), LONDON).astimezone(UTC)
    assert stored.performed_at == expected


def test_patient_timezone_is_used(client, as_user):
    patient = as_user("patient", timezone="America/New_York")
    programme = make_programme(patient.id, [make_exercise()])
    day = local_today(patient) - timedelta(days=2)
    assert (
        save(client, programme, performed_date=day.isoformat(), performed_time="07:15").status_code
        == 302
    )
    stored = db.session.scalar(select(PracticeSession))
    assert stored.performed_at == datetime.combine(
        day, time(7, 15), ZoneInfo("America/New_York")
    ).astimezone(UTC)


def test_a_time_without_a_date_is_today(client, patient_with_programme):
    patient, programme = patient_with_programme
    response = save(client, programme, performed_time="00:01")
    assert response.status_code == 302
    stored = db.session.scalar(select(PracticeSession))
    assert stored.performed_at.astimezone(LONDON).date() == local_today(patient)


def test_a_date_without_a_time_is_refused(client, patient_with_programme):
    patient, programme = patient_with_programme
    day = local_today(patient) - timedelta(days=1)
    response = save(client, programme, performed_date=day.isoformat())
    assert response.status_code == 200
    assert "Please add the time too" in response.get_data(as_text=True)
    assert session_count() == 0


def test_future_date_is_refused(client, patient_with_programme):
    patient, programme = patient_with_programme
    tomorrow = local_today(patient) + timedelta(days=1)
    response = save(client, programme, performed_date=tomorrow.isoformat(), performed_time="09:00")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That time is in the future" in html
    assert 'id="performed_date-error"' in html  # beside the date field
    assert session_count() == 0


def test_more_than_a_year_back_is_refused(client, patient_with_programme):
    patient, programme = patient_with_programme
    old = local_today(patient) - timedelta(days=400)
    response = save(client, programme, performed_date=old.isoformat(), performed_time="09:00")
    assert "more than a year ago" in response.get_data(as_text=True)
    assert session_count() == 0


@pytest.mark.parametrize(
    ("changes", "error_id", "message"),
    [
        ({"effort": "6"}, "effort-error", "How hard it felt must be from 1 to 5."),
        ({"effort": "0"}, "effort-error", "How hard it felt must be from 1 to 5."),
        ({"effort": "hard"}, "effort-error", "How hard it felt must be from 1 to 5."),
        ({"effort": ""}, "effort-error", "Please choose how hard it felt."),
        ({"synkinesis_rating": "11"}, "synkinesis_rating-error", "from 0 to 10"),
        ({"synkinesis_rating": "-1"}, "synkinesis_rating-error", "from 0 to 10"),
        ({"items-0-reps_done": "1001"}, "items-0-reps_done-error", "from 0 to 1000"),
        ({"items-1-reps_done": "-3"}, "items-1-reps_done-error", "from 0 to 1000"),
        ({"items-0-reps_done": "lots"}, "items-0-reps_done-error", "Not a valid integer"),
        ({"items-0-reps_done": ""}, "items-0-reps_done-error", "or tick Skipped"),
        ({"note": "x" * 2001}, "note-error", "2000 characters"),
    ],
)
def test_out_of_range_values_are_refused_beside_the_field(
    client, patient_with_programme, changes, error_id, message
):
    _, programme = patient_with_programme
    response = save(client, programme, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{error_id}"' in html
    assert message in html
    assert session_count() == 0
    assert db.session.scalar(select(func.count(PracticeItem.id))) == 0


def test_exercise_not_in_the_programme_is_refused(client, patient_with_programme):
    _, programme = patient_with_programme
    stranger = make_exercise("Pucker", region="lips")
    response = save(client, programme, **{"items-1-exercise_id": str(stranger.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not in your current programme" in html
    assert session_count() == 0


def test_exercise_from_an_ended_programme_is_refused(client, as_user):
    patient = as_user("patient")
    old, new = make_exercise("Old one"), make_exercise("New one")
    today = local_today(patient)
    make_programme(patient.id, [old], starts_on=today - timedelta(days=20), ended_on=today)
    current = make_programme(patient.id, [new], version=2, starts_on=today)
    data = form_data(current, **{"items-0-exercise_id": str(old.id)})
    response = post_form(client, "/session/new", data)
    assert "not in your current programme" in response.get_data(as_text=True)
    assert session_count() == 0


def test_another_patient_cannot_be_written_for(client, patient_with_programme, factories):
    patient, programme = patient_with_programme
    other = factories.make_patient()
    other_programme = make_programme(other.id, [make_exercise("Other's exercise")])
    # A forged patient id is ignored: the session is always the logged-in patient's.
    assert save(client, programme, patient_id=str(other.id)).status_code == 302
    assert session_count(other.id) == 0 and session_count(patient.id) == 1
    # The other patient's exercises are not in this patient's programme.
    response = post_form(client, "/session/new", form_data(other_programme))
    assert "not in your current programme" in response.get_data(as_text=True)
    assert session_count(other.id) == 0 and session_count(patient.id) == 1


def test_post_without_csrf_is_refused(client, patient_with_programme):
    _, programme = patient_with_programme
    response = client.post("/session/new", data=form_data(programme))
    assert response.status_code == 400
    assert session_count() == 0


def test_same_idempotency_key_saves_once(client, patient_with_programme):
    _, programme = patient_with_programme
    key = "a" * 32
    first = save(client, programme, idempotency_key=key)
    again = save(client, programme, idempotency_key=key, note="double tap")
    assert first.status_code == again.status_code == 302
    assert session_count() == 1
    assert db.session.scalar(select(PracticeSession.note)) is None
    assert save(client, programme, idempotency_key="b" * 32).status_code == 302
    assert session_count() == 2


def test_form_key_is_fresh_on_each_page(client, patient_with_programme):
    key = re.compile(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"')
    first = key.search(client.get("/session/new").get_data(as_text=True)).group(1)
    second = key.search(client.get("/session/new").get_data(as_text=True)).group(1)
    assert first != second


def test_session_without_programme_has_no_items(client, as_user):
    patient = as_user("patient")
    assert save(client, None).status_code == 302
    stored = db.session.scalar(select(PracticeSession))
    assert stored.patient_id == patient.id and stored.items == [] and stored.programme_id is None


# --- the guided player page -----------------------------------------------------------


def programme_json(html: str) -> dict:
    match = re.search(r"data-programme='([^']*)'", html)
    assert match, "no programme data on the page"
    return json.loads(unescape(match.group(1)))


def test_player_page_carries_the_programme(client, patient_with_programme):
    _, programme = patient_with_programme
    html = client.get("/session/player").get_data(as_text=True)
    data = programme_json(html)
    first = data["exercises"][0]
    assert first["name"] == "Gentle smile"
    assert first["steps"] == ["Sit in front of a mirror.", "Slowly lift both mouth corners."]
    assert first["hold_back"] == "Keep your eyes open and soft."
    assert (first["reps"], first["sets"], first["hold_seconds"], first["rest_seconds"]) == (
        10,
        2,
        5,
        5,
    )
    assert data["exercises"][1]["exercise_id"] == programme.items[1].exercise_id
    assert 'src="/static/js/player.js"' in html
    assert 'data-seconds-scale="1.0"' in html
    assert 'aria-live="polite"' in html
    # The summary posts to the plain form's endpoint, with the CSRF token, as the player.
    assert 'action="/session/new"' in html and 'name="csrf_token"' in html
    assert 'name="source" type="hidden" value="player"' in html
    # No inline script or handler: only the JSON block and the external file.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="application/json"' in s or "src=" in s for s in scripts)
    assert not re.search(r"\son[a-z]+=", html)


def test_player_speed_is_honoured_in_testing(client, patient_with_programme):
    html = client.get("/session/player?speed=10").get_data(as_text=True)
    assert 'data-seconds-scale="0.1"' in html
    html = client.get("/session/player?speed=0").get_data(as_text=True)
    assert 'data-seconds-scale="1.0"' in html


def test_player_speed_is_ignored_outside_testing(client, app, patient_with_programme):
    app.config["TESTING"] = False
    html = client.get("/session/player?speed=10").get_data(as_text=True)
    assert 'data-seconds-scale="1.0"' in html


def test_player_without_programme(client, as_user):
    as_user("patient")
    html = client.get("/session/player").get_data(as_text=True)
    assert "has not set your exercises" in html
    assert "data-programme" not in html


def test_player_summary_saves_with_source_player(client, patient_with_programme):
    _, programme = patient_with_programme
    data = form_data(programme, source="player", **{"items-0-sets_done": "1"})
    data["items-0-reps_done"] = "7"
    response = post_form(client, "/session/new", data, page="/session/player")
    assert response.status_code == 302
    stored = db.session.scalar(select(PracticeSession))
    assert stored.source == "player"
    assert (stored.items[0].reps_done, stored.items[0].sets_done) == (7, 1)


def test_forged_source_is_stored_as_form(client, patient_with_programme):
    _, programme = patient_with_programme
    assert save(client, programme, source="api").status_code == 302
    assert db.session.scalar(select(PracticeSession.source)) == "form"


# --- history --------------------------------------------------------------------------


def test_history_lists_sessions_newest_first(client, patient_with_programme):
    patient, programme = patient_with_programme
    today = local_today(patient)
    monday = today - timedelta(days=today.weekday())
    last_week = (today - timedelta(days=7)).isoformat()
    save(client, programme, performed_date=last_week, performed_time="08:05", note="First one")
    save(client, programme, performed_date=last_week, performed_time="09:10", note="Second one")
    save(client, programme, note="Done today", **{"items-1-skipped": "y"})
    html = client.get("/history").get_data(as_text=True)
    assert "Done today" in html and "First one" not in html
    assert "Skipped: Brow raise" in html and "3 sessions logged in all" in html
    older = (monday - timedelta(days=7)).isoformat()
    assert f'href="/history?week={older}"' in html and "Newer week" not in html
    html = client.get(f"/history?week={older}").get_data(as_text=True)
    assert html.index("Second one") < html.index("First one")
    assert "at 08:05" in html and "Gentle smile: 20 repetitions" in html
    assert f'href="/history?week={monday.isoformat()}"' in html  # back to this week
    assert "Older week" not in html  # nothing before the first session's week


def test_history_summarises_each_week(client, as_user):
    patient = as_user("patient")
    monday = local_today(patient) - timedelta(days=local_today(patient).weekday() + 14)
    noon = datetime.combine(monday, time(12), tzinfo=UTC)
    for days, effort, rating in ((0, 2, 4), (0, 3, 6), (2, 4, 5), (9, 1, 1)):
        at = noon + timedelta(days=days)
        add_session(patient.id, at, effort=effort, synkinesis_rating=rating)
    html = client.get(f"/history?week={(monday + timedelta(days=3)).isoformat()}").get_data(
        as_text=True
    )
    facts = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html)
    assert facts[:4] == [
        ("Sessions", "3"),
        ("Days you practised", "2 of 7"),
        ("How hard, on average", "3.0 of 5"),
        ("Synkinesis felt, on average", "5.0 of 10"),
    ]
    empty = client.get(f"/history?week={(monday + timedelta(days=14)).isoformat()}")
    assert "No sessions this week" in empty.get_data(as_text=True)


@pytest.mark.parametrize("week", ["abc", "2026-13-40", "1900-01-01", "9999-12-31", "0001-01-01"])
def test_history_with_a_stray_week_still_shows_a_page(client, as_user, week):
    patient = as_user("patient")
    add_session(patient.id, utcnow() - timedelta(days=40), note="long ago")
    assert client.get("/history", query_string={"week": week}).status_code == 200


def test_history_shows_only_own_sessions(client, as_user, factories):
    as_user("patient")
    other = factories.make_patient()
    add_session(other.id, utcnow() - timedelta(hours=1), note="not yours")
    html = client.get("/history").get_data(as_text=True)
    assert "not yours" not in html and "No sessions logged yet" in html


def test_form_error_page_keeps_a_usable_token(client, patient_with_programme):
    _, programme = patient_with_programme
    response = save(client, programme, effort="9")
    data = form_data(programme)
    data["csrf_token"] = csrf_from(response.get_data(as_text=True))
    assert client.post("/session/new", data=data).status_code == 302


def test_every_problem_is_shown_at_once(client, patient_with_programme):
    _, programme = patient_with_programme
    response = save(
        client, programme, effort="", synkinesis_rating="12", **{"items-1-reps_done": "5000"}
    )
    html = response.get_data(as_text=True)
    for error_id in ("effort-error", "synkinesis_rating-error", "items-1-reps_done-error"):
        assert f'id="{error_id}"' in html
    assert session_count() == 0
