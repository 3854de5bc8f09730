"""The reminder settings form and the one-button forms around it."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..reminders.schedule import WEEKDAY_NAMES
from ..usecases.reminder_settings import MAX_TIMES


def _day(value):
    """A posted weekday: not a number is -1, which the use case refuses by name."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ClockField(StringField):
    """HH:MM in a native time picker; the use case checks it and says what is wrong."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "time", "step": "60"})
        super().__init__(label, **kwargs)


class ReminderForm(FlaskForm):
    push_on = BooleanField("Notifications")
    email_on = BooleanField("E-mail")
    times = FieldList(ClockField("Time"), min_entries=1, max_entries=MAX_TIMES)
    weekdays = SelectMultipleField(
        "Days",
        choices=[SelectChoice(index, name) for index, name in enumerate(WEEKDAY_NAMES)],
        coerce=_day,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    quiet_from = ClockField("Quiet from")
    quiet_until = ClockField("Quiet until")


class SuggestForm(FlaskForm):
    times = FieldList(ClockField("Time"), min_entries=1, max_entries=MAX_TIMES)


class ActionForm(FlaskForm):
    """A button that posts: the CSRF token only (pause, resume, calendar, stop)."""
