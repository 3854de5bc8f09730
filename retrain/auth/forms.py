from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..infrastructure.passwords import MAX_LENGTH, MIN_LENGTH


def _new_password(label: str) -> PasswordField:
    """The rules themselves are checked by infrastructure/passwords.py, in words."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=f"At least {MIN_LENGTH} characters. "
        "A few unrelated words make a strong password.",
    )


def _typed_again(field: str) -> PasswordField:
    return PasswordField(
        "Type it again",
        validators=[DataRequired(), EqualTo(field, message="The two passwords differ.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Your e-mail address",
        validators=[
            DataRequired("Enter your e-mail address."),
            Length(max=254, message="An e-mail address is at most 254 characters long."),
        ],
    )
    submit = SubmitField("E-mail me a link")


class SetPasswordForm(FlaskForm):
    password = _new_password("New password")
    confirm = _typed_again("password")
    submit = SubmitField("Set my password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = _new_password("New password")
    confirm = _typed_again("new_password")
    submit = SubmitField("Change password")
