"""Publishing an iteration of the Code: a tag on main, comments carried."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from cop_drafts.services import codes as code_service
from cop_drafts.services import consistency, publishing
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require

from .web import acting_user, db_session, get_store, show_errors

bp = Blueprint("publishing", __name__)


class PublishForm(FlaskForm):
    tag = StringField(
        "Name of the iteration", validators=[DataRequired(), Length(max=63)]
    )
    message = TextAreaField(
        "What this iteration is", validators=[DataRequired(), Length(max=5000)]
    )


def _page(code_slug: str, form: PublishForm, status: int = 200) -> Any:
    db = db_session()
    code = code_service.get_code(db, code_slug)
    store = get_store(code_slug)
    user = acting_user()
    main = code_service.resolve_version(db, store, code, user, "main")
    return render_template(
        "publishing/new.html",
        code=code,
        form=form,
        main=main,
        tip=store.commit_info(main.commit_id),
        iterations=code_service.iterations(db, code, user),
        report=consistency.check_report(db, store, code),
    ), status


@bp.get("/c/<code_slug>/publish")
@login_required
def new(code_slug: str) -> Any:
    require(acting_user(), Action.PUBLISH)
    return _page(code_slug, PublishForm())


@bp.post("/c/<code_slug>/publish")
@login_required
def create(code_slug: str) -> Any:
    require(acting_user(), Action.PUBLISH)
    form = PublishForm()
    if not form.validate():
        return _page(code_slug, form, 400)
    db = db_session()
    code = code_service.get_code(db, code_slug)
    try:
        iteration, counts = publishing.publish(
            db,
            get_store(code_slug),
            code,
            acting_user(),
            form.tag.data or "",
            form.message.data or "",
        )
    except ValidationError as error:
        show_errors(form, error)
        return _page(code_slug, form, 400)
    carried = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none open"
    flash(f"{iteration.tag} is published. Comments carried: {carried}.", "info")
    return redirect(url_for("codes.show", code_slug=code_slug, rev=iteration.tag))
