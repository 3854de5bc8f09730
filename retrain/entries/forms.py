"""Forms for what the care team enters into a patient's record: an SAQ answered on
paper, a Sunnybrook grading, a CSV of past history. The rules live in the use cases."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..outcomes.forms import saq_form_class

REPLACE_LABEL = "Replace the one of that day"


def paper_saq_form_class(instrument):
    """The SAQ for staff copying a paper form: the items, the day it was answered, and
    the confirmation that replaces that day's answers."""

    class PaperSaqForm(saq_form_class(instrument)):
        answered_on = DateField(
            "Answered on",
            validators=[Optional()],
            description="The date on the paper form. Not in the future.",
        )
        replace = BooleanField(REPLACE_LABEL)
        submit = SubmitField("Save the paper SAQ")

    return PaperSaqForm


def grading_form_class(instrument):
    """A graded instrument (the Sunnybrook): one radio group per item on its own scale,
    the day it was graded and the replace confirmation."""

    class GradingForm(FlaskForm):
        graded_on = DateField(
            "Graded on", validators=[Optional()], description="Not in the future."
        )
        replace = BooleanField(REPLACE_LABEL)
        submit = SubmitField("Save the grading")

    for item in instrument.items:
        choices = [SelectChoice(str(v), label) for v, label in item.scale.labels.items()]
        setattr(
            GradingForm, item.key, RadioField(item.text, choices=choices, validate_choice=False)
        )
    return GradingForm


class ImportForm(FlaskForm):
    """A CSV of past SAQs and visits: a file, or its text pasted. The preview sends the
    text back in ``csv_text`` with ``confirm`` to import it."""

    file = FileField("CSV file")
    pasted = TextAreaField("Or paste the CSV here")
    csv_text = HiddenField()
    preview = SubmitField("Check the file")
    confirm = SubmitField("Import all rows")
