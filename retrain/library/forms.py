from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..models import EXPRESSIONS, REGIONS
from ..progress import live
from ..usecases.exercises import MAX_LENGTH, RANGES


class WholeNumberField(IntegerField):
    """An IntegerField that shows its range message, once, for text like "ten"."""

    def __init__(self, label, *, low: int, high: int, message: str, **kwargs):
        super().__init__(
            label,
            validators=[
                InputRequired(message=message),
                NumberRange(min=low, max=high, message=message),
            ],
            render_kw={"min": low, "max": high, "inputmode": "numeric", "step": 1},
            **kwargs,
        )

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None  # NumberRange then gives the one message


def _number(label: str, key: str, unit: str) -> WholeNumberField:
    low, high = RANGES[key]
    return WholeNumberField(
        label, low=low, high=high, message=f"Enter a whole number from {low} to {high} {unit}."
    )


def _live_part(label: str, description: str) -> SelectField:
    """A part of the face live feedback may watch, or none."""
    return SelectField(
        label,
        choices=[SelectChoice("", "Not measured")]
        + [SelectChoice(key, name) for key, name in live.part_choices()],
        validators=[Optional()],
        validate_choice=False,  # the use case says what is wrong
        description=description,
    )


class ExerciseForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            InputRequired(message="Enter a name for the exercise."),
            Length(max=MAX_LENGTH["name"], message="Keep the name under 120 characters."),
        ],
    )
    region = SelectField(
        "Face region",
        choices=[SelectChoice("", "Choose a region")]
        + [SelectChoice(region, region.capitalize()) for region in REGIONS],
        validators=[InputRequired(message="Choose the face region this exercise works on.")],
    )
    purpose = TextAreaField(
        "Why it helps",
        validators=[InputRequired(message="Say in a sentence or two why this exercise helps.")],
        description="One or two sentences, in plain words for the patient.",
    )
    instructions = TextAreaField(
        "Steps",
        validators=[InputRequired(message="Enter at least one step.")],
        description="One short step per line: slow, small movements in front of a mirror, "
        "relaxing fully between repetitions.",
    )
    hold_back = TextAreaField(
        "What to keep still",
        validators=[
            InputRequired(message="Say what the patient should keep still while doing it.")
        ],
        description="The unwanted movement to hold back, for example "
        "“keep your eye open and soft while the mouth moves”.",
    )
    default_reps = _number("Repetitions", "default_reps", "repetitions")
    default_hold_seconds = _number("Hold (seconds)", "default_hold_seconds", "seconds")
    default_rest_seconds = _number(
        "Rest between repetitions (seconds)", "default_rest_seconds", "seconds"
    )
    snapshot_expression = SelectField(
        "Snapshot expression",
        choices=[SelectChoice("", "None")]
        + [SelectChoice(expression, expression.capitalize()) for expression in EXPRESSIONS],
        validators=[Optional()],
        description="The photo that shows progress on this exercise, if any.",
    )
    live_target = _live_part(
        "Live feedback: the movement to make",
        "What the phone's camera checks is happening during each hold.",
    )
    live_hold_back = _live_part(
        "Live feedback: the movement to hold back",
        "What must stay quiet meanwhile. Leave both unmeasured when hands touch the face "
        "(massages, stretches): the camera cannot follow it then.",
    )
    submit = SubmitField("Save exercise")

    def values(self) -> dict:
        """The editable fields, ready for usecases.exercises."""
        return {
            "name": self.name.data,
            "region": self.region.data,
            "purpose": self.purpose.data,
            "instructions": self.instructions.data,
            "hold_back": self.hold_back.data,
            "default_reps": self.default_reps.data,
            "default_hold_seconds": self.default_hold_seconds.data,
            "default_rest_seconds": self.default_rest_seconds.data,
            "snapshot_expression": self.snapshot_expression.data or None,
            "live_target": self.live_target.data or "",
            "live_hold_back": self.live_hold_back.data or "",
        }
