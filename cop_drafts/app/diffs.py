"""What changed between two versions: of the whole Code or of one section."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from cop_drafts.services import diffs as diff_service
from cop_drafts.services.errors import ValidationError

from .web import (
    acting_user,
    cache,
    current_code,
    current_store,
    db_session,
    settings,
)

bp = Blueprint("diffs", __name__)


def _rev(side: str) -> str | None:
    """A side's rev from the query: a typed commit id wins over the list."""
    value = request.args.get(f"{side}_commit", "").strip()
    return value or request.args.get(side, "").strip() or None


def diff_url(
    code_slug: str,
    path: str | None,
    old_rev: str | None,
    new_rev: str | None,
    view: str = "redline",
    endpoint: str | None = None,
    change: bool = False,
) -> str:
    """The address of a comparison (or, with endpoint, of its download); with
    `change`, of what the change `new_rev` did."""
    args: dict[str, Any] = {"code_slug": code_slug}
    if change:
        args["change"] = new_rev
    else:
        if old_rev:
            args["from"] = old_rev
        if new_rev:
            args["to"] = new_rev
    if view != "redline":
        args["view"] = view
    if endpoint is None:
        endpoint = "diffs.index" if path is None else "diffs.show"
    if path is not None:
        args["path"] = path
    return url_for(endpoint, **args)


def _page(path: str | None) -> str:
    db, code = db_session(), current_code()
    r = diff_service.reader(db, current_store(), code, acting_user())
    view = diff_service.check_view(request.args.get("view"))
    change = None
    if request.args.get("change", "").strip():
        old, new, change = diff_service.one_change(r, request.args["change"].strip())
    else:
        old, new = diff_service.choose(r, _rev("from"), _rev("to"))
    comparison = None
    if old is not None:
        comparison = diff_service.compare(
            r.store, cache(), old, new, path=path, view=view
        )
    elif path is not None:
        r.store.get_section(new.commit_id, path)
    return render_template(
        "diffs/show.html",
        code=code,
        path=path,
        view=view,
        old=old,
        new=new,
        change=change,
        words=_words(r, old, new),
        comparison=comparison,
        shortcuts=diff_service.shortcuts(r, new, path),
        iterations=r.visible,
        branches=r.store.branches() if r.user is not None else [],
        sections=r.store.sections(new.commit_id),
        diff_url=diff_url,
        change_words=diff_service.change_words,
        message_words=diff_service.message_words,
    )


def _words(r: diff_service.Reader, *versions: Any) -> dict[str, str]:
    """Each version's plain words, by rev."""
    out: dict[str, str] = {}
    for v in versions:
        if v is not None:
            out[v.rev] = diff_service.version_words(r.store, v)
    return out


@bp.get("/c/<code_slug>/changes")
def index(code_slug: str) -> Any:
    return _page(None)


@bp.get("/c/<code_slug>/changes/<path:path>")
def show(code_slug: str, path: str) -> Any:
    return _page(path)


@bp.get("/c/<code_slug>/redline", defaults={"path": None})
@bp.get("/c/<code_slug>/redline/<path:path>")
def download(code_slug: str, path: str | None) -> Any:
    db, code = db_session(), current_code()
    r = diff_service.reader(db, current_store(), code, acting_user())
    old_rev, new_rev = _rev("from"), _rev("to")
    if old_rev is None or new_rev is None:
        raise ValidationError("Name two published iterations: ?from=…&to=…")
    old, new = diff_service.resolve_pair(r, old_rev, new_rev)
    name, html = diff_service.download(
        r.store, cache(), code, old, new, path=path, web_dir=settings().web_dir
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
