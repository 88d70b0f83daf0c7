"""The closing Plenary's statements: providers say whether they envisage
signing the final Code; the AI Office publishes the list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice

from cop_drafts.db.models import SigningIntent
from cop_drafts.services import statements
from cop_drafts.services.errors import ValidationError

from .web import acting_user, current_code, db_session, show_errors

bp = Blueprint("statements", __name__)


class StatementForm(FlaskForm):
    intent = RadioField(
        "Does your organisation envisage signing the final Code?",
        choices=[SelectChoice(k.value, k.label) for k in SigningIntent],
        validate_choice=False,
    )
    statement = TextAreaField("Statement (optional, published with your answer)")


class PublicationForm(FlaskForm):
    """Publish the list ("1") or take it back ("0")."""

    published = HiddenField()


def _page(form: StatementForm | None = None, status: int = 200) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    page = statements.overview(db, code, user)
    if form is None:
        mine = page.mine
        form = StatementForm(
            intent=mine.intent.value if mine else None,
            statement=mine.statement if mine else "",
        )
    return render_template(
        "statements/index.html",
        code=code,
        page=page,
        form=form,
        publish_form=PublicationForm(),
        intents=list(SigningIntent),
    ), status


@bp.get("/c/<code_slug>/statements")
def index(code_slug: str) -> Any:
    return _page()


@bp.post("/c/<code_slug>/statements")
@login_required
def create(code_slug: str) -> Any:
    db, form = db_session(), StatementForm()
    code = current_code()
    try:
        statements.state(
            db, code, acting_user(), form.intent.data or "", form.statement.data or ""
        )
    except ValidationError as error:
        show_errors(form, error)
        return _page(form, 400)
    flash("Your organisation's statement is recorded.", "info")
    return redirect(url_for("statements.index", code_slug=code_slug))


@bp.post("/c/<code_slug>/statements/publication")
@login_required
def publish(code_slug: str) -> Any:
    db, code = db_session(), current_code()
    published = PublicationForm().published.data == "1"
    statements.publish(db, code, acting_user(), published)
    flash(
        "The statements are published."
        if published
        else "The statements are taken back: providers may change them again.",
        "info",
    )
    return redirect(url_for("statements.index", code_slug=code_slug))
