"""The AI Office opens drafting rounds and extends their comment windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from cop_drafts.db.models import Visibility
from cop_drafts.services import codes as code_service
from cop_drafts.services import rounds as round_service
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require

from .fields import DayTimeField, required
from .web import acting_user, current_code, db_session, show_errors

bp = Blueprint("rounds", __name__)


VISIBILITY_CHOICES = [
    SelectChoice(
        Visibility.WORKING_GROUP.value, "every participant of the Working Group"
    ),
    SelectChoice(Visibility.CHAIRS.value, "the Chairs only"),
]


class RoundForm(FlaskForm):
    tag = SelectField("Published draft", choices=[], validators=[DataRequired()])
    plenary_at = DayTimeField(
        "Plenary meeting",
        validators=[required("Give the day and time of the Plenary meeting.")],
    )
    closes_at = DayTimeField("Window closes")
    visibility = SelectField("Comments are visible to", choices=VISIBILITY_CHOICES)
    observers_may_comment = BooleanField("Observers may comment")


class ExtendForm(FlaskForm):
    closes_at = DayTimeField(
        "New closing time",
        validators=[required("Give the new closing day and time.")],
    )


def brussels_input(value: datetime | None, field: str) -> datetime | None:
    """A form's date-time as an exact time. Browsers send local date-times
    without a zone: they are Brussels times. Raises ValidationError for
    impossible ones; an hour that happens twice is resolved and said."""
    if value is None:
        return None
    local = round_service.brussels_time(value, field)
    if local.note:
        flash(local.note, "info")
    return local.at


def _page(
    form: RoundForm | None = None,
    status: int = 200,
    extending: tuple[int, ExtendForm] | None = None,
) -> Any:
    db, code = db_session(), current_code()
    form = form or RoundForm()
    form.tag.choices = [
        SelectChoice(it.tag, it.tag)
        for it in reversed(code_service.iterations(db, code, acting_user()))
    ]
    rounds = round_service.list_rounds(db, code)
    # One form per round, filled with its closing time; the one just sent
    # keeps what was typed and its error.
    extend = {
        r.id: ExtendForm(
            formdata=None, data={"closes_at": round_service.local(r.closes_at)}
        )
        for r in rounds
    }
    if extending is not None:
        extend[extending[0]] = extending[1]
    for round_id, each in extend.items():
        each.closes_at.id = f"closes_at-{round_id}"  # one id per row
    return render_template(
        "rounds/index.html",
        code=code,
        form=form,
        extend=extend,
        extending=extending[0] if extending else None,
        rounds=rounds,
        state=round_service.state,
    ), status


@bp.get("/c/<code_slug>/rounds")
@login_required
def index(code_slug: str) -> Any:
    require(acting_user(), Action.MANAGE_ROUNDS)
    return _page()


@bp.post("/c/<code_slug>/rounds")
@login_required
def create(code_slug: str) -> Any:
    require(acting_user(), Action.MANAGE_ROUNDS)
    form = RoundForm()
    db, code = db_session(), current_code()
    form.tag.choices = [
        SelectChoice(it.tag, it.tag)
        for it in code_service.iterations(db, code, acting_user())
    ]
    if not form.validate():
        return _page(form, 400)
    try:
        data = round_service.RoundInput(
            tag=form.tag.data or "",
            plenary_at=brussels_input(form.plenary_at.data, "plenary_at"),  # type: ignore[arg-type]
            visibility=Visibility(form.visibility.data),
            observers_may_comment=bool(form.observers_may_comment.data),
            closes_at=brussels_input(form.closes_at.data, "closes_at"),
        )
        round_service.open_round(db, code, acting_user(), data)
    except ValidationError as error:
        show_errors(form, error)
        return _page(form, 400)
    flash(f"The round on {data.tag} is set up.", "info")
    return redirect(url_for("rounds.index", code_slug=code_slug))


@bp.post("/c/<code_slug>/rounds/<int:round_id>/extend")
@login_required
def update(code_slug: str, round_id: int) -> Any:
    require(acting_user(), Action.MANAGE_ROUNDS)
    form = ExtendForm()
    if not form.validate():
        return _page(status=400, extending=(round_id, form))
    db, code = db_session(), current_code()
    try:
        closes_at = brussels_input(form.closes_at.data, "closes_at")
        round_ = round_service.extend_round(
            db,
            code,
            acting_user(),
            round_id,
            closes_at,  # type: ignore[arg-type]
        )
    except ValidationError as error:
        show_errors(form, error)
        return _page(status=400, extending=(round_id, form))
    flash(f"The window of {round_.tag} now closes later.", "info")
    return redirect(url_for("rounds.index", code_slug=code_slug))
