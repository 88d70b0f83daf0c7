"""A section rendered at any version, its history and its blame."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from cop_drafts.services import codes as code_service
from cop_drafts.services import diffs as diff_service
from cop_drafts.services import dispositions, margin, visits
from cop_drafts.services.permissions import Action, can

from . import pagecache
from .web import (
    acting_user,
    cache,
    current_code,
    current_store,
    db_session,
    filters_from,
)

bp = Blueprint("sections", __name__)


def _context(path: str) -> dict[str, Any]:
    """Code, store and resolved version for a section request."""
    db, user, code = db_session(), acting_user(), current_code()
    store = current_store()
    version, visible = code_service.version_for(
        db, store, code, user, request.args.get("rev")
    )
    section = store.get_section(version.commit_id, path)
    return {
        "code": code,
        "store": store,
        "version": version,
        "section": section,
        "iterations": visible,
        "branches": store.branches() if user is not None else [],
        "sections": store.sections(version.commit_id),
        "path": path,
        "version_words": diff_service.version_words(store, version),
    }


def _reader_extras(ctx: dict[str, Any], path: str) -> dict[str, Any]:
    """A signed-in reader's comment margin, and their last visit when the
    text changed since they read it; neither for a public visitor."""
    user = acting_user()
    if user is None:
        return {"panel": None, "unread": None}
    db, store, version = db_session(), ctx["store"], ctx["version"]
    return {
        "panel": margin.panel(
            db,
            store,
            ctx["code"],
            user,
            path,
            version.commit_id,
            ctx["section"].wg,
            filters_from(request.args),
        ),
        "unread": visits.changed_since(
            db, store, user, ctx["code"], path, version.commit_id
        ),
    }


@bp.get("/c/<code_slug>/s/<path:path>")
def show(code_slug: str, path: str) -> Any:
    page_key = None
    if acting_user() is None:
        fingerprint = code_service.public_fingerprint(db_session(), code_slug)
        page_key = pagecache.key(request, fingerprint)
        cached = pagecache.get(page_key)
        if cached is not None:
            return cached
    ctx = _context(path)
    if request.args.get("rev", "").strip() != request.args.get("rev", ""):
        return redirect(
            url_for(
                "sections.show", code_slug=code_slug, path=path, rev=ctx["version"].rev
            )
        )
    page = code_service.section_page(ctx["store"], cache(), ctx["version"], path)
    html = render_template(
        "sections/show.html",
        page=page,
        filters=filters_from(request.args),
        **_reader_extras(ctx, path),
        **ctx,
    )
    pagecache.put(page_key, html)
    visits.record(
        db_session(),
        ctx["store"],
        acting_user(),
        ctx["code"],
        path,
        rev=ctx["version"].rev,
        commit_id=ctx["version"].commit_id,
    )
    return html


@bp.get("/c/<code_slug>/history/<path:path>")
@login_required
def history(code_slug: str, path: str) -> Any:
    ctx = _context(path)
    commits = code_service.history(ctx["store"], ctx["version"], path)
    user = acting_user()
    answered = dispositions.answered_by(
        db_session(),
        ctx["code"],
        [c.commit_id for c in commits],
        released_only=not can(user, Action.DISPOSE, wg=ctx["section"].wg),
    )
    return render_template(
        "sections/history.html",
        commits=commits,
        answered=answered,
        change_words=diff_service.change_words,
        message_words=diff_service.message_words,
        **ctx,
    )


@bp.get("/c/<code_slug>/blame/<path:path>")
@login_required
def blame(code_slug: str, path: str) -> Any:
    ctx = _context(path)
    lines = code_service.blame(ctx["store"], cache(), ctx["version"], path)
    return render_template("sections/blame.html", lines=lines, **ctx)
