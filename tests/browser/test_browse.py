"""A Chair logs in, opens a section, picks another version, sees its history,
opens what a change did and who wrote each line."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import log_in, shot


def test_login_read_switch_version_history(page: Page, live_server: str) -> None:
    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}/c/gpai-code")
    expect(page.locator("[data-testid=iterations] strong")).to_have_text(
        ["draft-3", "draft-2", "draft-1"]
    )
    shot(page, "code-overview")

    page.locator("[data-testid=sections] a", has_text="Risk identification").click()
    expect(page.locator("[data-testid=version-label]")).to_have_text("draft-3")
    first_block = page.locator("[data-testid=document] > [data-line-start]").first
    expect(first_block).to_have_attribute("data-line-start", "1")
    shot(page, "section")

    page.select_option("[data-testid=rev-select]", "draft-1")
    page.locator(".version-picker button", has_text="Show").click()
    expect(page.locator("[data-testid=version-label]")).to_have_text("draft-1")
    assert "rev=draft-1" in page.url

    page.get_by_role("link", name="History").click()
    entries = page.locator("[data-testid=history] li.commit")
    expect(entries.first).to_be_visible()
    assert entries.count() >= 1
    shot(page, "history")

    page.goto(page.url.replace("draft-1", "draft-3"))
    assert page.locator("[data-testid=history] li.commit").count() > entries.count() - 1
    page.locator("[data-testid=history] li.commit a").first.click()
    expect(page.locator("[data-testid=change-title]")).to_be_visible()
    expect(page.locator("[data-testid=diff-body]").first).to_be_visible()

    page.get_by_role("link", name="Who wrote this line").click()
    expect(page.locator("[data-testid=blame] tbody tr").first).to_be_visible()
    shot(page, "blame")

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server}/c/gpai-code")
    expect(page.locator("[data-testid=nothing-public]")).to_be_visible()
    shot(page, "public-nothing")


def test_version_picker_takes_a_commit_id(page: Page, live_server: str) -> None:
    log_in(page, live_server, "provider")
    page.goto(f"{live_server}/c/gpai-code/history/risk-assessment.md?rev=main")
    href = page.locator("[data-testid=history] li.commit a").last.get_attribute("href")
    commit = href.rsplit("rev=", 1)[1]
    page.goto(f"{live_server}/c/gpai-code/s/risk-assessment.md?rev=main")
    # Commit ids live under "Advanced", out of plain view.
    expect(page.locator("#rev-commit")).to_be_hidden()
    page.locator(".version-picker details.advanced > summary").click()
    page.fill("#rev-commit", commit[:12])
    page.locator(".commit-form button").click()
    expect(page.locator("[data-testid=commit-id]")).to_have_text(commit[:10])


def test_line_links_scroll_to_their_block(page: Page, live_server: str) -> None:
    log_in(page, live_server, "provider")
    page.goto(f"{live_server}/c/gpai-code/s/risk-assessment.md?rev=draft-3#line-114")
    target = page.locator("[data-testid=document] .line-target")
    expect(target).to_have_count(1)
    start = int(target.get_attribute("data-line-start") or 0)
    end = int(target.get_attribute("data-line-end") or 0)
    assert start <= 114 <= end
    expect(target).to_be_in_viewport()
