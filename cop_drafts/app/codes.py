"""The list of Codes and a Code's front page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from cop_drafts.db.models import Round, utcnow
from cop_drafts.services import codes as code_service
from cop_drafts.services import diffs as diff_service
from cop_drafts.services import home as home_service
from cop_drafts.services import rounds as round_service
from cop_drafts.services import visits

from .web import acting_user, current_code, current_store, db_session

bp = Blueprint("codes", __name__)


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: for buttons that POST."""


class VisibilityForm(FlaskForm):
    """Make a published iteration public ("1") or participants-only."""

    public = HiddenField()


@bp.app_template_global("comment_reason")
def comment_reason(round_: Round | None, wg: int | None) -> str:
    """Why the reader may or may not comment on a section of `wg` now (for the
    comment window's banner on every section page)."""
    return home_service.comment_rule(acting_user(), round_, wg, utcnow())[1]


@bp.app_template_global("window_state")
def window_state(round_: Round) -> round_service.WindowState:
    """Upcoming, open or closed: a round's window now."""
    return round_service.state(round_)


@bp.get("/")
def index() -> Any:
    codes = code_service.list_codes(db_session())
    return render_template("codes/index.html", codes=codes)


@bp.get("/favicon.ico")
def favicon() -> Any:
    # Browsers ask for /favicon.ico whatever the page says; the icon is an SVG.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/c/<code_slug>")
def show(code_slug: str) -> Any:
    db, user, code, store = db_session(), acting_user(), current_code(), current_store()
    overview = code_service.overview(db, store, code, user, request.args.get("rev"))
    unread = visits.unread_paths(db, user, code, store) if overview else set()
    return render_template(
        "codes/show.html",
        code=code,
        overview=overview,
        home=home_service.home(db, store, code, user, unread) if overview else None,
        window_words=home_service.window_words,
        message_words=diff_service.message_words,
        form=EmptyForm(),
    )


@bp.post("/c/<code_slug>/iterations/<tag>/visibility")
@login_required
def visibility(code_slug: str, tag: str) -> Any:
    public = VisibilityForm().public.data == "1"
    code_service.set_public(db_session(), current_code(), acting_user(), tag, public)
    flash(
        f"{tag} is now {'public' if public else 'visible to participants only'}.",
        "info",
    )
    return redirect(url_for("codes.show", code_slug=code_slug))
