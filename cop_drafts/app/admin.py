"""The AI Office's pages: people, invitations, the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    ROLE_LABELS,
    WG_ROLE_LABELS,
    Category,
    Role,
    WgRole,
)
from cop_drafts.services import accounts, audit, sessions
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require

from .web import absolute_url, acting_user, db_session, settings, show_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

WG_CHOICES = [SelectChoice(str(n), f"Working Group {n}") for n in range(1, 5)]


class EndSessionsForm(FlaskForm):
    """Only the CSRF token: ending a person's sessions is a POST."""


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role],
        default=Role.PARTICIPANT.value,
    )
    wg_role = SelectField(
        "Role in the Working Groups",
        choices=[SelectChoice(r.value, WG_ROLE_LABELS[r]) for r in WgRole],
        default=WgRole.MEMBER.value,
    )
    category = SelectField(
        "Stakeholder category",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category],
        validators=[Optional()],
    )
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    wgs = SelectMultipleField("Working Groups", choices=WG_CHOICES)


def _person(form: InviteForm) -> accounts.NewPerson:
    wg_role = WgRole(form.wg_role.data)
    return accounts.NewPerson(
        email=form.email.data or "",
        name=form.name.data or "",
        role=Role(form.role.data),
        category=Category(form.category.data) if form.category.data else None,
        organisation=form.organisation.data or None,
        memberships=tuple((int(wg), wg_role) for wg in form.wgs.data or []),
    )


def _users_page(form: InviteForm, link: str | None = None, status: int = 200) -> Any:
    db = db_session()
    users = accounts.list_users(db)
    ids = [u.id for u in users]
    return render_template(
        "admin/users.html",
        users=users,
        pending=accounts.pending_invitations(db, ids),
        open_sessions=sessions.count(db, ids),
        end_form=EndSessionsForm(formdata=None),
        form=form,
        link=link,
    ), status


@bp.get("/users")
@login_required
def index() -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    return _users_page(InviteForm())


@bp.post("/invitations")
@login_required
def create() -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    form = InviteForm()
    if not form.validate():
        return _users_page(form, status=400)
    try:
        user, token = accounts.invite(
            db_session(), acting_user(), _person(form), days=settings().invitation_days
        )
    except ValidationError as error:
        show_errors(form, error)
        return _users_page(form, status=400)
    # On the canonical URL: the link must not follow the Host this request named.
    link = absolute_url("auth.accept", token=token)
    return _users_page(
        InviteForm(formdata=None), link=f"{user.email}: {link}", status=201
    )


@bp.post("/users/<int:user_id>/sessions/end")
@login_required
def end_sessions(user_id: int) -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    if not EndSessionsForm().validate():
        raise ValidationError("The form expired; reload the page and try again.")
    ended = sessions.end_all(db_session(), acting_user(), user_id)
    flash(f"{ended} session(s) ended: that person has to log in again.", "info")
    return redirect(url_for("admin.index"))


@bp.get("/audit")
@login_required
def audit_log() -> Any:
    require(acting_user(), Action.VIEW_AUDIT)
    return render_template("admin/audit.html", events=audit.recent(db_session()))
