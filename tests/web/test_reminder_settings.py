"""The patient's reminder settings, the therapist's suggestion, pausing, the stop link,
this device's notifications (JSON with the page's CSRF token) and the caseload line."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.infrastructure import links
from retrain.models import PushSubscription, ReminderSettings
from retrain.models.base import utcnow
from retrain.usecases.local_time import local_now, zone_for

from ..conftest import csrf_from, login, post_form
from .practice_helpers import make_exercise, make_programme
from .reminder_helpers import set_reminders

GOOD = {
    "push_on": "",
    "email_on": "y",
    "times-0": "08:30",
    "times-1": "18:00",
    "times-2": "",
    "weekdays": ["0", "2", "4"],
    "quiet_from": "21:00",
    "quiet_until": "07:00",
}
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
P256DH = "B" + "A" * 86  # 65 bytes, an uncompressed point's 0x04 prefix
AUTH = "A" * 22  # 16 bytes


def settings_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReminderSettings))


@pytest.fixture
def patient(as_user):
    user = as_user("patient")
    make_programme(user.id, [make_exercise()], times_per_day=2, days_per_week=5)
    return user


def test_the_page_is_prefilled_from_the_programme(client, patient):
    page = client.get("/reminders").get_data(as_text=True)
    assert 'id="times-0" name="times-0" step="60" type="time" value="09:00"' in page
    assert 'id="times-1" name="times-1" step="60" type="time" value="18:00"' in page
    checked = re.findall(r'<input checked id="weekdays-(\d)"', page)
    assert checked == ["0", "1", "2", "3", "4"]  # 5 days a week: Monday to Friday
    assert settings_count() == 0  # nothing is stored by looking


def test_saving_the_choices(client, patient):
    response = post_form(client, "/reminders", GOOD, page="/reminders")
    assert response.status_code == 302
    settings = db.session.get(ReminderSettings, patient.id)
    assert (settings.push_on, settings.email_on) == (False, True)
    assert settings.times == ["08:30", "18:00"] and settings.weekdays == [0, 2, 4]
    assert f"{settings.quiet_from:%H:%M}-{settings.quiet_until:%H:%M}" == "21:00-07:00"
    assert settings.on_since is not None
    page = client.get("/reminders").get_data(as_text=True)
    assert "Your reminder settings are saved." in page and 'value="08:30"' in page


def test_settings_that_send_nothing_are_saved_with_a_warning_that_says_why(client, patient):
    quiet = GOOD | {"email_on": "", "weekdays": []}  # no channel: days are not needed
    response = post_form(client, "/reminders", quiet, page="/reminders")
    assert response.status_code == 302
    settings = db.session.get(ReminderSettings, patient.id)
    assert not (settings.push_on or settings.email_on) and settings.weekdays == []
    page = client.get("/reminders").get_data(as_text=True)
    assert "Your reminder settings are saved, but no reminder will come: neither " in page
    assert "flash-warning" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"times-0": "25:00"}, "Please give a time like 08:30"),
        ({"times-0": "8.30am"}, "Please give a time like 08:30"),
        ({"times-1": "08:30"}, "That time is in the list already."),
        ({"weekdays": ["0", "9"]}, "That is not a day of the week."),
        ({"weekdays": ["monday"]}, "That is not a day of the week."),
        ({"quiet_until": ""}, "Please give both ends of the quiet hours, or neither."),
        ({"quiet_from": "08:00", "quiet_until": "09:00"}, "08:30 is inside your quiet hours."),
        ({"times-0": "", "times-1": ""}, "Please choose at least one time"),
        ({"weekdays": []}, "Please choose at least one day."),
    ],
)
def test_bad_settings_are_refused_beside_their_field_and_nothing_is_saved(
    client, patient, change, message
):
    response = post_form(client, "/reminders", {**GOOD, **change}, page="/reminders")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert settings_count() == 0


def test_a_time_outside_the_form_range_is_refused_not_a_server_error(client, patient):
    data = {**GOOD, **{f"times-{n}": f"0{n}:15" for n in range(7)}}
    response = post_form(client, "/reminders", data, page="/reminders")
    assert response.status_code == 422 and settings_count() == 0


def test_pause_for_a_few_days_and_resume(client, patient):
    post_form(client, "/reminders", GOOD, page="/reminders")
    response = post_form(client, "/reminders/pause", {"days": "3"}, page="/reminders")
    assert response.status_code == 302
    settings = db.session.get(ReminderSettings, patient.id)
    today = local_now(zone_for(patient)).date()
    assert settings.resume_on == today + timedelta(days=3)
    page = client.get("/reminders").get_data(as_text=True)
    assert "Reminders are paused" in page
    post_form(client, "/reminders/resume", {}, page="/reminders")
    db.session.expire_all()
    assert db.session.get(ReminderSettings, patient.id).resume_on is None


@pytest.mark.parametrize("days", ["0", "31", "x", ""])
def test_a_bad_pause_changes_nothing(client, patient, days):
    post_form(client, "/reminders", GOOD, page="/reminders")
    response = post_form(client, "/reminders/pause", {"days": days}, page="/reminders")
    assert response.status_code == 422
    assert "Please pause for 1 to 30 days." in response.get_data(as_text=True)
    assert db.session.get(ReminderSettings, patient.id).resume_on is None


def test_the_therapist_suggests_and_the_patient_decides(app, client, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    set_reminders(patient)
    before = list(db.session.get(ReminderSettings, patient.id).times)
    staff = app.test_client()
    login(staff, therapist.email)
    url = f"/patients/{patient.id}/reminders"
    assert "What the patient chose" in staff.get(url).get_data(as_text=True)
    refused = post_form(staff, url, {"times-0": "7pm"})
    assert refused.status_code == 200 and "Please give a time like 08:30" in refused.get_data(True)
    assert post_form(staff, url, {"times-0": "07:45", "times-1": "19:00"}).status_code == 302
    settings = db.session.get(ReminderSettings, patient.id)
    assert settings.suggested_times == ["07:45", "19:00"] and settings.times == before  # not forced
    login(client, patient.user.email)
    page = client.get("/reminders").get_data(as_text=True)
    assert "suggests: 07:45, 19:00" in page
    post_form(client, "/reminders/suggestion/accept", {}, page="/reminders")
    db.session.expire_all()
    settings = db.session.get(ReminderSettings, patient.id)
    assert settings.times == ["07:45", "19:00"] and settings.suggested_times is None


def test_a_clinician_sees_but_cannot_suggest(app, factories):
    clinician = factories.make_user("clinician")
    patient = factories.make_patient(care_team=[clinician])
    set_reminders(patient)
    staff = app.test_client()
    login(staff, clinician.email)
    url = f"/patients/{patient.id}/reminders"
    page = staff.get(url).get_data(as_text=True)
    assert "What the patient chose" in page and "Suggest times" not in page
    assert post_form(staff, url, {"times-0": "07:45"}).status_code == 404
    assert db.session.get(ReminderSettings, patient.id).suggested_times is None


def test_the_stop_link_asks_once_then_stops_that_channel(client, factories):
    patient = factories.make_patient()
    set_reminders(patient, push=True, email=True)
    url = f"/reminders/stop/{links.sign('stop', [patient.id, 'email'])}"
    page = client.get(url)
    assert page.status_code == 200 and "Stop reminder e-mails?" in page.get_data(True)
    assert db.session.get(ReminderSettings, patient.id).email_on is True  # a GET changes nothing
    done = post_form(client, url, {})
    assert "You will get no more reminder e-mails" in done.get_data(True)
    db.session.expire_all()
    settings = db.session.get(ReminderSettings, patient.id)
    assert (settings.email_on, settings.push_on) == (False, True)
    assert client.get("/reminders/stop/forged").status_code == 404
    wrong_channel = links.sign("stop", [patient.id, "sms"])
    assert client.get(f"/reminders/stop/{wrong_channel}").status_code == 404


def json_post(client, url, body, token, **headers):
    return client.post(url, json=body, headers={"X-CSRFToken": token, **headers})


def test_this_device_turns_notifications_on_and_off(client, patient):
    token = csrf_from(client.get("/reminders").get_data(as_text=True))
    body = {"endpoint": ENDPOINT, "expirationTime": None, "keys": {"p256dh": P256DH, "auth": AUTH}}
    assert json_post(client, "/reminders/device", body, token).status_code == 201
    assert json_post(client, "/reminders/device", body, token).status_code == 201  # again: one
    (device,) = db.session.scalars(select(PushSubscription)).all()
    assert device.endpoint == ENDPOINT and device.patient_id == patient.id
    assert db.session.get(ReminderSettings, patient.id).push_on is True
    removed = json_post(client, "/reminders/device/remove", {"endpoint": ENDPOINT}, token)
    assert removed.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    again = json_post(client, "/reminders/device/remove", {"endpoint": ENDPOINT}, token)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": ENDPOINT, "keys": {"p256dh": "short", "auth": AUTH}}, "keys.p256dh"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": P256DH, "auth": "!!"}}, "keys.auth"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": "C" + "A" * 86, "auth": AUTH}}, "keys.p256dh"),
        ({"endpoint": ENDPOINT}, "keys.p256dh"),
        (
            {"endpoint": "http://10.0.0.1/admin", "keys": {"p256dh": P256DH, "auth": AUTH}},
            "endpoint",
        ),
        ({"endpoint": ENDPOINT + "x" * 2000, "keys": {"p256dh": P256DH, "auth": AUTH}}, "endpoint"),
        ({"endpoint": 12, "keys": {"p256dh": P256DH, "auth": AUTH}}, "endpoint"),
        (["not", "an", "object"], "body"),
    ],
)
def test_a_malformed_subscription_is_refused_and_nothing_stored(client, patient, body, field):
    token = csrf_from(client.get("/reminders").get_data(as_text=True))
    response = json_post(client, "/reminders/device", body, token)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_json_calls_need_the_csrf_token(client, patient):
    body = {"endpoint": ENDPOINT, "keys": {"p256dh": P256DH, "auth": AUTH}}
    assert client.post("/reminders/device", json=body).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_the_caseload_shows_what_reached_each_patient_and_flags_silence(app, factories):
    therapist = factories.make_user("therapist")
    reached = factories.make_patient(care_team=[therapist], name="Alex Reached")
    silent = factories.make_patient(care_team=[therapist], name="Blair Silent")
    set_reminders(reached, reached_at=utcnow() - timedelta(hours=2), reached_by="push")
    set_reminders(silent, reached_at=utcnow() - timedelta(days=4), reached_by="email")
    staff = app.test_client()
    login(staff, therapist.email)
    page = staff.get("/therapist/").get_data(as_text=True)
    assert "Last reminder reached: notification" in page
    assert "Last reminder reached: e-mail" in page
    assert page.count("No reminder reached this patient in 3 days") == 1
    assert page.index("Blair Silent") < page.index("No reminder reached this patient in 3 days")


@pytest.mark.parametrize("endpoint", ["\x00", ENDPOINT + "\x00", "x" * 2000, 7, ""])
def test_removing_a_device_by_a_malformed_address_is_refused_clearly(client, patient, endpoint):
    """PostgreSQL refuses NUL in text: such an address must be a 422, not a 500."""
    token = csrf_from(client.get("/reminders").get_data(as_text=True))
    answer = json_post(client, "/reminders/device/remove", {"endpoint": endpoint}, token)
    assert answer.status_code == 422
    assert "not valid" in answer.get_data(as_text=True)
