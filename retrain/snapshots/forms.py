from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models.snapshots import EXPRESSION_CHOICES


class ConsentForm(FlaskForm):
    agree = BooleanField(
        "I agree to take photos of my face and have them stored as described above.",
        validators=[DataRequired(message="Please tick the box if you agree.")],
    )
    submit = SubmitField("Turn photos on")


class ConfirmForm(FlaskForm):
    """A plain confirm step: the button is the confirmation."""

    submit = SubmitField("Yes, delete")


def choices_for(expressions) -> list[SelectChoice]:
    return [SelectChoice(e, e.capitalize()) for e in expressions]


def _mirrored(form, field):
    if (field.data or "false") not in ("true", "false", "1", "0"):
        raise ValidationError("Please send the photo again.")


class UploadForm(FlaskForm):
    expression = SelectField("Which expression is this?", validators=[InputRequired()])
    image = FileField(
        "Photo",
        validators=[FileRequired(message="Please take or choose a photo.")],
        render_kw={"accept": "image/*", "capture": "user"},
        description="A photo of your face, straight on, in good light.",
    )
    # The fetch upload sends "false": its canvas holds the true (unmirrored) view. A
    # file from the phone's camera app is the true view too.
    mirrored = HiddenField(default="false", validators=[_mirrored])
    session = HiddenField()
    submit = SubmitField("Send photo")

    def __init__(self, expressions=EXPRESSION_CHOICES, **kwargs):
        super().__init__(**kwargs)
        self.expression.choices = choices_for(expressions)

    @property
    def is_mirrored(self) -> bool:
        return (self.mirrored.data or "false") in ("true", "1")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpressionSetForm(FlaskForm):
    expressions = MultiCheckboxField(
        "Expressions to photograph",
        choices=choices_for(EXPRESSION_CHOICES),
        description="The patient takes one photo of each, in this order. Rest is always needed.",
    )
    submit = SubmitField("Save the expression set")
