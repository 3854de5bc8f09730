"""The message form. The rules (empty, too long, NUL, which session) are the use case's
(usecases/messages.py), so the page and the API answer the same."""

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..usecases.messages import MAX_MESSAGE

HINT = f"Up to {MAX_MESSAGE:,} characters. Text only: no photos or files can be attached."


class MessageForm(FlaskForm):
    body = TextAreaField("Your message", description=HINT)
    submit = SubmitField("Send message")


class StaffMessageForm(MessageForm):
    session_id = SelectField(
        "About a practice session (optional)",
        choices=[SelectChoice("", "No session")],
        validate_choice=False,
    )
