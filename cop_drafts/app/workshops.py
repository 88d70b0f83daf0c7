"""Workshops of a Code: the list, scheduling (AI Office), a workshop's page
with its minutes, the minutes editor and their publication."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from cop_drafts.db.models import Code, WorkshopAudience
from cop_drafts.services import calls, workshops
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require
from cop_drafts.services.rounds import BRUSSELS
from cop_drafts.store.errors import Conflict, NoChange
from cop_drafts.store.repo import DraftStore

from .web import (
    acting_user,
    current_code,
    current_store,
    db_session,
    settings,
    show_errors,
)

bp = Blueprint("workshops", __name__)


class WorkshopForm(FlaskForm):
    topic = StringField("Topic")
    starts_at = DateTimeLocalField(
        "Date and time (Brussels time)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    audience = RadioField(
        "Who is it for",
        choices=[SelectChoice(k.value, k.label) for k in WorkshopAudience],
        validate_choice=False,
    )
    wg = SelectField("Working Group", choices=[], validate_choice=False)
    place = StringField("Where (room, or the video call's address; invitees only)")
    description = TextAreaField("What it is about")


class MinutesForm(FlaskForm):
    text = TextAreaField("Minutes (Markdown)")
    message = StringField("What you changed (optional)")
    base = HiddenField()


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that POST."""


@contextmanager
def _minutes(code: Code) -> Iterator[DraftStore]:
    with workshops.open_minutes(settings(), code) as store:
        yield store


def _wg_choices() -> list[SelectChoice]:
    wgs = calls.working_groups(current_store())
    return [SelectChoice("", "—")] + [
        SelectChoice(str(n), f"Working Group {n}: {title}") for n, title in wgs
    ]


def _index(form: WorkshopForm, status: int = 200) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    listed = workshops.list_workshops(db, code, user)
    form.wg.choices = _wg_choices()
    return render_template(
        "workshops/index.html",
        code=code,
        listed=listed,
        form=form,
        audience_label=workshops.audience_label,
    ), status


@bp.get("/c/<code_slug>/workshops")
@login_required
def index(code_slug: str) -> Any:
    return _index(WorkshopForm(audience="everyone"))


@bp.post("/c/<code_slug>/workshops")
@login_required
def create(code_slug: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    require(user, Action.MANAGE_WORKSHOPS)
    form = WorkshopForm()
    form.validate()
    when = form.starts_at.data
    data = workshops.WorkshopInput(
        topic=form.topic.data or "",
        starts_at=when.replace(tzinfo=BRUSSELS) if when else None,
        audience=form.audience.data or "",
        wg=form.wg.data or "",
        place=form.place.data or "",
        description=form.description.data or "",
    )
    wgs = tuple(n for n, _ in calls.working_groups(current_store()))
    try:
        workshop = workshops.schedule(db, code, user, data, wgs)
    except ValidationError as error:
        show_errors(form, error)
        return _index(form, 400)
    flash(f"“{workshop.topic}” is scheduled.", "info")
    return redirect(url_for("workshops.show", code_slug=code_slug, slug=workshop.slug))


@bp.get("/c/<code_slug>/workshops/<slug>")
@login_required
def show(code_slug: str, slug: str) -> Any:
    db, code = db_session(), current_code()
    with _minutes(code) as store:
        page = workshops.page(db, store, code, acting_user(), slug)
    return render_template(
        "workshops/show.html", code=code, page=page, form=EmptyForm()
    )


def _editor(
    slug: str,
    form: MinutesForm | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Any:
    db, code = db_session(), current_code()
    with _minutes(code) as store:
        draft = workshops.open_editor(db, store, code, acting_user(), slug)
    if form is None:
        form = MinutesForm(text=draft.text, base=draft.base)
    return render_template(
        "workshops/edit.html", code=code, draft=draft, form=form, notice=notice
    ), status


@bp.get("/c/<code_slug>/workshops/<slug>/minutes")
@login_required
def edit(code_slug: str, slug: str) -> Any:
    return _editor(slug)


@bp.post("/c/<code_slug>/workshops/<slug>/minutes")
@login_required
def update(code_slug: str, slug: str) -> Any:
    db, form = db_session(), MinutesForm()
    code = current_code()
    try:
        with _minutes(code) as store:
            workshops.save_minutes(
                db,
                store,
                code,
                acting_user(),
                slug,
                text=form.text.data or "",
                base=form.base.data or "",
                message=form.message.data or "",
                limit=settings().max_upload_bytes,
            )
    except ValidationError as error:
        show_errors(form, error)
        return _editor(slug, form, 400)
    except Conflict:
        notice = (
            "Someone changed the same lines of these minutes while you were "
            "writing. Your text is below, not saved: compare it with the current "
            "minutes (open them in another tab), then save again."
        )
        form.base.data = ""
        return _editor(slug, form, 409, notice)
    except NoChange:
        return _editor(slug, form, 409, "Nothing changed: not saved.")
    flash("The minutes are saved.", "info")
    return redirect(url_for("workshops.show", code_slug=code_slug, slug=slug))


@bp.post("/c/<code_slug>/workshops/<slug>/publish")
@login_required
def publish(code_slug: str, slug: str) -> Any:
    db, code = db_session(), current_code()
    with _minutes(code) as store:
        workshops.publish_minutes(db, store, code, acting_user(), slug)
    flash("The minutes are published to everyone taking part.", "info")
    return redirect(url_for("workshops.show", code_slug=code_slug, slug=slug))
