"""Every page type in real Chromium: no wider than a phone's screen at 390 px
(tables scroll in their own box), and no serious or critical accessibility
violation found by axe-core at 1280 px. Comments fold under their passage on a
narrow screen and go back to the margin on a wide one."""

from __future__ import annotations

from itertools import groupby

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.services import codes as code_service
from tests import story
from tests.browser.conftest import log_in, shot
from tests.pages import CODE, PAGES, SECTION

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


@pytest.fixture
def sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the page scans read pages, not the database: run on SQLite")


def test_every_page_type_fits_a_phone_and_passes_axe(
    browser: Browser, live_server: str, sqlite_only: None
) -> None:
    axe = Axe()
    too_wide: dict[str, int] = {}
    violations: dict[str, list[str]] = {}
    ordered = sorted(PAGES, key=lambda item: item[0] or "")
    for who, pages in groupby(ordered, key=lambda item: item[0]):
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # An iteration page builds its downloads (PDF, Word) on first view.
        page.set_default_navigation_timeout(180_000)
        if who:
            log_in(page, live_server, who)
        for _, url in pages:
            page.set_viewport_size(PHONE)
            response = page.goto(live_server + url)
            assert response is not None and response.ok, (who, url)
            page.wait_for_load_state("load")
            if _width(page) > PHONE["width"]:
                too_wide[f"{who} {url}"] = _width(page)
            shot(page, f"phone-{who}-{url.strip('/').replace('/', '_')}")
            page.set_viewport_size(DESKTOP)
            found = axe.run(page).response["violations"]
            serious = [
                f"{v['id']}: {v['nodes'][0]['target']} "
                f"{v['nodes'][0].get('failureSummary', '')[:300]}"
                for v in found
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                violations[f"{who} {url}"] = serious
        context.close()
    assert not (too_wide or violations), (too_wide, violations)


def test_comments_fold_under_their_passage_on_a_phone(
    browser: Browser,
    live_server: str,
    app: Flask,
    db: Session,
    seeded: Code,
    sqlite_only: None,
) -> None:
    store = code_service.open_store(app.config["SETTINGS"], seeded.slug)
    story.open_round_on_draft_3(db, seeded)
    story.post_comment(
        db, store, seeded, "provider", quote=story.KEEP, body="Keep this duty."
    )
    store.close()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}{CODE}/s/{SECTION}")
    page.wait_for_load_state("load")
    fold = page.locator("[data-testid=inline-threads]")
    expect(fold).to_have_count(1)
    expect(fold.locator("summary")).to_have_text("1 comment on this passage")
    # Folded right under the passage it is about.
    passage = page.locator("mark.anchor-mark").first
    assert fold.evaluate(
        "(box, mark) => box.previousElementSibling.contains(mark)",
        passage.element_handle(),
    )
    thread = fold.locator("[data-testid=thread]")
    expect(thread).to_be_hidden()
    fold.locator("summary").click()
    expect(thread).to_contain_text("Keep this duty.")
    shot(page, "phone-folded-comment")
    assert _width(page) <= PHONE["width"]
    # Wide again: the thread is back in the margin, the fold gone.
    page.set_viewport_size(DESKTOP)
    expect(page.locator("[data-testid=threads] [data-testid=thread]")).to_have_count(1)
    expect(fold).to_have_count(0)
    context.close()
