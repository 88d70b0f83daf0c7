"""Publishing an iteration in two steps: review what would happen, then
confirm by name. The tag never moves, so nothing is published in one click."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Visibility
from cop_drafts.services import codes as code_service
from cop_drafts.services import consistency, exports, publishing, rounds
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require
from cop_drafts.store.errors import StaleBase

from .rounds import VISIBILITY_CHOICES, brussels_input
from .web import (
    acting_user,
    cache,
    current_code,
    current_store,
    db_session,
    settings,
    show_errors,
)

bp = Blueprint("publishing", __name__)
log = logging.getLogger(__name__)


class PublishForm(FlaskForm):
    tag = StringField(
        "Name of the iteration", validators=[DataRequired(), Length(max=63)]
    )
    notes = TextAreaField(
        "Release notes: what this iteration is and what changed",
        validators=[DataRequired(), Length(max=5000)],
    )
    open_round = BooleanField("Open a round of comments on this iteration")
    plenary_at = DateTimeLocalField(
        "Plenary meeting (Brussels time)", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        "Comments close (Brussels time; empty: two weeks after, 18:00)",
        validators=[Optional()],
    )
    visibility = SelectField(
        "Comments are visible to",
        choices=VISIBILITY_CHOICES,
        default=Visibility.WORKING_GROUP.value,
    )
    observers_may_comment = BooleanField("Observers may comment")
    if_open = RadioField(
        "If the current round is still open",
        choices=[
            SelectChoice("close", "close its comment window when publishing"),
            SelectChoice("refuse", "do not publish until it has closed"),
        ],
        default="close",
        # Only shown while a round is open; absent means "close".
        validate_choice=False,
    )
    accept_errors = BooleanField(
        "I have read the error-level findings and publish with them"
    )
    base = HiddenField()


def _input(form: PublishForm) -> publishing.PublishInput:
    next_round = None
    if form.open_round.data:
        plenary = brussels_input(form.plenary_at.data, "plenary_at")
        if plenary is None:
            raise ValidationError(
                "Plenary missing.",
                {"plenary_at": "Give the date of the Plenary that opens the round."},
            )
        next_round = rounds.RoundInput(
            tag=form.tag.data or "",
            plenary_at=plenary,
            visibility=Visibility(form.visibility.data),
            observers_may_comment=bool(form.observers_may_comment.data),
            closes_at=brussels_input(form.closes_at.data, "closes_at"),
        )
    return publishing.PublishInput(
        tag=form.tag.data or "",
        notes=form.notes.data or "",
        next_round=next_round,
        close_open_round=form.if_open.data != "refuse",
        base=form.base.data or None,
        accept_errors=bool(form.accept_errors.data),
    )


def prepare_downloads(code_slug: str, tag: str) -> threading.Thread | None:
    """Build every download of a new iteration in a background thread.

    Its own database session and store: nothing of the request is shared.
    A failure is logged; the page then builds what is missing when viewed.
    """
    config = settings()
    if not config.prepare_downloads:
        return None
    sessions = current_app.extensions["cop_drafts.sessions"]

    def work() -> None:
        try:
            with sessions() as db, code_service.open_store(config, code_slug) as store:
                code = code_service.get_code(db, code_slug)
                iteration = code_service.find_iteration(db, code, tag)
                if iteration is not None:
                    exports.prepare(
                        db, store, FileCache(config.downloads_dir), code, iteration
                    )
        except Exception:  # a background thread has no one else to tell
            log.exception("preparing the downloads of %s failed", tag)

    thread = threading.Thread(target=work, name=f"downloads-{code_slug}-{tag}")
    thread.daemon = True
    thread.start()
    return thread


def _form_page(form: PublishForm, status: int = 200) -> Any:
    db, code = db_session(), current_code()
    return render_template(
        "publishing/new.html",
        code=code,
        form=form,
        tip=current_store().commit_info("main"),
        iterations=code_service.iterations(db, code, acting_user()),
        open_round=rounds.open_now(db, code),
        report=consistency.check_report(db, current_store(), code),
    ), status


def _review(form: PublishForm, status: int = 200) -> Any:
    """The review page, or the form again with what is wrong."""
    db, code = db_session(), current_code()
    store = current_store()
    try:
        result = publishing.review(
            db, store, cache(), code, acting_user(), _input(form)
        )
    except ValidationError as error:
        show_errors(form, error)
        return _form_page(form, 400)
    if not form.base.data:
        form.base.data = result.tip.commit_id
    return render_template(
        "publishing/review.html", code=code, form=form, review=result
    ), status


@bp.get("/c/<code_slug>/publish")
@login_required
def new(code_slug: str) -> Any:
    require(acting_user(), Action.PUBLISH)
    db, code = db_session(), current_code()
    count = len(code_service.iterations_all(db, code))
    form = PublishForm(formdata=None, tag=f"draft-{count + 1}", open_round=True)
    return _form_page(form)


@bp.post("/c/<code_slug>/publish")
@login_required
def review(code_slug: str) -> Any:
    require(acting_user(), Action.PUBLISH)
    form = PublishForm()
    if not form.validate():
        return _form_page(form, 400)
    form.base.data = ""  # a review from the form names main as it is now
    return _review(form)


@bp.post("/c/<code_slug>/publish/confirm")
@login_required
def create(code_slug: str) -> Any:
    require(acting_user(), Action.PUBLISH)
    form = PublishForm()
    if not form.validate() or not form.base.data:
        return _form_page(form, 400)
    db, code = db_session(), current_code()
    try:
        done = publishing.publish(
            db, current_store(), code, acting_user(), _input(form)
        )
    except StaleBase:
        db.rollback()
        form.base.data = ""
        flash(
            "The consolidated text changed while you reviewed it (or someone "
            "published it first). Nothing was published: review it again.",
            "error",
        )
        return _review(form, 409)
    except ValidationError as error:
        db.rollback()
        show_errors(form, error, on_fields=False)  # the review hides the fields
        return _review(form, 400)
    carried = (
        ", ".join(f"{n} {s}" for s, n in sorted(done.carried.items())) or "none open"
    )
    flash(f"{done.iteration.tag} is published. Comments carried: {carried}.", "info")
    prepare_downloads(code_slug, done.iteration.tag)
    return redirect(
        url_for("iterations.show", code_slug=code_slug, tag=done.iteration.tag)
    )
