"""The section editor: open, preview, review and save; conflicts to resolve."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField

from cop_drafts.services import conflicts, consolidation, drafts
from cop_drafts.services.conflicts import draft_name
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.flowback import FlowStatus
from cop_drafts.store.errors import NoChange

from .passages import ResolutionForm, passage_form
from .web import (
    acting_user,
    current_code,
    current_store,
    db_session,
    get_store,
    settings,
    show_errors,
)

bp = Blueprint("editor", __name__)
CONFLICT = FlowStatus.CONFLICT


# These forms have no validators of their own: services.drafts checks what
# they carry and says every problem at once; the CSRF token is checked for
# every post (extensions.csrf) before the view runs.
class PreviewForm(FlaskForm):
    """The text the live preview renders."""

    text = TextAreaField()  # None when not sent; services.drafts says so


class SaveForm(PreviewForm):
    """The editor's save and review: the text or an uploaded file, the note,
    the version it was edited from (`base`) and the version the browser keeps
    unsaved work under (`draft`). services.drafts checks them all at once."""

    upload = FileField()
    message = TextAreaField()
    base = HiddenField()
    draft = HiddenField()

    def submission(self) -> drafts.Submission:
        """What was sent, for services.drafts to check."""
        upload = self.upload.data
        data, name = None, ""
        if upload is not None and upload.filename:
            name, data = upload.filename, upload.read()
        return drafts.Submission(
            text=self.text.data,
            message=self.message.data or "",
            base=self.base.data or "",
            upload=data,
            filename=name,
        )

    @property
    def draft_key(self) -> str:
        """Where the browser keeps the unsaved text: the version it was opened at."""
        return self.draft.data or self.base.data or ""


class ResolveForm(ResolutionForm):
    """A save that clashed: the text sent (`ours`), the version it was edited
    from and the version it was compared with (`theirs`)."""

    ours = HiddenField()
    theirs = HiddenField()
    started_from = HiddenField()
    draft = HiddenField()


def _refused(form: FlaskForm, error: ValidationError) -> dict[str, Any]:
    """A refused input's messages put on `form`, and what the page shows."""
    show_errors(form, error)
    errors = {name: found[0] for name, found in form.errors.items() if name}
    return {"errors": errors, "error": str(error)}


