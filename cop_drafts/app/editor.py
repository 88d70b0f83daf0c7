"""The section editor: open, preview, review and save; conflicts to resolve."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from cop_drafts.services import conflicts, consolidation, drafts
from cop_drafts.services.conflicts import draft_name
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.flowback import FlowStatus
from cop_drafts.store.errors import NoChange

from .web import (
    acting_user,
    current_code,
    current_store,
    db_session,
    get_store,
    settings,
)

bp = Blueprint("editor", __name__)
CONFLICT = FlowStatus.CONFLICT


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


def _editor(path: str, status: int = 200, **page: Any) -> Any:
    """The editor page; `page` may carry the submitted text, errors, a notice."""
    code = current_code()
    draft = drafts.open_draft(current_store(), acting_user(), path)
    sub: drafts.Submission | None = page.pop("sub", None)
    values = {
        "text": draft.text if sub is None or sub.text is None else sub.text,
        "message": sub.message if sub else "",
        "base": sub.base if sub and sub.base else draft.commit.commit_id,
    }
    store = current_store()
    waiting = drafts.waiting_from_main(store, draft)
    waiting_count = 0
    if waiting is not None:
        # Counted as the board counts them: merges that wrote no text left out.
        wg = draft.section.wg
        counted = consolidation.waiting_changes(store, wg) if wg is not None else 0
        waiting_count = counted or waiting.count
    html = render_template(
        "editor/edit.html",
        code=code,
        draft=draft,
        values=values,
        unsaved=sub is not None,
        limit=settings().max_upload_bytes,
        waiting=waiting,
        waiting_count=waiting_count,
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
    return _editor(path, saved=saved, cleared=request.args.get("draft"))


@bp.post("/c/<code_slug>/edit/<path:path>")
@login_required
def update(code_slug: str, path: str) -> Any:
    db, store, sub = db_session(), current_store(), _submission()
    code = current_code()
    draft_key = request.form.get("draft") or sub.base
    try:
        saved = drafts.save(
            db, store, code, acting_user(), path, sub, settings().max_upload_bytes
        )
    except ValidationError as error:
        return _editor(path, 400, sub=sub, errors=error.fields, error=str(error))
    except drafts.EditConflict as conflict:
        return _conflict(code, conflict, draft_key, sub.base)
    except NoChange:
        notice = "Nothing to save: the text is the same as the current version."
        return _editor(path, 409, sub=sub, notice=notice)
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


def _conflict(
    code: Any, conflict: drafts.EditConflict, draft_key: str, started_from: str
) -> Any:
    """The resolution view of a save that clashed, no choice made yet (the
    text shown at once when no single passage clashes)."""
    file = conflict.file
    resolution = None
    if not file.conflicts:
        resolution = conflicts.resolve((file,), {}, current="theirs")
    return _resolution_page(
        code,
        conflict.draft,
        file,
        resolution=resolution,
        theirs_commit_id=conflict.theirs_commit_id,
        started_from="" if conflict.stale else started_from.strip(),
        newer=conflict.newer,
        message=conflict.message,
        draft_key=draft_key,
    )


def _resolution_page(
    code: Any,
    draft: drafts.Draft,
    file: conflicts.ConflictFile,
    status: int = 409,
    **page: Any,
) -> Any:
    newer = page.pop("newer", ())
    names = ", ".join(sorted({c.author_name for c in newer}))
    values: dict[str, Any] = {
        "resolution": None,
        "errors": {},
        "error": None,
        "notice": None,
    }
    html = render_template(
        "editor/conflict.html",
        code=code,
        draft=draft,
        file=file,
        newer=newer,
        names=names,
        stale=not page.get("started_from"),
        **{**values, **page},
    )
    return html, status


@bp.post("/c/<code_slug>/resolve/<path:path>")
@login_required
def resolve(code_slug: str, path: str) -> Any:
    """Build the text from the choices made per passage: show it, or save
    it once the person has seen exactly that text."""
    store, form = current_store(), request.form
    code = current_code()
    draft = drafts.open_draft(store, acting_user(), path)
    page: dict[str, Any] = {
        "theirs_commit_id": form.get("theirs", ""),
        "started_from": form.get("started_from", ""),
        "message": form.get("message", ""),
        "draft_key": form.get("draft", ""),
    }
    file = conflicts.reopen_edit(
        store,
        draft.branch,
        path,
        draft.section.title,
        ours=form.get("ours", ""),
        started_from=page["started_from"],
        theirs_commit_id=page["theirs_commit_id"],
        limit=settings().max_upload_bytes,
    )
    resolution = conflicts.resolve((file,), form, current="theirs")
    page["newer"] = conflicts.newer_changes(
        store, path, page["started_from"], page["theirs_commit_id"]
    )
    if not resolution.complete:
        return _resolution_page(code, draft, file, 400, resolution=resolution, **page)
    action = form.get("action")
    if action == "save" and form.get("previewed") == resolution.key:
        return _save_resolution(code, draft, file, resolution, page)
    notice = None
    if action == "save":
        notice = (
            "You changed a choice since the text was shown: this is how it reads "
            "now. Save it if it is right."
        )
    return _resolution_page(
        code, draft, file, 200, resolution=resolution, notice=notice, **page
    )


def _save_resolution(
    code: Any,
    draft: drafts.Draft,
    file: conflicts.ConflictFile,
    resolution: conflicts.Resolution,
    page: dict[str, Any],
) -> Any:
    """Save the text built from the choices like any save, from the version
    it was compared with: newer changes meanwhile merge or clash again."""
    sub = drafts.Submission(
        text=resolution.texts[file.path],
        message=page["message"],
        base=page["theirs_commit_id"],
    )
    path = draft.section.path
    try:
        saved = drafts.save(
            db_session(),
            get_store(code.slug),
            code,
            acting_user(),
            path,
            sub,
            settings().max_upload_bytes,
        )
    except ValidationError as error:
        return _resolution_page(
            code,
            draft,
            file,
            400,
            resolution=resolution,
            errors=error.fields,
            error=str(error),
            **page,
        )
    except drafts.EditConflict as conflict:
        return _conflict(code, conflict, page["draft_key"], page["theirs_commit_id"])
    except NoChange:
        notice = "Nothing to save: the text you chose is the current version."
        return _editor(path, 409, notice=notice)
    _flash_saved(saved)
    url = url_for(
        "editor.edit",
        code_slug=code.slug,
        path=path,
        saved=saved.commit_id,
        draft=page["draft_key"],
    )
    return redirect(url)


def _flash_saved(saved: drafts.Saved) -> None:
    # The saved page says where the change is; the flash only what it adds.
    if saved.merged:
        flash("Your changes were combined with newer ones saved meanwhile.", "info")
    stuck = [draft_name(f.branch) for f in saved.flow_back if f.status is CONFLICT]
    moved = [draft_name(f.branch) for f in saved.flow_back if f.status is not CONFLICT]
    if moved:
        flash(f"Brought into {', '.join(moved)}.", "info")
    if stuck:
        flash(
            f"Could not bring this change into {', '.join(stuck)}: the same "
            "passages were changed there. Nothing was lost; decide them on the "
            "consolidation board.",
            "warning",
        )


@bp.post("/c/<code_slug>/review/<path:path>")
@login_required
def review(code_slug: str, path: str) -> Any:
    code = current_code()
    sub = _submission()
    try:
        pending = drafts.review(
            current_store(), acting_user(), path, sub, settings().max_upload_bytes
        )
    except ValidationError as error:
        return _editor(path, 400, sub=sub, errors=error.fields, error=str(error))
    draft_key = request.form.get("draft") or sub.base
    return render_template(
        "editor/review.html", code=code, review=pending, draft_key=draft_key
    )


@bp.post("/c/<code_slug>/preview/<path:path>")
@login_required
def preview(code_slug: str, path: str) -> Any:
    current_code()
    html = drafts.preview(
        current_store(),
        acting_user(),
        path,
        request.form.get("text"),
        settings().max_upload_bytes,
    )
    return jsonify(html=str(html))
