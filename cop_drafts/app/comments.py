"""Posting, replying to, editing and withdrawing comments, and placing a
carried comment by hand."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from cop_drafts.db.models import CommentKind
from cop_drafts.services import codes as code_service
from cop_drafts.services import comments as comment_service
from cop_drafts.services import diffs as diff_service
from cop_drafts.services import margin, placing
from cop_drafts.services.comments import MAX_BODY, NewComment
from cop_drafts.services.errors import ValidationError

from .web import acting_user, current_code, current_store, db_session, filters_from

bp = Blueprint("comments", __name__)
_LIMIT = MAX_BODY + 1000  # the service gives the precise message


class CommentForm(FlaskForm):
    path = HiddenField(validators=[DataRequired(), Length(max=512)])
    rev = HiddenField(validators=[DataRequired(), Length(max=64)])
    line_start = IntegerField("From line", validators=[Optional(), NumberRange(1)])
    line_end = IntegerField("To line", validators=[Optional(), NumberRange(1)])
    quote = HiddenField(validators=[Optional(), Length(max=10_000)])
    body = TextAreaField("Comment", validators=[Optional(), Length(max=_LIMIT)])
    proposed_text = TextAreaField(
        "Proposed wording (optional)", validators=[Optional(), Length(max=_LIMIT)]
    )
    kind = HiddenField(default=CommentKind.COMMENT.value)
    client_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class BackForm(FlaskForm):
    """The version of the section page the form was sent from (``rev``), to go
    back to it."""

    rev = HiddenField()


class ReplyForm(BackForm):
    body = TextAreaField("Reply", validators=[Optional(), Length(max=_LIMIT)])
    client_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class EditForm(BackForm):
    body = TextAreaField("Comment", validators=[Optional(), Length(max=_LIMIT)])
    proposed_text = TextAreaField(
        "Proposed wording", validators=[Optional(), Length(max=_LIMIT)]
    )


class PlaceForm(BackForm):
    """Where a carried comment's passage is now: lines, and the words selected."""

    line_start = IntegerField("From line", validators=[DataRequired(), NumberRange(1)])
    line_end = IntegerField("To line", validators=[DataRequired(), NumberRange(1)])
    quote = HiddenField(validators=[Optional(), Length(max=10_000)])


def _form_error(form: FlaskForm) -> ValidationError:
    fields = {
        name: "; ".join(errors)
        for name, errors in form.errors.items()
        if name != "csrf_token"
    }
    return ValidationError(
        "The comment form is incomplete: "
        + ", ".join(f"{k}: {v}" for k, v in fields.items()),
        fields,
    )


def _back(comment: Any, code_slug: str, form: FlaskForm) -> Any:
    return redirect(
        url_for(
            "sections.show",
            code_slug=code_slug,
            path=comment.path,
            rev=form.rev.data or comment.tag,
            _anchor=f"c{comment.parent_id or comment.id}",
        )
    )


@bp.post("/c/<code_slug>/comments")
@login_required
def create(code_slug: str) -> Any:
    form = CommentForm()
    if not form.validate():
        raise _form_error(form)
    try:
        kind = CommentKind(form.kind.data or "comment")
    except ValueError as error:
        raise ValidationError("Unknown kind of comment.") from error
    data = NewComment(
        path=form.path.data or "",
        rev=form.rev.data or "",
        body=form.body.data or "",
        proposed_text=form.proposed_text.data,
        line_start=form.line_start.data,
        line_end=form.line_end.data,
        quote=form.quote.data,
        kind=kind,
        client_token=form.client_token.data or "",
    )
    db, code = db_session(), current_code()
    comment = comment_service.post(db, current_store(), code, acting_user(), data)
    flash(
        "Your note is saved." if kind is CommentKind.NOTE else "Your comment is saved.",
        "info",
    )
    return _back(comment, code_slug, form)


@bp.post("/c/<code_slug>/comments/<int:comment_id>/place")
@login_required
def place(code_slug: str, comment_id: int) -> Any:
    form = PlaceForm()
    if not form.validate():
        raise _form_error(form)
    db, code = db_session(), current_code()
    landing = placing.place(
        db,
        current_store(),
        code,
        acting_user(),
        comment_id,
        form.rev.data or "",
        (form.line_start.data, form.line_end.data),
        form.quote.data,
    )
    flash(
        f"The comment is now shown on lines {landing.line_start}–{landing.line_end}.",
        "info",
    )
    return _back(landing.comment, code_slug, form)


@bp.post("/c/<code_slug>/comments/<int:comment_id>/replies")
@login_required
def reply(code_slug: str, comment_id: int) -> Any:
    form = ReplyForm()
    if not form.validate():
        raise _form_error(form)
    db, code = db_session(), current_code()
    comment = comment_service.reply(
        db,
        code,
        acting_user(),
        comment_id,
        form.body.data or "",
        form.client_token.data or "",
    )
    return _back(comment, code_slug, form)


@bp.post("/c/<code_slug>/comments/<int:comment_id>/edit")
@login_required
def update(code_slug: str, comment_id: int) -> Any:
    form = EditForm()
    if not form.validate():
        raise _form_error(form)
    db, code = db_session(), current_code()
    comment = comment_service.edit(
        db,
        code,
        acting_user(),
        comment_id,
        form.body.data or "",
        form.proposed_text.data,
    )
    flash("Your comment is updated; the earlier text stays in its history.", "info")
    return _back(comment, code_slug, form)


@bp.post("/c/<code_slug>/comments/<int:comment_id>/withdraw")
@login_required
def delete(code_slug: str, comment_id: int) -> Any:
    db, code = db_session(), current_code()
    comment = comment_service.withdraw(db, code, acting_user(), comment_id)
    flash("Your comment is withdrawn.", "info")
    return _back(comment, code_slug, BackForm())


@bp.get("/c/<code_slug>/comments")
@login_required
def index(code_slug: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    store = current_store()
    rev = request.args.get("rev") or code_service.default_rev(db, code, user) or "main"
    version = code_service.resolve_version(db, store, code, user, rev)
    filters = filters_from(request.args)
    sections = margin.for_code(db, store, code, user, version.commit_id, filters)
    return render_template(
        "comments/index.html",
        code=code,
        version=version,
        filters=filters,
        sections=sections,
        iterations=code_service.iterations(db, code, user),
        branches=store.branches(),
        version_words=diff_service.version_words(store, version),
    )


@bp.get("/c/<code_slug>/comments/<int:comment_id>")
@login_required
def show(code_slug: str, comment_id: int) -> Any:
    db, code = db_session(), current_code()
    comment = comment_service.get_visible(db, code, acting_user(), comment_id)
    return redirect(
        url_for(
            "sections.show",
            code_slug=code_slug,
            path=comment.path,
            rev=comment.tag,
            _anchor=f"c{comment.parent_id or comment.id}",
        )
    )
