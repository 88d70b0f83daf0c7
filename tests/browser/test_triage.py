"""A Chair filters the comment table, searches, answers two comments at once
and releases the answer; the participant reads it on "My comments"."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.store.repo import DraftStore
from tests.story import KEEP, REWORD, S, open_round_on_draft_3
from tests.story import post_comment_id as _post

from .conftest import loaded, log_in, shot


def test_chair_answers_in_bulk_and_the_participant_reads_it(
    page: Page,
    browser: Browser,
    live_server: str,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
) -> None:
    open_round_on_draft_3(db, seeded)
    mine = [
        _post(
            db, seeded_store, seeded, "provider", S, KEEP, "Please define decisions."
        ),
        _post(
            db, seeded_store, seeded, "provider", S, REWORD, "Margins need auditors."
        ),
    ]
    other = _post(
        db, seeded_store, seeded, "academic", S, KEEP, "Independent auditors, please."
    )

    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}/c/gpai-code")
    page.get_by_test_id("triage-link").click()
    rows = page.locator("[data-testid=row]")
    expect(rows).to_have_count(3)
    page.select_option("select[name=category]", "model_provider")
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(2)
    page.fill("[data-testid=search]", "auditor")
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(1)
    page.select_option("select[name=category]", "")
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(2)  # the search alone: two mention auditors
    page.fill("[data-testid=search]", "")
    page.select_option("select[name=category]", "model_provider")
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(2)
    shot(page, "triage-filtered")

    # Open one beside the table with the keyboard, then answer both at once.
    loaded(page)
    page.keyboard.press("j")
    expect(page.get_by_test_id("detail")).to_be_visible()
    expect(page.get_by_test_id("passage")).to_contain_text("size of each Safety Margin")
    shot(page, "triage-open")
    for comment_id in mine:
        page.locator(f"tr[data-comment='{comment_id}'] input.pick").check()
    page.select_option("[data-testid=bulk-kind]", "partially_accepted")
    page.fill("[data-testid=bulk-response]", "Both points are taken up in draft-4.")
    page.get_by_test_id("bulk-draft").click()
    expect(page.locator(".flash")).to_contain_text("Saved as a draft")
    for comment_id in mine:
        expect(page.get_by_test_id(f"answer-{comment_id}")).to_contain_text("draft")
    for comment_id in mine:
        page.locator(f"tr[data-comment='{comment_id}'] input.pick").check()
    page.get_by_test_id("bulk-release-only").click()
    expect(page.locator(".flash")).to_contain_text("Released the answers to 2")
    for comment_id in mine:
        expect(page.get_by_test_id(f"answer-{comment_id}")).to_contain_text("released")

    reader = browser.new_context(viewport={"width": 390, "height": 844})
    tab = reader.new_page()
    log_in(tab, live_server, "provider")
    tab.goto(f"{live_server}/c/gpai-code")
    tab.get_by_test_id("mine-link").click()
    for comment_id in mine:
        outcome = tab.get_by_test_id(f"outcome-{comment_id}")
        expect(outcome).to_contain_text("Partially accepted")
        expect(outcome).to_contain_text("Both points are taken up in draft-4.")
    assert tab.get_by_test_id(f"mine-{other}").count() == 0
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    shot(tab, "my-comments-phone")
    reader.close()
