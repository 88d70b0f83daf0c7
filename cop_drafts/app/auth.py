"""Logging in and out, and accepting an invitation."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from cop_drafts.db.models import User
from cop_drafts.services import accounts
from cop_drafts.services.errors import TooManyAttempts, ValidationError

from .web import db_session, settings, show_errors

bp = Blueprint("auth", __name__)


class LoginUser:
    """Flask-Login's view of a User; keeps Flask out of the models."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        # The id carries a digest of the password hash: setting a new
        # password ends every other session of that person.
        digest = hashlib.sha256((self.user.password_hash or "").encode()).hexdigest()
        return f"{self.user.id}-{digest[:16]}"


def session_matches(user: User, session_id: str) -> bool:
    """True when a stored session id still fits the user's password."""
    return LoginUser(user).get_id() == session_id


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


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
    status = 200
    if form.validate_on_submit():
        config = settings()
        try:
            user = accounts.authenticate(
                db_session(),
                form.email.data or "",
                form.password.data or "",
                remote_addr=request.remote_addr or "",
                max_failures=config.login_max_failures,
                window_minutes=config.login_window_minutes,
            )
        except TooManyAttempts as error:
            form.form_errors.append(str(error))
            status = 429
        except ValidationError as error:
            form.form_errors.append(str(error))
            status = 401
        else:
            login_user(LoginUser(user))
            return redirect(next_url or url_for("codes.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Any:
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
            user = accounts.accept_invitation(
                db, token, form.password.data or "", form.confirm.data or ""
            )
        except ValidationError as error:
            show_errors(form, error)
            status = 400
        else:
            logout_user()
            login_user(LoginUser(user))
            flash("Your password is set. Welcome.", "info")
            return redirect(url_for("codes.index"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "auth/invite.html", form=form, invitee=invitation.user
    ), status
