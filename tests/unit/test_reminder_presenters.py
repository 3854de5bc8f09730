"""Why saved reminder settings would send nothing, in the patient's words."""

from types import SimpleNamespace

import pytest

from retrain.presenters.reminders import why_silent

ON = {"push_on": False, "email_on": True, "calendar_key": None, "weekdays": [0], "times": ["08:00"]}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({}, None),
        ({"email_on": False}, "neither notifications nor e-mail is on"),
        ({"email_on": False, "calendar_key": "k"}, None),  # the calendar's alarms remind
        ({"email_on": False, "calendar_key": "k", "weekdays": []}, "no day is ticked"),
        ({"email_on": False, "calendar_key": "k", "times": []}, "no time is set"),
        ({"push_on": True, "email_on": False}, None),
    ],
)
def test_why_settings_send_nothing(change, reason):
    assert why_silent(SimpleNamespace(**(ON | change))) == reason
