"""The consolidation board: merge Working Groups into main, resolve conflicts,
bring main back into the branches, and decide which checks block."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from cop_drafts.services import codes as code_service
from cop_drafts.services import consistency
from cop_drafts.services import consolidation as service
from cop_drafts.services.errors import ValidationError
from cop_drafts.store.errors import Conflict, NoChange, StaleBase
from cop_drafts.store.refs import is_path

from .web import acting_user, cache, db_session, get_store

bp = Blueprint("consolidation", __name__)


def _board(code_slug: str, status: int = 200, **page: Any) -> Any:
    db = db_session()
    code = code_service.get_code(db, code_slug)
    board = service.board(db, get_store(code_slug), cache(), code, acting_user())
    defaults = {"error": None, "chosen": None, "message": ""}
    html = render_template(
        "consolidation/show.html", code=code, board=board, **{**defaults, **page}
    )
    return html, status


def _back_path() -> str:
    """The section whose editor a merge came from (a Working Group Chair
    bringing main in), or "" when it came from the board."""
    path = request.form.get("back", "")
    return path if path and is_path(path) else ""


def _back(code_slug: str) -> str:
    """Where a merge returns: the editor it came from, or the board."""
    path = _back_path()
    if path:
        return url_for("editor.edit", code_slug=code_slug, path=path)
    return url_for("consolidation.show", code_slug=code_slug)


def _conflict_page(code_slug: str, conflict: service.MergeConflict, **page: Any) -> Any:
    code = code_service.get_code(db_session(), code_slug)
    defaults: dict[str, Any] = {
        "merged": (),
        "texts": {},
        "error": None,
        "back": _back_path(),
        "back_url": _back(code_slug),
    }
    html = render_template(
        "consolidation/conflict.html",
        code=code,
        conflict=conflict,
        **{**defaults, **page},
    )
    return html, 409


@bp.get("/c/<code_slug>/consolidation")
@login_required
def show(code_slug: str) -> Any:
    return _board(code_slug)


@bp.post("/c/<code_slug>/consolidation")
@login_required
def create(code_slug: str) -> Any:
    db, store = db_session(), get_store(code_slug)
    code = code_service.get_code(db, code_slug)
    chosen, message = request.form.getlist("wg"), request.form.get("message", "")
    try:
        done = service.consolidate(db, store, code, acting_user(), chosen, message)
    except ValidationError as error:
        return _board(code_slug, 400, error=error, chosen=chosen, message=message)
    except NoChange as error:
        flash(str(error), "info")
        return redirect(url_for("consolidation.show", code_slug=code_slug))
    _flash_merged(done)
    if done.conflict is not None:
        return _conflict_page(code_slug, done.conflict, merged=done.merged)
    return redirect(url_for("consolidation.show", code_slug=code_slug))


def _flash_merged(done: service.Consolidation) -> None:
    for branch, commit_id in done.merged:
        flash(f"Merged {branch} into main (commit {commit_id[:10]}).", "info")
    stuck = [f.branch for f in done.flow_back if f.status == "conflict"]
    if stuck:
        flash(
            f"main could not be brought into {', '.join(stuck)}: conflicting "
            "changes there. Nothing was lost; resolve it below.",
            "warning",
        )


@bp.post("/c/<code_slug>/consolidation/resolution")
@login_required
def resolve(code_slug: str) -> Any:
    db, store, form = db_session(), get_store(code_slug), request.form
    code = code_service.get_code(db, code_slug)
    paths = form.getlist("path")
    texts = {p: form.get(f"text-{i}", "") for i, p in enumerate(paths)}
    source, into = form.get("source", ""), form.get("into", "")
    expected = (form.get("into_commit", ""), form.get("source_commit", ""))
    try:
        done = service.resolve_merge(
            db,
            store,
            code,
            acting_user(),
            source=source,
            into=into,
            expected=expected,
            resolved=texts,
            message=form.get("message", ""),
        )
    except (ValidationError, Conflict) as error:
        again = service.merge_conflict(store, source, into, form.get("message", ""))
        if again is None:
            raise
        return _conflict_page(code_slug, again, texts=texts, error=error)
    except StaleBase:
        flash(
            f"{into} or {source} changed while you resolved the conflict. "
            "Nothing was merged; start the merge again.",
            "warning",
        )
        return redirect(_back(code_slug))
    if into == "main":
        _flash_merged(done)
    else:
        for _, commit_id in done.merged:
            flash(f"Brought main into {into} (commit {commit_id[:10]}).", "info")
    return redirect(_back(code_slug))


@bp.post("/c/<code_slug>/consolidation/flow-back/<int:wg>")
@login_required
def flow_back(code_slug: str, wg: int) -> Any:
    db = db_session()
    code = code_service.get_code(db, code_slug)
    result = service.retry_flow_back(db, get_store(code_slug), code, acting_user(), wg)
    if isinstance(result, service.MergeConflict):
        return _conflict_page(code_slug, result)
    words = {"up_to_date": "already holds everything on main"}
    flash(f"{result.branch} {words.get(result.status, 'now holds main')}.", "info")
    return redirect(_back(code_slug))


@bp.post("/c/<code_slug>/consolidation/checks")
@login_required
def checks(code_slug: str) -> Any:
    db = db_session()
    code = code_service.get_code(db, code_slug)
    blocking = consistency.set_blocking(
        db, code, acting_user(), request.form.getlist("block")
    )
    count = sum(blocking.values())
    flash(
        f"Saved: {count or 'no'} check{'s' if count != 1 else ''} "
        "now block consolidation.",
        "info",
    )
    return redirect(
        url_for("consolidation.show", code_slug=code_slug, _anchor="checks")
    )
