"""The whole way in: a civil society organisation expresses interest, confirms
its e-mail address, the AI Office approves it, its person accepts the
invitation on a phone and comments on the draft."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from tests.membership import EVIDENCE, link, mails, open_call
from tests.story import KEEP, S, open_round_on_draft_3

from .conftest import loaded, log_in, shot
from .test_comments import _comment_on_selection

EMAIL = "rosa@fair-ai-coalition.example"
PASSWORD = "a sentence long enough to be a password"


def test_apply_confirm_review_approve_accept_and_comment(
    app: Flask,
    page: Page,
    browser: Browser,
    live_server: str,
    db: Session,
    seeded: Code,
) -> None:
    app.config["APPLY_MIN_SECONDS"] = 0  # Playwright types faster than people
    open_call(db, seeded)
    open_round_on_draft_3(db, seeded)

    # 1. The form shows the questions of the chosen category only.
    page.goto(f"{live_server}/apply")
    loaded(page)
    expect(page.locator("#deadline-local")).to_contain_text("where you are")
    interest = page.locator("textarea[name=interest]")
    expertise = page.locator("textarea[name=expertise]")
    expect(interest).to_be_hidden()
    page.get_by_label("Civil society organisation").check()
    expect(interest).to_be_visible()
    expect(expertise).to_be_hidden()
    expect(page.locator("input[name=candidacy]").first).to_be_hidden()
    page.get_by_label("Working Group 2:").check()
    page.fill("input[name=name]", "Rosa Fairweather")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=organisation]", "Fair AI Coalition")
    page.fill("input[name=register_number]", "1234-56")
    interest.fill(EVIDENCE["interest"])
    page.fill("textarea[name=representativeness]", EVIDENCE["representativeness"])
    page.get_by_label("Name my organisation").check()
    page.locator("input[name=privacy]").check()
    shot(page, "apply-form")
    page.get_by_test_id("send").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Transparency Register")
    expect(page.locator("input[name=name]")).to_have_value("Rosa Fairweather")
    expect(interest).to_have_value(EVIDENCE["interest"])
    shot(page, "apply-errors")
    page.fill("input[name=register_number]", "123456789012-34")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("sent")).to_be_visible()

    # 2. The link in the mail confirms the address.
    (confirm,) = mails(db, EMAIL)
    status_url = link(confirm, "/apply/status/")
    page.goto(f"{live_server}{status_url}")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_contain_text("reviewing")
    shot(page, "apply-status")

    # 3. The AI Office reviews and approves.
    office = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    log_in(office, live_server, "ai-office")
    office.get_by_test_id("applications-link").click()
    office.locator("[data-testid=row]", has_text="Fair AI Coalition").locator(
        "a"
    ).click()
    for key in ("register", "interest", "representativeness"):
        office.get_by_test_id(f"check-{key}").check()
    shot(office, "review-application")
    office.get_by_test_id("approve").click()
    expect(office.locator(".flash")).to_contain_text("Approved")
    expect(office.get_by_test_id("status")).to_contain_text("Approved")

    # 4. On a phone, the new participant sets a password from the invitation.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    invitation = link(mails(db, EMAIL)[-1], "/invite/")
    phone.goto(f"{live_server}{invitation}")
    phone.fill("input[name=password]", PASSWORD)
    phone.fill("input[name=confirm]", PASSWORD)
    phone.locator("button[type=submit]").click()
    expect(phone.get_by_test_id("who")).to_contain_text("Rosa Fairweather")

    # 5. And comments on the draft of their Working Group.
    phone.goto(f"{live_server}/c/gpai-code/s/{S}?rev=draft-3")
    loaded(phone)
    _comment_on_selection(phone, KEEP, "Say who keeps the record of decisions.")
    shot(phone, "first-comment-phone")
    # The pages of the way in fit a phone.
    for path in ("/apply", status_url, "/participants"):
        phone.goto(f"{live_server}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{live_server}{status_url}")
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
