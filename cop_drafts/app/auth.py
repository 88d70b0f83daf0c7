"""Logging in and out, changing one's password, accepting an invitation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from cop_drafts.db.models import User
from cop_drafts.services import accounts, sessions, throttle
from cop_drafts.services.errors import TooManyAttempts, ValidationError

from .web import acting_user, db_session, settings, show_errors

bp = Blueprint("auth", __name__)


class LoginUser:
    """Flask-Login's view of a User in one server-side session; keeps Flask
    out of the models."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.token = token

    def get_id(self) -> str:
        # What the signed cookie keeps: the session's random token. The
        # session exists only while its row does (services.sessions), so a
        # copy of the cookie dies with it.
        return self.token


def limits() -> throttle.Limits:
    """The login throttle's budgets from the settings."""
    config = settings()
    return throttle.Limits(
        per_pair=config.login_max_failures,
        per_address=config.login_address_failures,
        per_account=config.login_account_failures,
        delay=timedelta(seconds=config.login_delay_seconds),
        window=timedelta(minutes=config.login_window_minutes),
    )


def _too_many(form: FlaskForm, error: TooManyAttempts) -> tuple[int, dict[str, str]]:
    show_errors(form, error)
    return 429, {"Retry-After": str(error.seconds)}


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1024)]
    )
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)]
    )
    confirm = PasswordField("Repeat it", validators=[DataRequired(), Length(max=1024)])


class PasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)]
    )
    confirm = PasswordField("Repeat it", validators=[DataRequired(), Length(max=1024)])


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site; None for anything else.

    Only same-site paths are followed after login: no scheme, no host, no
    protocol-relative ``//host`` and no backslash tricks browsers normalise.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    status, headers = 200, dict[str, str]()
    if form.validate_on_submit():
        try:
            user, token = accounts.authenticate(
                db_session(),
                form.email.data or "",
                form.password.data or "",
                remote_addr=request.remote_addr or "",
                limits=limits(),
            )
        except TooManyAttempts as error:
            status, headers = _too_many(form, error)
        except ValidationError as error:
            show_errors(form, error)
            status = 401
        else:
            login_user(LoginUser(user, token))
            return redirect(next_url or url_for("codes.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout() -> Any:
    # End the session on the server first: a copy of the cookie is then worth
    # nothing, not just this browser's.
    sessions.end(db_session(), current_user.token)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("codes.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str) -> Any:
    db = db_session()
    invitation = accounts.find_invitation(db, token[:200])
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, session_token = accounts.accept_invitation(
                db,
                token,
                form.password.data or "",
                form.confirm.data or "",
                remote_addr=request.remote_addr or "",
            )
        except ValidationError as error:
            show_errors(form, error)
            status = 400
        else:
            logout_user()
            login_user(LoginUser(user, session_token))
            flash("Your password is set. Welcome.", "info")
            return redirect(url_for("codes.index"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "auth/invite.html", form=form, invitee=invitation.user
    ), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    form = ChangePasswordForm()
    status, headers = 200, dict[str, str]()
    if form.validate_on_submit():
        try:
            ended = accounts.change_password(
                db_session(),
                acting_user(),  # type: ignore[arg-type]
                form.current.data or "",
                form.password.data or "",
                form.confirm.data or "",
                remote_addr=request.remote_addr or "",
                limits=limits(),
                keep=current_user.token,
            )
        except TooManyAttempts as error:
            status, headers = _too_many(form, error)
        except ValidationError as error:
            show_errors(form, error)
            status = 400
        else:
            others = f" {ended} other session(s) ended." if ended else ""
            flash(f"Your password is changed.{others}", "info")
            return redirect(url_for("codes.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status, headers
