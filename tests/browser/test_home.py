"""Each role's home on the Code page in Chromium at 390 px and 1280 px, with
the audit log and the drafting rounds: their items show and no page is wider
than its viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.store.repo import DraftStore
from tests.story import open_round_on_draft_3, post_comment

from .conftest import log_in, shot

WIDTHS = (390, 1280)
# Per role: the home's items that must show, and pages of that role to fit.
ROLES = {
    "ai-office": (
        ["home-round", "time-left", "comment-total", "pending-invitations"],
        [
            "/c/gpai-code",
            "/admin/audit?logins=y",
            "/c/gpai-code/rounds",
            "/admin/users",
        ],
    ),
    "coordinator": (["home-round", "wg-changes-2", "home-checks"], ["/c/gpai-code"]),
    "wg2-chair": (
        ["home-chair", "awaiting-2", "waiting-2", "home-sections"],
        ["/c/gpai-code"],
    ),
    "provider": (["home-round", "home-sections", "own-comments"], ["/c/gpai-code"]),
}


def _fits(page: Page) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{page.url} is {wide[0]} px wide in {wide[1]} px"


@pytest.fixture
def story(db: Session, seeded: Code, seeded_store: DraftStore) -> None:
    open_round_on_draft_3(db, seeded)
    post_comment(db, seeded_store, seeded, "provider", line=5)


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_home_and_pages_fit(
    browser: Browser, live_server: str, story: None, role: str
) -> None:
    items, urls = ROLES[role]
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, role)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for url in urls:
                page.goto(f"{live_server}{url}")
                page.wait_for_load_state("load")
                _fits(page)
                shot(page, f"home-{role}-{url.strip('/').replace('/', '-')}-{width}")
            page.goto(f"{live_server}/c/gpai-code")
            home = page.locator("[data-testid=home]")
            expect(home).to_have_attribute("data-role", _kind(role))
            for item in items:
                expect(page.locator(f"[data-testid={item}]").first).to_be_visible()
    finally:
        context.close()


def _kind(role: str) -> str:
    return {"ai-office": "office", "coordinator": "coordinator"}.get(
        role, "chair" if "chair" in role else "participant"
    )
