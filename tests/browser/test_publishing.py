"""The AI Office publishes through the review and its confirmation, opens the
iteration page and downloads two formats; a visitor who is not logged in reads
the public landing page and the whole Code as one page."""

from __future__ import annotations

import hashlib

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.services import accounts, codes, demo
from cop_drafts.store.repo import DraftStore
from tests.story import rework_main

from .conftest import log_in, publish, shot


def test_publish_download_and_read_as_the_public(
    page: Page,
    browser: Browser,
    live_server: str,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
) -> None:
    rework_main(seeded_store)
    log_in(page, live_server, "ai-office")
    publish(
        page,
        live_server,
        "draft-4",
        "Fourth draft: simpler risk tiers",
        plenary="2031-03-04T10:00",
    )
    expect(page.locator(".flash")).to_contain_text("draft-4 is published")
    expect(page.locator("[data-testid=notes]")).to_have_text(
        "Fourth draft: simpler risk tiers"
    )
    expect(page.locator("[data-testid=round]")).to_contain_text("04 Mar 2031")
    shot(page, "iteration-page")

    for fmt in ("pdf", "docx"):
        with page.expect_download() as info:
            page.locator(f"[data-testid=download-{fmt}]").click()
        download = info.value
        assert download.suggested_filename == f"gpai-code-draft-4.{fmt}"
        data = download.path().read_bytes()
        listed = page.locator(f"[data-testid=sha-{fmt}]").inner_text()
        assert hashlib.sha256(data).hexdigest() == listed.strip()

    # The AI Office makes draft-4 public; a visitor reads it.
    office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
    codes.set_public(db, seeded, office, "draft-4", True)
    visitor = browser.new_context(viewport={"width": 390, "height": 844})
    tab = visitor.new_page()
    tab.goto(f"{live_server}/c/gpai-code")
    expect(tab.locator("[data-testid=iterations] strong")).to_have_text(["draft-4"])
    expect(tab.locator("[data-testid=timeline]")).to_contain_text("Today")
    expect(tab.locator("[data-testid=status]")).to_contain_text("draft-4")
    # The page fits a phone: nothing wider than the screen.
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(tab, "landing-phone")
    tab.get_by_role("link", name="Read the whole Code").first.click()
    expect(tab.locator("[data-testid=whole-version]")).to_contain_text("draft-4")
    first = tab.locator("[data-testid=whole-contents] li.toc-1 a").nth(2)
    target = first.get_attribute("href") or ""
    first.click()
    assert tab.url.endswith(target)
    expect(tab.locator(target)).to_be_in_viewport()
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(tab, "whole-code-phone")
    visitor.close()
