"""One change at a time, at a phone's width and a desktop's: a history entry
opens what its change did, and the section, history, "who wrote this line"
and changes pages are no wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import log_in, shot

C = "/c/gpai-code"
SECTION = "risk-assessment.md"
WIDTHS = (390, 1280)


def fits(page: Page) -> None:
    """The page scrolls only downwards: nothing wider than the window."""
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, (page.url, width, inner)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_history_entry_opens_its_change(
    page: Page, live_server: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}{C}/s/{SECTION}?rev=draft-3")
    fits(page)
    shot(page, f"section-{width}")
    # Commit ids wait under "Advanced"; opened, they still fit.
    expect(page.locator("[data-testid=commit-id]")).to_be_hidden()
    page.locator(".version-picker details.advanced > summary").click()
    expect(page.locator("[data-testid=commit-id]")).to_be_visible()
    fits(page)
    page.get_by_role("link", name="History", exact=True).click()
    entry = page.locator("[data-testid=history] li.commit").first
    expect(entry).to_be_visible()
    fits(page)
    shot(page, f"history-{width}")
    message = entry.locator("[data-testid=change-link]").inner_text()
    entry.locator("[data-testid=change-link]").click()
    expect(page.locator("[data-testid=change-title]")).to_be_visible()
    expect(page.locator("[data-testid=change-by]")).to_contain_text("A change by")
    expect(page.locator("[data-testid=change-message]")).to_contain_text(message)
    expect(page.locator("[data-testid=diff-body]").first).to_be_visible()
    assert "change=" in page.url
    fits(page)
    page.locator(".cmp-advanced > summary").click()
    expect(page.locator("#cmp-from-commit")).to_be_visible()
    fits(page)
    shot(page, f"change-{width}")

    page.get_by_role("link", name="Who wrote this line").click()
    expect(page.locator("[data-testid=blame] tbody tr").first).to_be_visible()
    fits(page)
    shot(page, f"blame-{width}")
    page.locator("[data-testid=blame] td.who a").first.click()
    expect(page.locator("[data-testid=change-title]")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_changes_pages_fit_and_start_with_the_text(
    page: Page, live_server: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "provider")
    page.goto(f"{live_server}{C}/changes?from=draft-1&to=draft-3")
    fold = page.locator("[data-testid=summary-fold]")
    expect(fold).to_be_visible()
    # The list of sections waits behind its totals; the text comes first.
    expect(page.locator("[data-testid=summary-sections]")).to_be_hidden()
    fits(page)
    shot(page, f"changes-code-{width}")
    fold.locator("summary").click()
    expect(page.locator("[data-testid=summary-sections]")).to_be_visible()
    fits(page)
    page.goto(f"{live_server}{C}/changes/{SECTION}?from=draft-2&to=draft-3")
    fits(page)
    shot(page, f"changes-section-{width}")
    page.goto(f"{live_server}{C}/changes/{SECTION}?from=draft-2&to=draft-3&view=split")
    fits(page)
    shot(page, f"changes-split-{width}")
