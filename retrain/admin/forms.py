from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ..ids import MAX_ID, to_id
from ..models import ADMIN, CLINICIAN, THERAPIST

STAFF_ROLE_CHOICES = [
    SelectChoice(THERAPIST, "Physical therapist"),
    SelectChoice(CLINICIAN, "Clinician"),
    SelectChoice(ADMIN, "Admin"),
]


class StaffForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=STAFF_ROLE_CHOICES, validators=[DataRequired()])
    submit = SubmitField("Create account")


class CareTeamForm(FlaskForm):
    patient_id = SelectField(
        "Patient",
        coerce=to_id,
        validate_choice=False,
        validators=[InputRequired("Choose a patient.")],
    )
    staff_id = SelectField(
        "Therapist or clinician",
        coerce=to_id,
        validate_choice=False,
        validators=[InputRequired("Choose a therapist or clinician.")],
    )
    submit = SubmitField("Add to care team")


_ACCOUNT_ID = NumberRange(1, MAX_ID, "No account has this number.")


class AccountNumberField(IntegerField):
    """An account's number, with a message in words for what is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give an account number in digits, e.g. 12.") from None

    def pre_validate(self, form) -> None:
        if self.process_errors:  # not a number: the range has nothing to say
            raise StopValidation()


class AuditFilterForm(FlaskForm):
    """GET filters for the audit page (no CSRF: reading changes nothing)."""

    class Meta:
        csrf = False

    actor_id = AccountNumberField("Person (account id)", validators=[Optional(), _ACCOUNT_ID])
    patient_id = AccountNumberField("Patient (account id)", validators=[Optional(), _ACCOUNT_ID])
    # Choices: the actions in the trail (usecases/audit_trail.py); any other matches nothing.
    action = SelectField("Action", validate_choice=False, validators=[Optional()])
    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("ok", "Done (a view, a sign-in, an export)"),
            SelectChoice("saved", "Saved (a change)"),
            SelectChoice("unchanged", "Nothing saved"),
            SelectChoice("refused", "Refused"),
            SelectChoice("failed", "Failed (an error)"),
        ],
        validators=[Optional()],
    )
    start = DateField("From (UTC)", validators=[Optional()])
    end = DateField("To (UTC)", validators=[Optional()])

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end is before the start.")


class EraseForm(FlaskForm):
    confirm_email = EmailField(
        "Type the patient's e-mail address to confirm", validators=[DataRequired()]
    )
    submit = SubmitField("Erase this patient's record")
