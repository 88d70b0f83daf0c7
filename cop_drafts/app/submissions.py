"""Written submissions: the spreadsheet template, and uploading it filled in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Length

from cop_drafts.services import codes as code_service
from cop_drafts.services import submissions as submission_service
from cop_drafts.services.submissions import Problem, Rejected

from .web import (
    acting_user,
    brussels,
    current_code,
    current_store,
    db_session,
    settings,
)

bp = Blueprint("submissions", __name__)

_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadForm(FlaskForm):
    rev = HiddenField(validators=[DataRequired(), Length(max=64)])
    upload = FileField(
        "Your filled-in template (.xlsx or .csv)",
        validators=[FileRequired("Choose the file to upload.")],
    )
    author = SelectField("On behalf of", choices=[], validate_choice=False, default="")


def _page(
    form: UploadForm,
    status: int = 200,
    problems: Sequence[Problem] = (),
    file_name: str = "",
) -> Any:
    """The upload page; after a refused upload, with its problems (status 400)."""
    db, user, code = db_session(), acting_user(), current_code()
    rev = form.rev.data or request.args.get("rev")
    page = submission_service.upload_page(db, current_store(), code, user, rev)
    form.rev.data = page.iteration.tag
    form.author.choices = [("", "Choose the participant")] + [
        (u.email, f"{u.name} ({u.email})") for u in page.authors
    ]
    html = render_template(
        "submissions/new.html",
        code=code,
        page=page,
        form=form,
        limit=settings().max_upload_bytes,
        problems=problems,
        file_name=file_name,
    )
    return html, status


@bp.get("/c/<code_slug>/submissions/template/<tag>.<any(xlsx, csv):fmt>")
@login_required
def template(code_slug: str, tag: str, fmt: str) -> Any:
    db, code = db_session(), current_code()
    code_service.get_iteration(db, code, acting_user(), tag)
    name, data = submission_service.template(current_store(), code, tag, fmt)
    response = Response(data, mimetype=_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/c/<code_slug>/submissions")
@login_required
def new(code_slug: str) -> Any:
    return _page(UploadForm(formdata=None))


@bp.post("/c/<code_slug>/submissions")
@login_required
def create(code_slug: str) -> Any:
    form, db, actor = UploadForm(), db_session(), acting_user()
    if not form.validate():
        errors = [Problem(None, e) for field in form for e in field.errors]
        return _page(form, 400, errors)
    author = submission_service.find_author(db, actor, form.author.data or "")
    limit, upload = settings().max_upload_bytes, form.upload.data
    try:
        result = submission_service.import_submission(
            db,
            current_store(),
            current_code(),
            actor,
            author,
            form.rev.data or "",
            upload.filename or "upload",
            upload.read(),  # at most MAX_CONTENT_LENGTH
            limit=limit,
        )
    except Rejected as error:
        return _page(form, 400, error.problems, upload.filename or "")
    flash(_imported(result), "info")
    return redirect(url_for(".new", code_slug=code_slug, rev=result.tag))


def _imported(result: submission_service.Result) -> str:
    if result.already:
        return (
            f"{result.file_name} was already imported on "
            f"{brussels(result.created_at, '%d %B %Y at %H:%M')}: nothing was added."
        )
    count = f"{result.count} comment{'' if result.count == 1 else 's'} imported"
    return f"{count} on {result.tag} for {result.author}."
