"""The section editor: open, preview, review and save; conflicts to resolve."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from cop_drafts.services import codes as code_service
from cop_drafts.services import drafts
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.flowback import FlowStatus
from cop_drafts.store.errors import NoChange

from .web import acting_user, db_session, get_store, settings

bp = Blueprint("editor", __name__)


def _submission() -> drafts.Submission:
    upload = request.files.get("upload")
    data, name = None, ""
    if upload is not None and upload.filename:
        name, data = upload.filename, upload.read()
    return drafts.Submission(
        text=request.form.get("text"),
        message=request.form.get("message", ""),
        base=request.form.get("base", ""),
        upload=data,
        filename=name,
    )


def _editor(code_slug: str, path: str, status: int = 200, **page: Any) -> Any:
    """The editor page; `page` may carry the submitted text, errors, a notice."""
    code = code_service.get_code(db_session(), code_slug)
    draft = drafts.open_draft(get_store(code_slug), acting_user(), path)
    sub: drafts.Submission | None = page.pop("sub", None)
    values = {
        "text": draft.text if sub is None or sub.text is None else sub.text,
        "message": sub.message if sub else "",
        "base": sub.base if sub and sub.base else draft.commit.commit_id,
    }
    html = render_template(
        "editor/edit.html",
        code=code,
        draft=draft,
        values=values,
        unsaved=sub is not None,
        limit=settings().max_upload_bytes,
        waiting=drafts.waiting_from_main(get_store(code_slug), draft),
        **{
            "errors": {},
            "error": None,
            "notice": None,
            "saved": None,
            "cleared": None,
            **page,
        },
    )
    return html, status


@bp.get("/c/<code_slug>/edit/<path:path>")
@login_required
def edit(code_slug: str, path: str) -> Any:
    saved = request.args.get("saved")
    return _editor(code_slug, path, saved=saved, cleared=request.args.get("draft"))


@bp.post("/c/<code_slug>/edit/<path:path>")
@login_required
def update(code_slug: str, path: str) -> Any:
    db, store, sub = db_session(), get_store(code_slug), _submission()
    code = code_service.get_code(db, code_slug)
    draft_key = request.form.get("draft") or sub.base
    try:
        saved = drafts.save(
            db, store, code, acting_user(), path, sub, settings().max_upload_bytes
        )
    except ValidationError as error:
        return _editor(
            code_slug, path, 400, sub=sub, errors=error.fields, error=str(error)
        )
    except drafts.EditConflict as conflict:
        page = {"code": code, "conflict": conflict, "draft_key": draft_key}
        return render_template("editor/conflict.html", **page), 409
    except NoChange:
        notice = "Nothing to save: the text is the same as the current version."
        return _editor(code_slug, path, 409, sub=sub, notice=notice)
    _flash_saved(saved)
    return redirect(
        url_for(
            "editor.edit",
            code_slug=code_slug,
            path=path,
            saved=saved.commit_id,
            draft=draft_key,
        )
    )


def _flash_saved(saved: drafts.Saved) -> None:
    # The saved page says where the commit is; the flash only what it adds.
    if saved.merged:
        flash("Your changes were merged with newer ones on the branch.", "info")
    stuck = [f.branch for f in saved.flow_back if f.status is FlowStatus.CONFLICT]
    moved = [f.branch for f in saved.flow_back if f.status is not FlowStatus.CONFLICT]
    if moved:
        flash(f"Brought into {', '.join(moved)}.", "info")
    if stuck:
        flash(
            f"Could not bring this change into {', '.join(stuck)}: it clashes with "
            "work there. Nothing was lost; resolve it on the consolidation board.",
            "warning",
        )


@bp.post("/c/<code_slug>/review/<path:path>")
@login_required
def review(code_slug: str, path: str) -> Any:
    code = code_service.get_code(db_session(), code_slug)
    sub = _submission()
    try:
        pending = drafts.review(
            get_store(code_slug), acting_user(), path, sub, settings().max_upload_bytes
        )
    except ValidationError as error:
        return _editor(
            code_slug, path, 400, sub=sub, errors=error.fields, error=str(error)
        )
    draft_key = request.form.get("draft") or sub.base
    return render_template(
        "editor/review.html", code=code, review=pending, draft_key=draft_key
    )


@bp.post("/c/<code_slug>/preview/<path:path>")
@login_required
def preview(code_slug: str, path: str) -> Any:
    code_service.get_code(db_session(), code_slug)
    html = drafts.preview(
        get_store(code_slug),
        acting_user(),
        path,
        request.form.get("text"),
        settings().max_upload_bytes,
    )
    return jsonify(html=str(html))
