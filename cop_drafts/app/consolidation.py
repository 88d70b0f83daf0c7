"""The consolidation board: merge Working Groups into main, resolve conflicts,
bring main back into the branches, and decide which checks block."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, TextAreaField

from cop_drafts.services import conflicts, consistency
from cop_drafts.services import consolidation as service
from cop_drafts.services.conflicts import draft_name
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.flowback import FlowStatus
from cop_drafts.store.errors import Conflict, NoChange, StaleBase
from cop_drafts.store.refs import is_path

from .passages import ResolutionForm, passage_form
from .web import acting_user, cache, current_code, current_store, db_session

bp = Blueprint("consolidation", __name__)


# The services check what these forms carry (which Working Groups, which
# checks, which branches) and say what is wrong; the CSRF token is checked
# for every post (extensions.csrf) before the view runs.
class ConsolidateForm(FlaskForm):
    """The Working Groups ticked on the board and the note on the merge."""

    wg = SelectMultipleField(choices=[], validate_choice=False)
    message = TextAreaField()


class BackForm(FlaskForm):
    """The section whose editor a merge came from (a Working Group Chair
    bringing main in); absent when it came from the board."""

    back = HiddenField()

    @property
    def back_path(self) -> str:
        """The section to go back to, or "" for the board."""
        path = self.back.data or ""
        return path if path and is_path(path) else ""


class ResolveForm(ResolutionForm, BackForm):
    """A merge that clashed: the two branches and the commits each was at
    when the passages were shown."""

    source = HiddenField()
    into = HiddenField()
    source_commit = HiddenField()
    into_commit = HiddenField()


class ChecksForm(FlaskForm):
    """The checks ticked to block consolidation."""

    block = SelectMultipleField(choices=[], validate_choice=False)


def _board(status: int = 200, **page: Any) -> Any:
    db, code = db_session(), current_code()
    board = service.board(db, current_store(), cache(), code, acting_user())
    defaults = {"error": None, "chosen": None, "message": ""}
    html = render_template(
        "consolidation/show.html", code=code, board=board, **{**defaults, **page}
    )
    return html, status


def _back(code_slug: str, back_path: str) -> str:
    """Where a merge returns: the editor it came from, or the board."""
    if back_path:
        return url_for("editor.edit", code_slug=code_slug, path=back_path)
    return url_for("consolidation.show", code_slug=code_slug)


def _conflict_page(
    code_slug: str,
    conflict: service.MergeConflict,
    form: ResolveForm,
    status: int = 409,
    **page: Any,
) -> Any:
    code = current_code()
    defaults: dict[str, Any] = {
        "merged": (),
        "resolution": None,
        "error": None,
        "notice": None,
        "back": form.back_path,
        "back_url": _back(code_slug, form.back_path),
    }
    html = render_template(
        "consolidation/conflict.html",
        code=code,
        conflict=conflict,
        form=form,
        **{**defaults, **page},
    )
    return html, status


def _first_conflict_page(
    code_slug: str, conflict: service.MergeConflict, back_path: str, **page: Any
) -> Any:
    """The resolution view of a merge that clashed, no choice made yet."""
    form = passage_form(
        ResolveForm,
        conflict.files,
        formdata=None,
        data={"back": back_path},
    )
    return _conflict_page(code_slug, conflict, form, **page)


@bp.get("/c/<code_slug>/consolidation")
@login_required
def show(code_slug: str) -> Any:
    return _board()


@bp.post("/c/<code_slug>/consolidation")
@login_required
def create(code_slug: str) -> Any:
    db, store, form = db_session(), current_store(), ConsolidateForm()
    code = current_code()
    chosen, message = form.wg.data or [], form.message.data or ""
    try:
        done = service.consolidate(db, store, code, acting_user(), chosen, message)
    except ValidationError as error:
        return _board(400, error=error, chosen=chosen, message=message)
    except NoChange as error:
        flash(str(error), "info")
        return redirect(url_for("consolidation.show", code_slug=code_slug))
    _flash_merged(done)
    if done.conflict is not None:
        return _first_conflict_page(code_slug, done.conflict, "", merged=done.merged)
    return redirect(url_for("consolidation.show", code_slug=code_slug))


def _flash_merged(done: service.Consolidation) -> None:
    for branch, _ in done.merged:
        flash(f"{draft_name(branch)} is now in the consolidated text.", "info")
    stuck = [
        draft_name(f.branch) for f in done.flow_back if f.status is FlowStatus.CONFLICT
    ]
    if stuck:
        flash(
            f"The consolidated text could not be brought into {', '.join(stuck)}: "
            "the same passages were changed there. Nothing was lost; decide "
            "them below.",
            "warning",
        )


@bp.post("/c/<code_slug>/consolidation/resolution")
@login_required
def resolve(code_slug: str) -> Any:
    """Build the texts from the choices made per passage: show them, or save
    them once the person has seen exactly those texts."""
    store, sent = current_store(), ResolveForm()
    code = current_code()
    source, into = sent.source.data or "", sent.into.data or ""
    expected = (sent.into_commit.data or "", sent.source_commit.data or "")
    message = sent.message.data or ""
    conflict = service.open_merge_conflict(store, acting_user(), source, into, message)
    if conflict is None or expected != (
        conflict.into_commit_id,
        conflict.source_commit_id,
    ):
        return _moved(code_slug, source, into, sent.back_path)
    # The passages, and so the form's fields, follow from the merge it names.
    form = passage_form(ResolveForm, conflict.files)
    if not form.validate():
        return _conflict_page(code_slug, conflict, form, 400, error=form.summary())
    resolution = conflicts.resolve(conflict.files, form.choices(), current="ours")
    page: dict[str, Any] = {"resolution": resolution}
    if not resolution.complete:
        return _conflict_page(code_slug, conflict, form, 400, **page)
    if form.saving and form.previewed.data == resolution.key:
        return _save_resolution(code, conflict, form, resolution, expected)
    if form.saving:
        page["notice"] = (
            "You changed a choice since the text was shown: this is how it reads "
            "now. Save it if it is right."
        )
    return _conflict_page(code_slug, conflict, form, 200, **page)


def _moved(code_slug: str, source: str, into: str, back_path: str) -> Any:
    flash(
        f"While you were choosing, {draft_name(into)} or {draft_name(source)} "
        "changed. Nothing was saved; start again.",
        "warning",
    )
    return redirect(_back(code_slug, back_path))


def _save_resolution(
    code: Any,
    conflict: service.MergeConflict,
    form: ResolveForm,
    resolution: conflicts.Resolution,
    expected: tuple[str, str],
) -> Any:
    db, code_slug = db_session(), code.slug
    source, into = conflict.source, conflict.into
    try:
        done = service.resolve_merge(
            db,
            current_store(),
            code,
            acting_user(),
            source=source,
            into=into,
            expected=expected,
            resolved=resolution.texts,
            message=form.message.data or "",
        )
    except (ValidationError, Conflict) as error:
        page = {"resolution": resolution, "error": error}
        return _conflict_page(code_slug, conflict, form, 400, **page)
    except StaleBase:
        return _moved(code_slug, source, into, form.back_path)
    if into == "main":
        _flash_merged(done)
    else:
        flash(f"The consolidated text is now in {draft_name(into)}.", "info")
    return redirect(_back(code_slug, form.back_path))


@bp.post("/c/<code_slug>/consolidation/flow-back/<int:wg>")
@login_required
def flow_back(code_slug: str, wg: int) -> Any:
    db, code, form = db_session(), current_code(), BackForm()
    result = service.retry_flow_back(db, current_store(), code, acting_user(), wg)
    if isinstance(result, service.MergeConflict):
        return _first_conflict_page(code_slug, result, form.back_path)
    name = draft_name(result.branch)
    if result.status is FlowStatus.UP_TO_DATE:
        flash(f"{name} already holds every change of the consolidated text.", "info")
    else:
        flash(f"The consolidated text is now in {name}.", "info")
    return redirect(_back(code_slug, form.back_path))


@bp.post("/c/<code_slug>/consolidation/checks")
@login_required
def checks(code_slug: str) -> Any:
    db, code, form = db_session(), current_code(), ChecksForm()
    blocking = consistency.set_blocking(db, code, acting_user(), form.block.data or [])
    count = sum(blocking.values())
    flash(
        f"Saved: {count or 'no'} check{'s' if count != 1 else ''} "
        "now block consolidation.",
        "info",
    )
    return redirect(
        url_for("consolidation.show", code_slug=code_slug, _anchor="checks")
    )
