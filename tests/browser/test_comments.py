"""A participant comments on a selected passage and on lines; publishing a new
iteration carries the comments: one exact, one reworded, one orphaned; a
Chair shows where the orphaned one's passage is now by selecting it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.store.repo import DraftStore
from tests.story import (
    DROP,
    KEEP,
    REWORD,
    REWORDED,
    S,
    open_round_on_draft_3,
    post_comment,
    rework_main,
)

from .conftest import log_in, publish, shot

SELECT = """([quote]) => {
  const doc = document.querySelector('[data-testid=document]');
  const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, at = node.data.indexOf(quote);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + quote.length);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      return true;
    }
  }
  return false;
}"""


def _ready(page: Page) -> None:
    """comments.js marks the document once its handlers are in place."""
    expect(page.locator("[data-testid=document][data-ready]")).to_have_count(1)


def _comment_on_selection(page: Page, quote: str, body: str) -> None:
    _ready(page)
    assert page.evaluate(SELECT, [quote])
    page.locator(".comment-bubble").click()
    form = page.locator("[data-testid=new-comment]")
    expect(form).to_be_visible()
    expect(form.locator("[data-target]")).to_contain_text(quote[:40])
    form.locator("textarea[name=body]").fill(body)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Your comment is saved")


def test_comment_reload_publish_and_carry(
    page: Page,
    browser: Browser,
    live_server: str,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
) -> None:
    open_round_on_draft_3(db, seeded)

    log_in(page, live_server, "provider")
    page.goto(f"{live_server}/c/gpai-code/s/{S}?rev=draft-3")
    expect(page.locator("[data-testid=window]")).to_contain_text("Comment window open")
    _ready(page)
    # The "Comment" bubble shows only while a passage is selected.
    expect(page.locator(".comment-bubble")).to_be_hidden()
    _comment_on_selection(page, KEEP, "Define which decisions are recorded.")
    _comment_on_selection(page, REWORD, "Say who documents the margin.")

    # A comment on whole lines: click the line number in the gutter.
    _ready(page)
    block = page.locator("[data-testid=document] > p", has_text=DROP)
    box = block.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] - 30, box["y"] + 8)
    form = page.locator("[data-testid=new-comment]")
    expect(form).to_be_visible()
    line = block.get_attribute("data-line-start")
    expect(form.locator("input[name=line_start]")).to_have_value(line or "")
    form.locator("textarea[name=body]").fill("This paragraph should stay.")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Your comment is saved")

    page.reload()
    threads = page.locator("[data-testid=threads] > [data-testid=thread]")
    expect(threads).to_have_count(3)
    expect(
        page.locator("mark.anchor-mark", has_text="record each decision")
    ).to_be_visible()
    expect(block.locator("mark.anchor-mark")).to_contain_text(DROP)
    shot(page, "comments-draft-3")

    # The Chairs rework main; the AI Office publishes draft-4.
    rework_main(seeded_store)
    office_context = browser.new_context()
    office_page = office_context.new_page()
    log_in(office_page, live_server, "ai-office")
    publish(office_page, live_server, "draft-4", "Fourth draft")
    expect(office_page.locator(".flash")).to_contain_text("1 exact")
    expect(office_page.locator(".flash")).to_contain_text("1 fuzzy")
    expect(office_page.locator(".flash")).to_contain_text("1 orphaned")
    office_context.close()

    page.goto(f"{live_server}/c/gpai-code/s/{S}?rev=draft-4")
    placed = page.locator("[data-testid=threads] > [data-testid=thread]")
    expect(placed).to_have_count(2)
    expect(page.locator("[data-landing=exact]")).to_contain_text("carried from draft-3")
    fuzzy = page.locator("[data-testid=threads] [data-landing=fuzzy]")
    expect(fuzzy.locator("[data-testid=old-quote]")).to_contain_text(REWORD)
    removed = page.locator("[data-testid=removed]")
    expect(removed).to_contain_text("Comments on removed text")
    expect(removed.locator("[data-testid=old-quote]")).to_contain_text(DROP)
    expect(
        page.locator("mark.anchor-mark", has_text="every Safety Margin")
    ).to_be_visible()
    shot(page, "comments-draft-4")


def test_a_chair_selects_where_a_removed_passage_is_now(
    page: Page,
    browser: Browser,
    live_server: str,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
) -> None:
    open_round_on_draft_3(db, seeded)
    post_comment(db, seeded_store, seeded, "provider", quote=DROP, body="Keep it.")
    rework_main(seeded_store)
    log_in(page, live_server, "ai-office")
    publish(page, live_server, "draft-4", "Fourth draft")
    page.context.clear_cookies()

    log_in(page, live_server, "wg2-chair")
    page.goto(f"{live_server}/c/gpai-code/s/{S}?rev=draft-4")
    removed = page.locator("[data-testid=removed] [data-testid=thread]")
    expect(removed).to_have_count(1)
    _ready(page)
    removed.locator("[data-testid=place] summary").click()
    form = removed.locator("[data-testid=place] form")
    expect(form).to_be_visible()
    shot(page, "place-by-hand-open")
    # Selecting the passage in the text fills the form, not a new comment.
    assert page.evaluate(SELECT, [KEEP])
    expect(form.locator("[data-place-target]")).to_contain_text(KEEP[:40])
    expect(form.locator("input[name=line_start]")).not_to_have_value("")
    expect(page.locator(".comment-bubble")).to_be_hidden()
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("The comment is now shown on lines")

    expect(page.locator("[data-testid=removed]")).to_have_count(0)
    placed = page.locator("[data-testid=threads] [data-testid=thread]")
    expect(placed).to_have_count(1)
    expect(placed.locator("[data-testid=landing]")).to_contain_text("placed by hand")
    expect(placed.locator("[data-testid=old-quote]")).to_contain_text(DROP)
    expect(
        page.locator("mark.anchor-mark", has_text="record each decision")
    ).to_be_visible()
    shot(page, "place-by-hand-done")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    landing = page.locator("[data-testid=landing]", has_text="placed by hand")
    expect(landing).to_have_count(1)
    landing.scroll_into_view_if_needed()
    shot(page, "place-by-hand-phone")

    # With scripts off, a Vice-Chair moves it by typing the lines.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    log_in(plain, live_server, "wg2-vice")
    plain.goto(f"{live_server}/c/gpai-code/s/{S}?rev=draft-4")
    thread = plain.locator("[data-testid=threads] [data-testid=thread]")
    thread.locator("[data-testid=place] summary").click()
    text = seeded_store.read("draft-4", S).text
    line = text.count("\n", 0, text.index(REWORDED)) + 1
    thread.locator("input[name=line_start]").fill(str(line))
    thread.locator("input[name=line_end]").fill(str(line))
    thread.get_by_role("button", name="Show the comment here").click()
    expect(plain.locator(".flash")).to_contain_text(f"lines {line}–{line}")
    moved = plain.locator("[data-testid=threads] [data-testid=thread]")
    expect(moved).to_have_attribute("data-line-start", str(line))
    context.close()
