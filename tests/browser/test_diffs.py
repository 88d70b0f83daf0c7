"""A participant reads what changed between two demo iterations in Chromium:
redline, next change, a folded stretch opened, the source views, the download."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import loaded, log_in, shot

SECTION = "/c/gpai-code/changes/risk-assessment.md"


def test_redline_navigate_expand_download(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, "provider")
    page.goto(f"{live_server}/c/gpai-code/s/risk-assessment.md?rev=draft-3")
    page.get_by_role("link", name="Changes").click()
    expect(page.locator("[data-testid=cmp-versions]")).to_contain_text("draft-2")
    expect(page.locator("[data-testid=cmp-versions]")).to_contain_text("draft-3")
    expect(page.locator("[data-testid=summary-line]")).to_contain_text("changes")
    shot(page, "diff-section-redline")
    loaded(page)

    changes = page.locator(".redline .rl-change")
    assert changes.count() > 3
    page.keyboard.press("n")
    first = changes.first
    expect(first).to_have_class(__import__("re").compile(r"\brl-current\b"))
    first_id = first.get_attribute("id")
    assert first_id and page.url.endswith("#" + first_id)
    page.get_by_role("button", name="↓ Next change").click()
    second_id = changes.nth(1).get_attribute("id")
    assert page.url.endswith("#" + str(second_id))
    expect(page.locator("[data-testid=position]")).to_have_text(
        f"2 of {changes.count()}"
    )
    page.get_by_role("button", name="↑ Previous").click()
    assert page.url.endswith("#" + first_id)

    fold = page.locator("details.rl-fold").first
    expect(fold).not_to_have_attribute("open", "")
    hidden = fold.locator(".rl-block").first
    expect(hidden).to_be_hidden()
    fold.locator("summary").click()
    expect(hidden).to_be_visible()
    shot(page, "diff-section-fold-open")

    # A shared link to a change opens it, even inside a fold.
    page.goto(f"{live_server}{SECTION}?from=draft-2&to=draft-3#{second_id}")
    expect(page.locator(f"#{second_id}")).to_be_in_viewport()

    page.get_by_test_id("view-split").click()
    expect(page.locator(".srcdiff-split .sd-change").first).to_be_visible()
    shot(page, "diff-section-split")
    page.get_by_test_id("view-unified").click()
    expect(page.locator(".srcdiff-unified .sd-change").first).to_be_visible()
    shot(page, "diff-section-unified")

    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    download = info.value
    assert download.suggested_filename == (
        "gpai-code-risk-assessment-redline-draft-2-to-draft-3.html"
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text

    page.goto(f"file://{saved}")
    expect(page.locator("h1.doc-title")).to_contain_text("draft-2 to draft-3")
    shot(page, "diff-download")


def test_whole_code_and_picker(page: Page, live_server: str) -> None:
    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}/c/gpai-code")
    page.get_by_test_id("what-changed").click()
    expect(page.locator("[data-testid=summary-sections] tbody tr")).to_have_count(6)
    shot(page, "diff-code")

    page.select_option("[data-testid=cmp-from]", "draft-1")
    page.select_option("[data-testid=cmp-to]", "wg/2")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("[data-testid=cmp-versions]")).to_contain_text("draft-1")
    expect(page.locator("[data-testid=cmp-versions]")).to_contain_text(
        "Working Group 2's working draft"
    )
    expect(page.get_by_test_id("download")).to_have_count(0)

    page.select_option("[data-testid=cmp-from]", "draft-3")
    page.select_option("[data-testid=cmp-to]", "draft-3")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_test_id("no-changes")).to_be_visible()
    shot(page, "diff-no-changes")
