"""Logging in and out, accepting an invitation link, a forgotten password, changing one's
password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from ..errors import Invalid
from ..errors.handlers import problems_beside
from ..extensions import limiter
from ..usecases import authentication
from ..usecases.accounts import normalise_email
from . import link_mail
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from .redirects import safe_next

bp = Blueprint("auth", __name__)

FAILED_LOGIN = "That e-mail and password do not match an active account."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_account_key() -> str:
    """The account asked for, as the job will look it up (so "x@xn--..." and its Unicode
    spelling count as one)."""
    typed = (request.form.get("email") or "")[:254]
    try:
        return "reset:" + normalise_email(typed)
    except Invalid:
        return "reset:" + typed.strip().lower()


def _begin(user) -> None:
    """A fresh cookie session, bound to the user's new login row (ASVS 7.2.4)."""
    session.clear()
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authentication.log_in(form.email.data, form.password.data)
        if user is not None:
            _begin(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        flash(FAILED_LOGIN, "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    authentication.log_out(current_user)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def invitation(token):
    return _set_password_page(token, reset=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token):
    return _set_password_page(token, reset=True)


def _set_password_page(token: str, *, reset: bool):
    """A one-time link's page: choose a password, then logged in (every other login and
    API token of the account ends)."""
    invite = authentication.invitation_for(token)
    if invite is None:
        return render_template("auth/invitation_expired.html", reset=reset), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        with problems_beside(form, "password"):
            user = authentication.accept_invitation(token, form.password.data)
            logout_user()
            _begin(user)
            if reset:
                flash("Your new password is set. Other devices have been logged out.", "success")
            else:
                flash(f"Welcome to Retrain, {user.name}. Your password is set.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/invitation.html", form=form, invitee=invite.user, reset=reset)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_reset_account_key)
def forgot_password():
    """The same answer whether or not an account uses the address (ASVS 6.3.8, 6.4)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        link_mail.request_for_address(form.email.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with problems_beside(form, "new_password"):
            authentication.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
