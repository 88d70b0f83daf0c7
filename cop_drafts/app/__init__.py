"""The Flask application factory: the only way to get an app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from cop_drafts.config import load_settings
from cop_drafts.db.session import make_engine, make_sessionmaker
from cop_drafts.store import set_durable

from . import (
    admin,
    apply,
    auth,
    codes,
    comments,
    consolidation,
    diffs,
    editor,
    errors,
    guards,
    help,
    iterations,
    notifications,
    participants,
    publishing,
    review,
    rounds,
    sections,
    statements,
    statistics,
    submissions,
    triage,
    web,
    workshops,
)
from .extensions import csrf, login_manager


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from settings: defaults <- environment <- `config`."""
    settings = load_settings(config)
    if not settings.secret_key and not settings.testing:
        raise RuntimeError(
            "No SECRET_KEY: set SECRET_KEY or run `cop-drafts demo`, which writes "
            f"one to {settings.data_dir}/secret_key"
        )
    app = Flask(
        __name__,
        template_folder=str(settings.web_dir / "templates"),
        static_folder=str(settings.web_dir / "static"),
    )
    app.config.from_mapping(settings.as_flask_config())
    set_durable(settings.fsync)
    if settings.testing and not settings.secret_key:
        app.config["SECRET_KEY"] = "testing-only-secret"
    engine = make_engine(settings.database_url)
    app.extensions["cop_drafts.engine"] = engine
    app.extensions["cop_drafts.sessions"] = make_sessionmaker(engine)
    web.configure(app, settings)
    guards.register(app)  # before CSRF: the Host and origin are checked first
    csrf.init_app(app)
    login_manager.init_app(app)
    errors.register(app)
    for bp in (
        auth.bp,
        codes.bp,
        help.bp,
        sections.bp,
        diffs.bp,
        editor.bp,
        consolidation.bp,
        comments.bp,
        rounds.bp,
        publishing.bp,
        iterations.bp,
        triage.bp,
        submissions.bp,
        statistics.bp,
        notifications.bp,
        admin.bp,
        *(apply.bp, review.bp, participants.bp, workshops.bp, statements.bp),
    ):
        app.register_blueprint(bp)
    return app
