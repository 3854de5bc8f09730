from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    submit = SubmitField("Log in")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=128)],
        description="At least 8 characters. A few unrelated words make a strong password.",
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set my password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=128)],
        description="At least 8 characters. A few unrelated words make a strong password.",
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )
    submit = SubmitField("Change password")
