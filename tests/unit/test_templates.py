"""Every template compiles: a broken tag fails here, not on a user's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from cop_drafts.app import create_app
from cop_drafts.config import CHECKOUT

TEMPLATES = CHECKOUT / "web" / "templates"
NAMES = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    """The app's own Jinja environment (its filters and globals)."""
    data = tmp_path_factory.mktemp("templates")
    app = create_app(
        {"data_dir": data, "database_url": f"sqlite:///{data}/t.db", "testing": True}
    )
    return app.jinja_env


@pytest.mark.parametrize("name", NAMES)
def test_template_compiles(env: Environment, name: str) -> None:
    env.get_template(name)


def test_no_inline_scripts_or_styles() -> None:
    """The CSP forbids them; a template that has one is broken in browsers.

    Not the standalone redline: a file, not a page, with a CSP of its own."""
    bad = []
    for path in TEMPLATES.rglob("*.html"):
        if path == TEMPLATES / "diffs" / "standalone.html":
            continue
        text = path.read_text(encoding="utf-8")
        if "<script>" in text or ' style="' in text or "<style" in text:
            bad.append(str(Path(path).relative_to(TEMPLATES)))
    assert not bad, bad
