"""Per-request resources (database session, stores, caches) and template helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import StrictUndefined
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from cop_drafts import __version__
from cop_drafts.cache import FileCache
from cop_drafts.config import Settings
from cop_drafts.db.models import (
    ApplicationStatus,
    Category,
    Code,
    CommentKind,
    CommentStatus,
    DispositionKind,
    Role,
    User,
    WgRole,
)
from cop_drafts.services import codes as code_service
from cop_drafts.services import margin, sessions
from cop_drafts.services.diff_sections import SectionStatus
from cop_drafts.services.errors import ServiceError, ValidationError
from cop_drafts.services.permissions import Action, can
from cop_drafts.services.rounds import WindowState
from cop_drafts.store.repo import DraftStore

from .extensions import login_manager

BRUSSELS = ZoneInfo("Europe/Brussels")


def settings() -> Settings:
    """The running app's settings."""
    value: Settings = current_app.config["SETTINGS"]
    return value


def db_session() -> Session:
    """This request's database session (opened on first use)."""
    if "db" not in g:
        factory: sessionmaker[Session] = current_app.extensions["cop_drafts.sessions"]
        g.db = factory()
    session: Session = g.db
    return session


def get_store(slug: str) -> DraftStore:
    """This request's store of Code `slug`; closed on teardown."""
    stores: dict[str, DraftStore] = g.setdefault("stores", {})
    if slug not in stores:
        stores[slug] = code_service.open_store(settings(), slug)
    return stores[slug]


def current_code() -> Code:
    """The Code this request's address names (its ``code_slug``), loaded once
    per request. Raises NotFound (a 404 page) when there is no such Code.

    Loaded on first use, not by a url_value_preprocessor: preprocessors run
    before the guards (trusted Host, same-site origin, CSRF, clean input) and
    before login, and a refused request must not hit the database or learn
    which Codes exist."""
    slug = (request.view_args or {}).get("code_slug")
    if not isinstance(slug, str):
        raise LookupError("current_code() outside a /c/<code_slug> route")
    # Kept by slug, like the stores: requests made inside one outer app
    # context (tests, CLI) share g.
    codes: dict[str, Code] = g.setdefault("codes", {})
    if slug not in codes:
        codes[slug] = code_service.get_code(db_session(), slug)
    return codes[slug]


def current_store() -> DraftStore:
    """The store of this request's Code (see current_code)."""
    return get_store(current_code().slug)


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link on the canonical URL (COP_DRAFTS_BASE_URL), never on
    the Host the request named: links we hand out must not follow a forged
    header."""
    return settings().base_url.rstrip("/") + url_for(endpoint, **values)


def cache() -> FileCache:
    """The cache of rendered HTML, blame and diffs."""
    return FileCache(settings().cache_dir, max_bytes=settings().cache_max_bytes)


def downloads() -> FileCache:
    """Where built downloads of published iterations are kept."""
    return FileCache(settings().downloads_dir)


def acting_user() -> User | None:
    """The logged-in User, or None for a public visitor."""
    if current_user.is_authenticated:
        user: User = current_user.user
        return user
    return None


def show_errors(
    form: FlaskForm, error: ServiceError, *, on_fields: bool = True
) -> None:
    """Put a refused input's messages on the form: each field's on its field
    (a ValidationError's `fields`), and the general message at the top when no
    field message says it. A page that shows the form's fields hidden (a
    review before a confirm) passes on_fields=False: every message at the top."""
    placed = False
    fields = error.fields if isinstance(error, ValidationError) else {}
    for name, message in fields.items():
        field = getattr(form, name, None) if on_fields else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [message]
            placed = True
        else:
            form.form_errors.append(message)
    if not placed:
        form.form_errors.append(str(error))


def filters_from(args: Mapping[str, str]) -> margin.Filters:
    """Comment filters from a query string; unknown values are ignored."""
    wg = args.get("wg", "")
    try:
        category = Category(args["category"]) if args.get("category") else None
    except ValueError:
        category = None
    status = args.get("status", "")
    return margin.Filters(
        scope="round" if args.get("scope") == "round" else "all",
        status=status if status in {"withdrawn", "all"} else "open",
        wg=int(wg) if wg.isdigit() else None,
        category=category,
        mine=args.get("mine") == "1",
    )


def _teardown(_exc: BaseException | None) -> None:
    g.pop("codes", None)  # rows of the session closed below
    session = g.pop("db", None)
    if session is not None:
        session.close()
    for store in g.pop("stores", {}).values():
        store.close()


def brussels(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time shown in Brussels time."""
    if value is None:
        return ""
    return value.astimezone(BRUSSELS).strftime(fmt)


def safe_comment(html: str) -> Markup:
    """Stored comment HTML as Markup: text.render sanitised it when the
    comment was written (re-sanitising 1,000 cards per view would cost more
    than the rest of the page)."""
    return Markup(html)


def configure(app: Flask, config: Settings) -> None:
    """Template settings, filters, globals and request teardown."""
    if config.testing or app.debug:
        app.jinja_env.undefined = StrictUndefined
    app.jinja_env.filters["brussels"] = brussels
    app.jinja_env.filters["safe_comment"] = safe_comment
    app.jinja_env.globals.update(
        # Enums for comparisons and choices; a member's words are its .label
        ApplicationStatus=ApplicationStatus,
        Category=Category,
        CommentKind=CommentKind,
        CommentStatus=CommentStatus,
        DispositionKind=DispositionKind,
        Role=Role,
        SectionStatus=SectionStatus,
        WgRole=WgRole,
        WindowState=WindowState,
        Action=Action,
        app_version=__version__,
    )
    app.teardown_appcontext(_teardown)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        user = acting_user()
        return {"me": user, "can": lambda action, wg=None: can(user, action, wg=wg)}

    app.after_request(_trim_flashes)

    @app.after_request
    def _headers(response: Any) -> Any:
        # No inline scripts anywhere, so the policy can forbid them outright.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


# Messages kept for the next page a person opens ("Your comment is saved.").
FLASHES_KEPT = 4


def _trim_flashes(response: Any) -> Any:
    # A client that posts without opening the page its post leads to (a
    # script, a second tab) grows the signed session cookie with every
    # message: past the 4 KB a browser keeps, its owner is logged out, and
    # each request reads and signs the whole list again. The last few
    # different messages are all the next page can usefully say.
    flashes = session.get("_flashes")
    if flashes and len(flashes) > 1:
        kept: list[Any] = []
        for item in reversed(flashes):
            if item not in kept:
                kept.insert(0, item)
        if len(kept) != len(flashes) or len(kept) > FLASHES_KEPT:
            session["_flashes"] = kept[-FLASHES_KEPT:]
    return response


def _side_session() -> Session:
    # Writes of the session check go through their own short transaction, so
    # they never commit (or wait on) the request's own work.
    factory: sessionmaker[Session] = current_app.extensions["cop_drafts.sessions"]
    return factory()


@login_manager.user_loader
def _load_user(token: str) -> Any:
    from .auth import LoginUser

    found = sessions.find(db_session(), token)
    if found is None:
        return None
    user = found.user
    if not user.is_active or not user.password_hash:
        return None
    idle = timedelta(minutes=settings().session_idle_minutes)
    if sessions.is_idle(found, idle):
        with _side_session() as side:
            sessions.end(side, token)
        return None
    if sessions.needs_touch(found, idle):
        with _side_session() as side:
            sessions.touch(side, found.id)
    return LoginUser(user, token)
