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
from .web import acting_user, cache, db_session, filters_from, get_store

bp = Blueprint("sections", __name__)


def _context(code_slug: str, path: str) -> dict[str, Any]:
    """Code, store and resolved version for a section request."""
    db, user = db_session(), acting_user()
    code = code_service.get_code(db, code_slug)
    store = get_store(code_slug)
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


@bp.get("/c/<code_slug>/s/<path:path>")
def show(code_slug: str, path: str) -> Any:
    page_key = None
    if acting_user() is None:
        fingerprint = code_service.public_fingerprint(db_session(), code_slug)
        page_key = pagecache.key(request, fingerprint)
        cached = pagecache.get(page_key)
        if cached is not None:
            return cached
    ctx = _context(code_slug, path)
    if request.args.get("rev", "").strip() != request.args.get("rev", ""):
        return redirect(
            url_for(
                "sections.show", code_slug=code_slug, path=path, rev=ctx["version"].rev
            )
        )
    page = code_service.section_page(ctx["store"], cache(), ctx["version"], path)
    panel = None
    if acting_user() is not None:
        panel = margin.panel(
            db_session(),
            ctx["store"],
            ctx["code"],
            acting_user(),
            path,
            ctx["version"].commit_id,
            ctx["section"].wg,
            filters_from(request.args),
        )
    html = render_template(
        "sections/show.html",
        page=page,
        panel=panel,
        unread=visits.changed_since(
            db_session(),
            ctx["store"],
            acting_user(),
            ctx["code"],
            path,
            ctx["version"].commit_id,
        ),
        filters=filters_from(request.args),
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
    ctx = _context(code_slug, path)
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
    ctx = _context(code_slug, path)
    lines = code_service.blame(ctx["store"], cache(), ctx["version"], path)
    return render_template("sections/blame.html", lines=lines, **ctx)
