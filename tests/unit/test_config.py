"""Settings from the environment: durability of git writes is on unless
switched off explicitly, and reaches libgit2 through the app factory; the
templates and static files are found in a checkout (an installed wheel is
tests/integration/test_wheel.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cop_drafts.app import create_app
from cop_drafts.config import CHECKOUT, PACKAGE, load_settings, shipped
from cop_drafts.store import is_durable, set_durable


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("1", True), ("yes", True), ("0", False), ("false", False)],
)
def test_fsync_is_on_unless_switched_off(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    if value is None:
        monkeypatch.delenv("COP_DRAFTS_FSYNC", raising=False)
    else:
        monkeypatch.setenv("COP_DRAFTS_FSYNC", value)
    assert load_settings().fsync is expected


def test_the_app_factory_sets_durability(tmp_path: Path) -> None:
    try:
        for fsync in (True, False):
            create_app({"testing": True, "data_dir": tmp_path, "fsync": fsync})
            assert is_durable() is fsync
    finally:
        set_durable(False)  # as the suite runs


def test_in_a_checkout_web_and_drafts_are_at_its_top(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COP_DRAFTS_WEB_DIR", raising=False)
    assert not (PACKAGE / "web").exists()
    web = load_settings().web_dir
    assert web == CHECKOUT / "web" == shipped("web")
    assert (web / "templates" / "base.html").is_file()
    assert (web / "static" / "css").is_dir()
    assert (shipped("drafts") / "draft-1" / "code.toml").is_file()
