"""Published iterations: their pages, downloads, record of comments, and the
whole Code as one document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from cop_drafts.services import codes as code_service
from cop_drafts.services import exports, iterations
from cop_drafts.store.errors import NotFound

from .web import acting_user, cache, current_code, current_store, db_session, downloads

bp = Blueprint("iterations", __name__)

_RECORD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    response = Response(data, mimetype=media_type)
    # Always a download, never shown in place: an HTML export opened on our
    # origin would be a page we did not build.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/c/<code_slug>/iterations/<tag>")
def show(code_slug: str, tag: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    found = iterations.page(db, current_store(), cache(), downloads(), code, user, tag)
    return render_template("iterations/show.html", code=code, page=found)


@bp.get("/c/<code_slug>/iterations/<tag>/download/<fmt>")
def download(code_slug: str, tag: str, fmt: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    built = exports.download(db, current_store(), downloads(), code, user, tag, fmt)
    return _attachment(built.data, built.name, built.format.media_type)


@bp.get("/c/<code_slug>/iterations/<tag>/reports/<round_tag>/<name>")
def record(code_slug: str, tag: str, round_tag: str, name: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    path = f"{iterations.REPORTS}{round_tag}/{name}"
    found, data = iterations.record_file(db, current_store(), code, user, tag, path)
    extension = name.rsplit(".", 1)[-1]
    if extension not in _RECORD_TYPES:
        raise NotFound(f"no record file {name!r}")
    download_name = f"{code.slug}-{tag}-comments-on-{found.round_tag}.{extension}"
    return _attachment(data, download_name, _RECORD_TYPES[extension])


@bp.get("/c/<code_slug>/document")
def document(code_slug: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    store = current_store()
    version, visible = code_service.version_for(
        db, store, code, user, request.args.get("rev")
    )
    body = exports.whole_code(store, cache(), code, version)
    iteration = next((it for it in visible if it.commit_id == version.commit_id), None)
    return render_template(
        "iterations/document.html",
        code=code,
        version=version,
        iteration=iteration,
        manifest=store.manifest(version.commit_id),
        body=body,
    )
