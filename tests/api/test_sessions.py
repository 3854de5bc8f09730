"""Practice sessions through the API: logging, idempotent retries, the list, Today."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import PracticeSession
from retrain.models.base import utcnow
from tests.web.practice_helpers import add_session, local_noon, local_today

from .conftest import table_rows


def session_count():
    return db.session.scalar(select(func.count(PracticeSession.id)))


def body_for(clinic, **changes):
    items = clinic.programme.items
    return {
        "performed_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        "synkinesis_rating": 4,
        "effort": 3,
        "note": "Felt a pull near the eye.",
        "items": [
            {"exercise_id": items[0].exercise_id, "reps_done": 10, "difficulty": 2},
            {"exercise_id": items[1].exercise_id, "skipped": True},
        ],
        **changes,
    }


def post(client, clinic, body, key=None, pid="me"):
    headers = dict(clinic.headers["patient"])
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/patients/{pid}/sessions", headers=headers, json=body)


def test_log_a_session(client, clinic):
    response = post(client, clinic, body_for(clinic))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["source"] == "api" and body["programme_id"] == clinic.programme.id
    assert (body["effort"], body["synkinesis_rating"], body["note"]) == (
        3,
        4,
        "Felt a pull near the eye.",
    )
    done, skipped = body["items"]
    assert (done["reps_done"], done["sets_done"], done["difficulty"], done["skipped"]) == (
        10,
        1,
        2,
        False,
    )
    assert (skipped["reps_done"], skipped["skipped"]) == (0, True)
    assert session_count() == 1


def test_same_key_twice_logs_once_and_answers_200_with_the_same_session(client, clinic):
    first = post(client, clinic, body_for(clinic), key="phone-7f3a")
    again = post(client, clinic, body_for(clinic), key="phone-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert session_count() == 1


def test_same_key_with_another_body_returns_the_stored_session(client, clinic):
    first = post(client, clinic, body_for(clinic), key="k-1")
    other = post(client, clinic, body_for(clinic, effort=5, note="changed"), key="k-1")
    assert other.status_code == 200 and other.json["id"] == first.json["id"]
    assert other.json["effort"] == 3 and other.json["note"] == "Felt a pull near the eye."
    assert session_count() == 1


def test_different_keys_log_two_sessions(client, clinic):
    assert post(client, clinic, body_for(clinic), key="a").status_code == 201
    assert post(client, clinic, body_for(clinic), key="b").status_code == 201
    assert session_count() == 2


def test_a_key_of_another_patient_is_not_theirs(client, clinic, api_token):
    """Keys are per patient: the same key from two patients logs two sessions."""
    post(client, clinic, body_for(clinic), key="shared")
    other = {**clinic.headers["other"], "Idempotency-Key": "shared"}
    body = body_for(clinic, items=[])
    response = client.post("/api/v1/patients/me/sessions", headers=other, json=body)
    assert response.status_code == 201
    assert session_count() == 2


def test_too_long_key_is_422(client, clinic):
    response = post(client, clinic, body_for(clinic), key="x" * 65)
    assert response.status_code == 422
    assert "idempotency_key" in response.json["error"]["fields"]
    assert session_count() == 0


def test_every_problem_is_reported_with_its_json_path(client, clinic):
    body = body_for(
        clinic,
        performed_at=(utcnow() + timedelta(days=2)).isoformat(),
        effort=9,
        synkinesis_rating=-1,
        items=[
            {"exercise_id": clinic.programme.items[0].exercise_id, "reps_done": 5000},
            {"exercise_id": clinic.exercises[2].id, "reps_done": 3},
            {"exercise_id": clinic.programme.items[1].exercise_id, "reps_done": 3, "difficulty": 6},
        ],
    )
    before = table_rows()
    response = post(client, clinic, body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "performed_at", "effort", "synkinesis_rating", "items.0.reps_done",
        "items.1.exercise_id", "items.2.difficulty",
    }  # fmt: skip
    assert table_rows() == before


def test_types_and_unknown_fields_are_refused_naming_the_field(client, clinic):
    naive = datetime.now().replace(microsecond=0).isoformat()
    body = body_for(clinic, performed_at=naive, effort="3", mood="good")
    body["items"][0]["reps_done"] = True
    response = post(client, clinic, body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "performed_at", "effort", "mood", "items.0.reps_done",
    }  # fmt: skip
    assert session_count() == 0


def test_staff_cannot_log_for_a_patient(client, clinic):
    response = client.post(
        f"/api/v1/patients/{clinic.patient.id}/sessions",
        headers=clinic.headers["therapist"],
        json=body_for(clinic),
    )
    assert response.status_code == 403 and session_count() == 0


def test_a_foreign_id_is_404_whatever_the_body(client, clinic):
    for body in (body_for(clinic), {"junk": 1}):
        response = post(client, clinic, body, pid=str(clinic.other.id))
        assert response.status_code == 404
    assert session_count() == 0


def test_list_newest_first_with_local_day_filters_and_pages(client, clinic):
    today = local_today(clinic.patient)
    for days_ago in (0, 1, 2, 3):
        add_session(clinic.patient.id, local_noon(today - timedelta(days=days_ago), clinic.patient))
    url = f"/api/v1/patients/{clinic.patient.id}/sessions"
    headers = clinic.headers["therapist"]
    everything = client.get(url, headers=headers).json
    times = [s["performed_at"] for s in everything["items"]]
    assert len(times) == 4 and times == sorted(times, reverse=True)

    start, end = today - timedelta(days=2), today - timedelta(days=1)
    window = f"from={start.isoformat()}&to={end.isoformat()}"
    filtered = client.get(f"{url}?{window}", headers=headers).json["items"]
    assert [datetime.fromisoformat(s["performed_at"]).date() for s in filtered] == [
        today - timedelta(days=1), today - timedelta(days=2),
    ]  # fmt: skip

    first = client.get(f"{url}?limit=3", headers=headers).json
    rest = client.get(f"{url}?limit=3&cursor={first['next_cursor']}", headers=headers).json
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert [s["id"] for s in first["items"] + rest["items"]] == [
        s["id"] for s in everything["items"]
    ]


def test_list_refuses_a_backwards_window(client, clinic):
    response = client.get(
        "/api/v1/patients/me/sessions?from=2025-02-02&to=2025-02-01",
        headers=clinic.headers["patient"],
    )
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["to"]
    other = client.get("/api/v1/patients/me/sessions?from=soon", headers=clinic.headers["patient"])
    assert other.status_code == 422 and "from" in other.json["error"]["fields"]


def test_today_for_the_patient(client, clinic):
    zone = ZoneInfo("Europe/London")
    start_of_today = datetime.combine(local_today(clinic.patient), time(), tzinfo=zone)
    add_session(clinic.patient.id, (start_of_today + timedelta(seconds=1)).astimezone(UTC))
    body = client.get("/api/v1/today", headers=clinic.headers["patient"]).json
    assert body["today"] == local_today(clinic.patient).isoformat()
    assert body["times_per_day"] == 2 and body["done_today"] == 1 and body["due"] == 1
    assert body["programme"]["version"] == 1 and body["last_session"]["effort"] == 3
    assert body["week"]["sessions"] >= 1
    # The programme started 60 days ago and no SAQ was answered: one is owed.
    assert body["saq"]["due"] is True and body["saq"]["last_answered_on"] is None


def test_the_answer_to_a_save_costs_the_same_statements_for_one_exercise_or_more(client, clinic):
    from tests.web.test_performance_paths import queries_of

    assert post(client, clinic, body_for(clinic)).status_code == 201  # warm: the token's touch
    one = body_for(clinic)
    one["items"] = one["items"][:1]
    seen = {}
    for name, body in (("one", one), ("two", body_for(clinic))):
        response, seen[name] = queries_of(lambda body=body: post(client, clinic, body))
        assert response.status_code == 201, response.json
        assert len(response.json["items"]) == len(body["items"])
    assert len(seen["one"]) == len(seen["two"]), [" ".join(s.split())[:90] for s in seen["two"]]
