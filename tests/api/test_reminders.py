"""API v1 reminders: settings, pausing, the therapist's suggestion, push subscriptions
and the calendar address, with the use cases' refusals as 422 naming the field."""

from datetime import timedelta

import pytest
import vobject

from retrain.usecases.local_time import patient_today

from .conftest import table_rows

API = "/api/v1"
SETTINGS = {
    "push_on": False,
    "email_on": True,
    "times": ["08:30", "18:00"],
    "weekdays": [0, 2, 4],
    "quiet_from": "21:00",
    "quiet_until": "07:00",
}
KEYS = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


def call(client, clinic, method, path, role="patient", **kwargs):
    return client.open(f"{API}{path}", method=method, headers=clinic.headers[role], **kwargs)


def test_settings_prefilled_then_saved_then_read_by_the_care_team(client, clinic):
    before = call(client, clinic, "GET", "/patients/me/reminders").json
    assert before["saved"] is False and before["times"] == ["09:00", "18:00"]
    saved = call(client, clinic, "PUT", "/patients/me/reminders", json=SETTINGS)
    assert saved.status_code == 200
    assert {k: saved.json[k] for k in SETTINGS} == SETTINGS and saved.json["saved"] is True
    seen = call(client, clinic, "GET", f"/patients/{clinic.patient.id}/reminders", "therapist")
    assert seen.status_code == 200 and seen.json["times"] == ["08:30", "18:00"]
    assert seen.json["no_reach_3_days"] is False and seen.json["reached_by"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"times": ["24:00"]}, "times.0"),
        ({"times": ["08:30", "08:30"]}, "times.1"),
        ({"times": ["01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00"]}, "times"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": ["mon"]}, "weekdays.0"),
        ({"quiet_until": None}, "quiet_from"),
        ({"quiet_from": "08:00", "quiet_until": "09:00"}, "times"),
        ({"times": []}, "times"),
        ({"extra": 1}, "extra"),
        ({"times": ["x" * 9]}, "times.0"),
    ],
)
def test_bad_settings_are_422_naming_the_field_and_change_nothing(client, clinic, change, field):
    before = table_rows()
    response = call(client, clinic, "PUT", "/patients/me/reminders", json={**SETTINGS, **change})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert table_rows() == before


def test_pause_and_resume(client, clinic):
    call(client, clinic, "PUT", "/patients/me/reminders", json=SETTINGS)
    paused = call(client, clinic, "POST", "/patients/me/reminders/pause", json={"days": 2})
    today = patient_today(clinic.patient.id)
    assert paused.json["paused_through"] == (today + timedelta(days=1)).isoformat()
    for days in (0, 31, -1):
        refused = call(client, clinic, "POST", "/patients/me/reminders/pause", json={"days": days})
        assert refused.status_code == 422 and "days" in refused.json["error"]["fields"]
    resumed = call(client, clinic, "DELETE", "/patients/me/reminders/pause")
    assert resumed.status_code == 200 and resumed.json["paused_through"] is None


def test_a_pause_before_any_choice_keeps_reminders_off(client, clinic):
    response = call(client, clinic, "POST", "/patients/me/reminders/pause", json={"days": 2})
    assert response.status_code == 200 and response.json["paused_through"] is not None
    assert (response.json["push_on"], response.json["email_on"]) == (False, False)


def test_a_suggestion_waits_for_the_patient(client, clinic):
    call(client, clinic, "PUT", "/patients/me/reminders", json=SETTINGS)
    pid = clinic.patient.id
    body = {"times": ["07:15"]}
    suggested = call(
        client, clinic, "PUT", f"/patients/{pid}/reminders/suggestion", "therapist", json=body
    )
    assert (
        suggested.json["suggestion"] == ["07:15"] and suggested.json["times"] == SETTINGS["times"]
    )
    bad = call(
        client,
        clinic,
        "PUT",
        f"/patients/{pid}/reminders/suggestion",
        "therapist",
        json={"times": []},
    )
    assert bad.status_code == 422
    accepted = call(client, clinic, "POST", "/patients/me/reminders/suggestion/accept")
    assert accepted.json["times"] == ["07:15"] and accepted.json["suggestion"] is None
    nothing = call(client, clinic, "DELETE", "/patients/me/reminders/suggestion")
    assert nothing.status_code == 404


def test_push_subscriptions_add_list_and_remove(client, clinic):
    key = call(client, clinic, "GET", "/push/key").json["application_server_key"]
    assert len(key) == 87  # 65 bytes, base64url without padding
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
        "keys": KEYS,
        "expirationTime": None,
    }
    added = call(client, clinic, "POST", "/patients/me/push-subscriptions", json=body)
    assert added.status_code == 201 and added.json["service"] == "fcm.googleapis.com"
    listed = call(client, clinic, "GET", "/patients/me/push-subscriptions").json["items"]
    assert [item["id"] for item in listed] == [added.json["id"]]
    assert call(client, clinic, "GET", "/patients/me/reminders").json["push_on"] is True
    path = f"/patients/me/push-subscriptions/{added.json['id']}"
    assert call(client, clinic, "DELETE", path).status_code == 204
    assert call(client, clinic, "DELETE", path).status_code == 404
    other = call(client, clinic, "DELETE", path, "other")
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "https://evil.example/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com/" + "a" * 1100, "keys": KEYS}, "endpoint"),
        (
            {"endpoint": "https://fcm.googleapis.com/x", "keys": {**KEYS, "p256dh": "AAAA"}},
            "keys.p256dh",
        ),
        (
            {"endpoint": "https://fcm.googleapis.com/x", "keys": {"p256dh": KEYS["p256dh"]}},
            "keys.auth",
        ),
        ({"endpoint": "https://fcm.googleapis.com/x"}, "keys"),
    ],
)
def test_a_malformed_push_subscription_is_422_and_nothing_stored(client, clinic, body, field):
    before = table_rows()
    response = call(client, clinic, "POST", "/patients/me/push-subscriptions", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert table_rows() == before


def test_the_calendar_address_is_made_once_read_without_login_and_stopped(client, clinic):
    assert call(client, clinic, "GET", "/patients/me/reminders/calendar").json == {"url": None}
    made = call(client, clinic, "POST", "/patients/me/reminders/calendar").json["url"]
    again = call(client, clinic, "POST", "/patients/me/reminders/calendar").json["url"]
    assert made == again and made.endswith(".ics")
    feed = client.get(made.replace("http://localhost", ""))
    assert feed.status_code == 200
    assert (
        vobject.readOne(feed.get_data(as_text=True)).vevent.summary.value == "Your facial exercises"
    )
    assert call(client, clinic, "DELETE", "/patients/me/reminders/calendar").status_code == 204
    assert client.get(made.replace("http://localhost", "")).status_code == 404
