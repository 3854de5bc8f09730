"""The calendar feed: made with icalendar, read back with icalendar and with vobject (a
second, independent parser), at the patient's local times across a daylight-saving
change, with an alarm, no clinical text, and a revoked address that answers 404."""

from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import icalendar
import vobject
from dateutil.rrule import rrulestr
from sqlalchemy import select

from retrain.extensions import db
from retrain.infrastructure import links
from retrain.models import ReminderSettings
from retrain.presenters.calendar import feed, first_day

from ..conftest import post_form
from .practice_helpers import make_exercise, make_programme

LONDON = ZoneInfo("Europe/London")


class Settings:
    """The feed reads these attributes of a ReminderSettings row."""

    def __init__(self, **values):
        self.times = values.get("times", ["09:00", "18:30"])
        self.weekdays = values.get("weekdays", [0, 2, 4])
        self.resume_on = values.get("resume_on")
        self.calendar_key = "k" * 32


def test_one_weekly_event_per_time_in_the_patients_zone_with_an_alarm():
    now = datetime(2026, 3, 25, 12, tzinfo=UTC)  # a Wednesday, before the spring change
    calendar = icalendar.Calendar.from_ical(feed(Settings(), LONDON, now, "https://x/today"))
    events = calendar.walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [
        datetime(2026, 3, 25, 9, 0, tzinfo=LONDON),
        datetime(2026, 3, 25, 18, 30, tzinfo=LONDON),
    ]
    for event in events:
        assert event["dtstart"].params["TZID"] == "Europe/London"
        assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == [
            "MO",
            "WE",
            "FR",
        ]
        assert str(event["summary"]) == "Your facial exercises"
        (alarm,) = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY" and alarm.decoded("trigger") == timedelta(0)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_a_second_parser_reads_the_same_times_across_the_spring_change():
    """vobject reads the event; its wall-clock start and TZID, expanded by the RRULE in
    that IANA zone (as calendar apps do), give 09:00 local before and after the change.
    (vobject's own VTIMEZONE reader, dateutil's tzical, misreads the RDATE lists that
    icalendar writes, so the zone is taken by its name.)"""
    now = datetime(2026, 3, 25, 12, tzinfo=UTC)
    parsed = vobject.readOne(feed(Settings(times=["09:00"]), LONDON, now, "https://x/").decode())
    start = parsed.vevent.dtstart
    zone = ZoneInfo(start.params["X-VOBJ-ORIGINAL-TZID"][0])  # vobject keeps TZID here
    wall = start.value.replace(tzinfo=None)
    rule = rrulestr(parsed.vevent.rrule.value, dtstart=wall)
    local = [moment.replace(tzinfo=zone) for moment in islice(rule, 4)]
    assert [m.date() for m in local] == [
        date(2026, 3, 25),
        date(2026, 3, 27),
        date(2026, 3, 30),
        date(2026, 4, 1),
    ]
    assert {m.strftime("%H:%M") for m in local} == {"09:00"}
    assert [m.astimezone(UTC).hour for m in local] == [9, 9, 8, 8]  # GMT, then BST
    assert parsed.vevent.valarm.action.value == "DISPLAY"


def test_paused_days_are_left_out():
    now = datetime(2026, 3, 23, 12, tzinfo=UTC)  # Monday
    settings = Settings(
        times=["09:00"], weekdays=[0, 1, 2, 3, 4, 5, 6], resume_on=date(2026, 3, 26)
    )
    event = icalendar.Calendar.from_ical(feed(settings, LONDON, now, "https://x/")).walk("VEVENT")[
        0
    ]
    skipped = [moment.dt.date() for moment in event["exdate"].dts]
    assert skipped == [date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 25)]


def test_the_first_day_is_the_next_chosen_weekday():
    assert first_day(date(2026, 3, 26), {0, 2}) == date(2026, 3, 30)  # Thursday -> Monday
    assert first_day(date(2026, 3, 25), {2}) == date(2026, 3, 25)


def test_no_days_chosen_is_an_empty_calendar():
    body = feed(Settings(weekdays=[]), LONDON, datetime(2026, 3, 25, tzinfo=UTC), "https://x/")
    assert icalendar.Calendar.from_ical(body).walk("VEVENT") == []


def test_the_private_address_works_until_it_is_stopped(app, client, as_user):
    patient = as_user("patient", name="Robin Quinn", timezone="America/New_York")
    programme = make_programme(patient.id, [make_exercise("Brow lift")], times_per_day=1)
    programme.note = "Watch the left eye closure."
    db.session.commit()
    assert post_form(client, "/reminders/calendar/start", {}, page="/reminders").status_code == 302
    key = db.session.scalar(select(ReminderSettings.calendar_key))
    url = f"/calendar/{links.sign('calendar', key)}.ics"
    assert url in client.get("/reminders").get_data(as_text=True)
    calendar_app = app.test_client()  # no login: the phone's calendar has none
    response = calendar_app.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    for private in ("Robin", "Quinn", "Brow", "eye", patient.email):
        assert private not in text
    parsed = vobject.readOne(text)
    assert parsed.vevent.dtstart.value.tzinfo is not None
    assert (
        "TZID=America/New_York" in text and parsed.vevent.dtstart.value.strftime("%H:%M") == "09:00"
    )
    assert db.session.get(ReminderSettings, patient.id).calendar_read_at is not None
    assert post_form(client, "/reminders/calendar/stop", {}, page="/reminders").status_code == 302
    assert calendar_app.get(url).status_code == 404
    assert calendar_app.get(f"/calendar/{links.sign('delivery', key)}.ics").status_code == 404
    assert calendar_app.get("/calendar/made-up.ics").status_code == 404
