"""Footnotes in a redline read as on the section page: [1], [2], never [^1]."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import log_in

CHANGES = "/c/gpai-code/changes/risk-mitigation.md?from=draft-2&to=draft-3"
SECTION = "/c/gpai-code/s/risk-mitigation.md?rev=draft-3"


def test_redline_footnotes_show_the_section_pages_marks(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, "provider")
    page.goto(f"{live_server}{SECTION}")
    section_marks = page.locator("sup.footnote-ref").all_inner_texts()
    assert section_marks[:3] == ["[1]", "[2]", "[3]"]

    page.goto(f"{live_server}{CHANGES}")
    redline = page.locator(".redline")
    expect(redline).to_be_visible()
    for folded in page.locator(".redline details").all():
        folded.evaluate("node => node.open = true")
    labels = page.locator(".redline .rl-fn-label").all_inner_texts()
    # draft-3 adds footnote 3 (inserted), the others stay 1 and 2.
    assert labels == ["[1]", "[2]", "[3]"]
    assert "[^" not in redline.inner_text()
    refs = page.locator(".redline sup.footnote-ref").all_inner_texts()
    assert set(refs) <= {"[1]", "[2]", "[3]"} and "[3]" in refs
    folder = Path(os.environ.get("COP_DRAFTS_SCREENSHOTS") or tmp_path)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator(".redline .rl-fn-label").last.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"redline-footnotes-{width}.png"))
