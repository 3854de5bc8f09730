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
from ..extensions import limiter
from ..infrastructure import audit, logins
from ..usecases import accounts
from .forms import ChangePasswordForm, LoginForm, SetPasswordForm
from .redirects import safe_next

bp = Blueprint("auth", __name__)

FAILED_LOGIN = "That e-mail and password do not match an active account."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


def begin_session(user) -> None:
    """A fresh cookie session bound to a new server-side login row (ASVS 7.2.4)."""
    session.clear()
    login_user(logins.start(user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            begin_session(user)
            audit.record("login", actor=user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        audit.record("login", outcome="refused")  # the e-mail tried is not kept
        flash(FAILED_LOGIN, "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    audit.record("logout")
    logins.end(current_user.session_key)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def invitation(token):
    invite = accounts.invitation_for(token)
    if invite is None:
        return render_template("auth/invitation_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(token, form.password.data)
        except Invalid as error:
            form.password.errors.append(error.message)
        else:
            logout_user()
            begin_session(user)
            audit.record("accept_invitation", actor=user)
            flash(f"Welcome to Retrain, {user.name}. Your password is set.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/invitation.html", form=form, invitee=invite.user)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except Invalid as error:
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            audit.record("change_password")
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
