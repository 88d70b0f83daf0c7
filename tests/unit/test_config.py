"""Settings from the environment: durability of git writes is on unless
switched off explicitly."""

from __future__ import annotations

import pytest

from cop_drafts.config import load_settings


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
