"""One table from errors to status pages; nothing below app/ calls abort."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cop_drafts.export.errors import ExportUnavailable
from cop_drafts.services.errors import (
    PermissionDenied,
    TooManyAttempts,
    ValidationError,
    WindowClosed,
)
from cop_drafts.services.inputs import CONTROL
from cop_drafts.store.errors import (
    Conflict,
    InvalidContent,
    InvalidRev,
    NoChange,
    NotFound,
    StaleBase,
    TagExists,
)

log = logging.getLogger(__name__)

STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    InvalidRev: 404,
    PermissionDenied: 403,
    WindowClosed: 403,
    Conflict: 409,
    StaleBase: 409,
    TagExists: 409,
    NoChange: 409,
    ValidationError: 400,
    InvalidContent: 400,
    TooManyAttempts: 429,
    ExportUnavailable: 503,
}

TITLES = {
    400: "The request could not be accepted",
    403: "You may not do this",
    404: "Not found",
    405: "Not allowed here",
    409: "This clashes with another change",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Not available on this server",
}

EXPLANATIONS = {
    400: "Something in what was sent is missing or malformed.",
    403: "Your account does not have the right to do this.",
    404: "There is no such page, version, section or file.",
    405: "This address does not accept that kind of request.",
    409: "Someone else changed this in the meantime, or it already exists.",
    413: "The file or text sent is larger than the 2 MB we accept, so nothing "
    "was saved. If you were editing a section, your text is still kept in this "
    "browser: go back to the editor and it is restored. Split a larger text or "
    "upload a smaller file.",
    429: "Wait a little and try again.",
    500: "The error has been logged. Nothing you submitted before this "
    "page appeared has been lost.",
    503: "This server cannot build that file. The other downloads work.",
}


def error_page(status: int, message: str | None = None) -> tuple[str, int]:
    """The plain-words error page for `status`."""
    template = f"errors/{status}.html" if status in (403, 404) else "errors/error.html"
    # A refused post shows the text that was sent, so that nothing typed is lost.
    # A body over the limit cannot be read (werkzeug raises 413 again).
    readable = request.method == "POST" and status != 413
    kept = request.form.get("body", "") if readable else ""
    kept = CONTROL.sub("", kept)  # a refused control character is not echoed
    return (
        render_template(
            template,
            status=status,
            title=TITLES.get(status, "Error"),
            message=message or EXPLANATIONS.get(status, ""),
            kept=kept[:25_000] if status != 413 else "",
        ),
        status,
    )


def register(app: Flask) -> None:
    """Install the handlers."""

    def domain(error: Exception) -> Any:
        status = next(s for cls, s in STATUS.items() if isinstance(error, cls))
        message = str(error)
        if isinstance(error, ValidationError) and error.fields:
            message = " ".join([message, *error.fields.values()])
        return error_page(status, message)

    for cls in STATUS:
        app.register_error_handler(cls, domain)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return error_page(
            400,
            "The form expired or was not sent from this site. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        return error_page(error.code or 500, EXPLANATIONS.get(error.code or 500))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        # The only broad handler: log with the request, show a calm page.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(500)
