"""What every request passes before a view sees it: a trusted Host, a
same-site origin for anything that changes state, no control characters in
any text, a bounded number of form fields; HSTS under HTTPS."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from cop_drafts.services import inputs
from cop_drafts.services.errors import ValidationError

from .web import settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
HSTS = "max-age=31536000"


def _refuse_unknown_host() -> Response | None:
    # werkzeug refused the Host (not in TRUSTED_HOSTS) before routing; answer
    # plainly, since no URL can be built for a host we do not serve.
    if isinstance(request.routing_exception, SecurityError):
        return Response(
            "This site does not answer for that host name.\n",
            status=400,
            mimetype="text/plain",
        )
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def _check_origin() -> None:
    """A state-changing request must come from a page of this site: its
    Origin (or, without one, its Referer) names this site. Both may be absent
    (privacy settings); the CSRF token is checked all the same."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    source = origin if origin is not None else request.headers.get("Referer")
    if not source:
        return
    allowed = {_origin(request.host_url), _origin(settings().base_url)}
    if source.strip().lower() == "null" or _origin(source) not in allowed:
        raise CSRFError("The request came from another site.")


def _check_input() -> None:
    """No control characters in the address, the query string or any form
    field (names and values), and at most MAX_FORM_PARTS form fields."""
    fields: list[tuple[str, str]] = [("the address", request.path)]
    fields += [(_label(k), k + v) for k, v in request.args.items(multi=True)]
    if request.method not in SAFE_METHODS and request.mimetype in FORM_TYPES:
        _check_field_count()
        fields += [(_label(k), k + v) for k, v in request.form.items(multi=True)]
    inputs.check_text(fields)


def _label(name: str) -> str:
    # A field's name as shown in the message: its own control characters
    # are not echoed back.
    return inputs.CONTROL.sub("?", name)[:60]


def _check_field_count() -> None:
    # werkzeug caps multipart parts (MAX_FORM_PARTS) but parses any number of
    # urlencoded fields: count them before they are parsed.
    limit = settings().max_form_fields
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    body = request.get_data(cache=True, parse_form_data=False)
    count = body.count(b"&") + 1 if body else 0
    if count > limit:
        raise ValidationError(
            f"Too many form fields ({count:,}; at most {limit:,} are accepted)."
        )


def _load_user_early() -> None:
    # Resolve the session before the view starts any work of its own, so its
    # check (and the write that records its use) runs first.
    if request.endpoint and request.endpoint != "static":
        current_user._get_current_object()


def _hsts(response: Any) -> Any:
    if settings().https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app: Flask) -> None:
    """Install the checks; call before any other extension adds its own."""
    app.before_request(_refuse_unknown_host)
    app.before_request(_check_origin)
    app.before_request(_check_input)
    app.before_request(_load_user_early)
    app.after_request(_hsts)
