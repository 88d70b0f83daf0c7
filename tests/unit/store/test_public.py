"""The store's public face and its durability switch."""

from __future__ import annotations

import os
import subprocess
import sys

import cop_drafts.store as store


def test_every_public_name_is_importable_from_the_package() -> None:
    assert len(store.__all__) == len(set(store.__all__))
    for name in store.__all__:
        assert getattr(store, name) is not None, name
    assert store.DraftStore.__module__ == "cop_drafts.store.repo"


def test_draft_store_is_put_together_from_its_reading_writing_and_merging_halves():
    halves = {cls.__module__ for cls in store.DraftStore.__mro__}
    assert {
        "cop_drafts.store.reading",
        "cop_drafts.store.writing",
        "cop_drafts.store.merging",
    } <= halves


def test_importing_the_store_leaves_durability_to_the_caller() -> None:
    # Importing must not change a process-wide libgit2 setting: the app
    # factory and the command line set it from the settings.
    code = (
        "import cop_drafts.store as s; before = s.is_durable(); "
        "s.set_durable(True); print(before, s.is_durable())"
    )
    env = {k: v for k, v in os.environ.items() if k != "COP_DRAFTS_FSYNC"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]