def _editor(path: str, status: int = 200, **page: Any) -> Any:
    """The editor page; `page` may carry the form sent, errors, a notice."""
    code = current_code()
    draft = drafts.open_draft(current_store(), acting_user(), path)
    form: SaveForm | None = page.pop("form", None)
    sent = SaveForm(formdata=None) if form is None else form
    values = {
        "text": draft.text if sent.text.data is None else sent.text.data,
        "message": sent.message.data or "",
        "base": sent.base.data or draft.commit.commit_id,
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
        unsaved=form is not None,
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
    form = SaveForm()
    code = current_code()
    try:
        saved = drafts.save(
            db_session(),
            current_store(),
            code,
            acting_user(),
            path,
            form.submission(),
            settings().max_upload_bytes,
        )
    except ValidationError as error:
        return _editor(path, 400, form=form, **_refused(form, error))
    except drafts.EditConflict as conflict:
        return _conflict(code, conflict, form.draft_key, form.base.data or "")
    except NoChange:
        notice = "Nothing to save: the text is the same as the current version."
        return _editor(path, 409, form=form, notice=notice)
    _flash_saved(saved)
    return redirect(
        url_for(
            "editor.edit",
            code_slug=code_slug,
            path=path,
            saved=saved.commit_id,
            draft=form.draft_key,
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
    form = passage_form(
        ResolveForm,
        (file,),
        formdata=None,
        data={
            "ours": file.ours,
            "theirs": conflict.theirs_commit_id,
            "started_from": "" if conflict.stale else started_from.strip(),
            "draft": draft_key,
            "message": conflict.message,
        },
    )
    return _resolution_page(
        code, conflict.draft, file, form, resolution=resolution, newer=conflict.newer
    )


def _resolution_page(
    code: Any,
    draft: drafts.Draft,
    file: conflicts.ConflictFile,
    form: ResolveForm,
    status: int = 409,
    **page: Any,
) -> Any:
    newer = page.pop("newer", ())
    names = ", ".join(sorted({c.author_name for c in newer}))
    values: dict[str, Any] = {"resolution": None, "error": None, "notice": None}
    html = render_template(
        "editor/conflict.html",
        code=code,
        draft=draft,
        file=file,
        form=form,
        newer=newer,
        names=names,
        stale=not form.started_from.data,
        **{**values, **page},
    )
    return html, status


@bp.post("/c/<code_slug>/resolve/<path:path>")
@login_required
def resolve(code_slug: str, path: str) -> Any:
    """Build the text from the choices made per passage: show it, or save
    it once the person has seen exactly that text."""
    store, sent = current_store(), ResolveForm()
    code = current_code()
    draft = drafts.open_draft(store, acting_user(), path)
    # The passages, and so the form's fields, follow from the texts it names.
    file = conflicts.reopen_edit(
        store,
        draft.branch,
        path,
        draft.section.title,
        ours=sent.ours.data or "",
        started_from=sent.started_from.data or "",
        theirs_commit_id=sent.theirs.data or "",
        limit=settings().max_upload_bytes,
    )
    form = passage_form(ResolveForm, (file,))
    page: dict[str, Any] = {
        "newer": conflicts.newer_changes(
            store, path, form.started_from.data or "", form.theirs.data or ""
        )
    }
    if not form.validate():
        return _resolution_page(
            code, draft, file, form, 400, error=form.summary(), **page
        )
    resolution = conflicts.resolve((file,), form.choices(), current="theirs")
    page["resolution"] = resolution
    if not resolution.complete:
        return _resolution_page(code, draft, file, form, 400, **page)
    if form.saving and form.previewed.data == resolution.key:
        return _save_resolution(code, draft, file, form, resolution)
    if form.saving:
        page["notice"] = (
            "You changed a choice since the text was shown: this is how it reads "
            "now. Save it if it is right."
        )
    return _resolution_page(code, draft, file, form, 200, **page)


def _save_resolution(
    code: Any,
    draft: drafts.Draft,
    file: conflicts.ConflictFile,
    form: ResolveForm,
    resolution: conflicts.Resolution,
) -> Any:
    """Save the text built from the choices like any save, from the version
    it was compared with: newer changes meanwhile merge or clash again."""
    theirs, draft_key = form.theirs.data or "", form.draft.data or ""
    sub = drafts.Submission(
        text=resolution.texts[file.path],
        message=form.message.data or "",
        base=theirs,
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
        show_errors(form, error)
        return _resolution_page(
            code, draft, file, form, 400, resolution=resolution, error=str(error)
        )
    except drafts.EditConflict as conflict:
        return _conflict(code, conflict, draft_key, theirs)
    except NoChange:
        notice = "Nothing to save: the text you chose is the current version."
        return _editor(path, 409, notice=notice)
    _flash_saved(saved)
    url = url_for(
        "editor.edit",
        code_slug=code.slug,
        path=path,
        saved=saved.commit_id,
        draft=draft_key,
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
    code, form = current_code(), SaveForm()
    try:
        pending = drafts.review(
            current_store(),
            acting_user(),
            path,
            form.submission(),
            settings().max_upload_bytes,
        )
    except ValidationError as error:
        return _editor(path, 400, form=form, **_refused(form, error))
    return render_template(
        "editor/review.html", code=code, review=pending, draft_key=form.draft_key
    )


@bp.post("/c/<code_slug>/preview/<path:path>")
@login_required
def preview(code_slug: str, path: str) -> Any:
    current_code()
    form = PreviewForm()
    html = drafts.preview(
        current_store(),
        acting_user(),
        path,
        form.text.data,
        settings().max_upload_bytes,
    )
    return jsonify(html=str(html))
