from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

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
    patient_id = SelectField("Patient", coerce=int, validate_choice=False)
    staff_id = SelectField("Therapist or clinician", coerce=int, validate_choice=False)
    submit = SubmitField("Add to care team")
