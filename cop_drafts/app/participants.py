"""The public list of who takes part, and the CVs Chairs agreed to publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template

from cop_drafts.services import calls, participants
from cop_drafts.services import codes as code_service

from .web import db_session, settings

bp = Blueprint("participants", __name__)


@bp.get("/participants")
def index() -> Any:
    db = db_session()
    call = calls.current_call(db)
    wgs: tuple[tuple[int, str], ...] = ()
    if call is not None:
        with code_service.open_store(settings(), call.code.slug) as store:
            wgs = calls.working_groups(store)
    listed = participants.public_list(db, wgs)
    return render_template("participants/index.html", listed=listed, call=call)


@bp.get("/participants/<int:application_id>/cv")
def cv(application_id: int) -> Any:
    name, path = participants.public_cv(
        db_session(), settings().data_dir / "cvs", application_id
    )
    return pdf_attachment(path, name)


def pdf_attachment(path: Path, name: str) -> Response:
    """A stored PDF as a download, never shown inside the site: an
    attachment, and sandboxed should a browser open it anyway."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        path.read_bytes(),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )
