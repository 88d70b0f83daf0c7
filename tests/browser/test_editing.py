"""In Chromium: a Chair edits and saves (work kept across a reload); a second
Chair saves a clashing change and resolves it; the coordinating Chair
consolidates two Working Groups and sees them on main."""

from __future__ import annotations

from playwright.sync_api import Browser, Locator, Page, expect

from cop_drafts.store.repo import DraftStore, Person

from .conftest import loaded, log_in, shot

S = "risk-assessment.md"


def paragraph(text: str, n: int) -> str:
    return [p for p in text.split("\n\n") if p.strip() and not p.startswith("#")][n]


def paste(box: Locator, text: str) -> None:
    """Replace a textarea's text as a paste would (fill() takes seconds on 17 KB)."""
    box.evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', "
        "{bubbles: true})); }",
        text,
    )


def watch(page: Page, problems: list[str]) -> None:
    """Collect script errors and CSP refusals (console errors but failed loads)."""
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )


def test_chairs_edit_clash_resolve_and_the_coordinator_consolidates(
    page: Page, browser: Browser, live_server: str, seeded_store: DraftStore
) -> None:
    base = live_server
    problems: list[str] = []
    watch(page, problems)
    log_in(page, base, "wg2-chair")
    page.goto(f"{base}/c/gpai-code/s/{S}?rev=wg/2")
    page.get_by_test_id("edit-tab").click()
    source = page.get_by_test_id("source")
    expect(source).to_be_visible()
    expect(page.get_by_test_id("branch")).to_have_text("wg/2")
    expect(page.get_by_test_id("preview").locator("h1")).to_be_visible()
    loaded(page)

    # The Vice-Chair opens the same section before the Chair saves.
    other = browser.new_context(viewport={"width": 1360, "height": 900})
    vice = other.new_page()
    vice.set_default_timeout(10_000)
    watch(vice, problems)
    log_in(vice, base, "wg2-vice")
    vice.goto(f"{base}/c/gpai-code/edit/{S}")
    expect(vice.get_by_test_id("source")).to_be_visible()

    original = source.input_value()
    target = paragraph(original, 1)
    chair_text = original.replace(target, target + " Chair's addition in the browser.")
    paste(source, chair_text)
    source.press("Control+End")
    source.press_sequentially("Typed at the end.")  # real keys, too
    chair_text += "Typed at the end."
    assert source.input_value() == chair_text
    page.get_by_test_id("message").fill("Add a sentence on thresholds")
    expect(page.get_by_test_id("preview")).to_contain_text(
        "Chair's addition in the browser."
    )
    shot(page, "editor")

    # A reload (a crashed tab) brings the unsaved work back.
    page.reload()
    expect(page.get_by_test_id("restored")).to_be_visible()
    expect(page.get_by_test_id("source")).to_have_value(chair_text)
    expect(page.get_by_test_id("message")).to_have_value("Add a sentence on thresholds")
    shot(page, "editor-restored")

    # Leaving with unsaved changes asks first.
    asked: list[str] = []
    leaving = page.context.new_page()
    leaving.goto(f"{base}/c/gpai-code/edit/{S}")
    paste(leaving.get_by_test_id("source"), chair_text + "\nMore.\n")
    leaving.once("dialog", lambda d: (asked.append(d.type), d.accept()))
    leaving.close(run_before_unload=True)
    leaving.wait_for_event("close")
    assert asked == ["beforeunload"]

    page.get_by_test_id("review").click()
    expect(page.get_by_test_id("redline").locator("ins").first).to_contain_text("Chair")
    shot(page, "editor-review")
    page.get_by_test_id("back-to-editor").click()  # the text comes back
    expect(page.get_by_test_id("source")).to_have_value(chair_text + "\n")
    page.get_by_test_id("review").click()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    saved = seeded_store.read("wg/2", S).text
    assert "Chair's addition in the browser." in saved and "Typed at the end." in saved
    # The saved page clears the kept draft when its script runs, before the
    # page's load event. (wait_for_function would poll with eval, which the
    # page's CSP refuses.)
    loaded(page)
    kept = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('cop-drafts:draft:'))"
    )
    assert kept == []

    # The Vice-Chair rewrites the same paragraph from the older version.
    vice_source = vice.get_by_test_id("source")
    paste(
        vice_source, vice_source.input_value().replace(target, "Vice-Chair's rewrite.")
    )
    vice.get_by_test_id("message").fill("Rewrite the thresholds paragraph")
    vice.get_by_test_id("save").click()
    expect(vice.get_by_test_id("conflict-title")).to_be_visible()
    expect(vice.get_by_test_id("clash")).to_have_count(1)
    loaded(vice)
    shot(vice, "editor-conflict")
    vice.get_by_role("button", name="Keep both").click()
    merged = vice.get_by_test_id("merged").input_value()
    assert "<<<<<<<" not in merged
    assert "Vice-Chair's rewrite." in merged and "Chair's addition" in merged
    vice.get_by_test_id("save-resolution").click()
    expect(vice.get_by_test_id("saved")).to_be_visible()
    final = seeded_store.read("wg/2", S).text
    assert (
        "Vice-Chair's rewrite." in final and "Chair's addition in the browser." in final
    )
    other.close()

    # Working Group 3 has work too; the coordinating Chair consolidates both.
    wg3 = seeded_store.read("wg/3", "risk-mitigation.md").text
    first = paragraph(wg3, 0)
    seeded_store.save(
        "wg/3",
        "risk-mitigation.md",
        wg3.replace(first, first + " Mitigation sentence."),
        base=seeded_store.resolve("wg/3"),
        author=Person("Chair Three", "wg3-chair@demo.cop-drafts.eu"),
        message="Add a mitigation sentence",
    )
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "coordinator")
    page.goto(f"{base}/c/gpai-code?rev=main")
    page.get_by_test_id("board-link").click()
    loaded(page)
    expect(page.get_by_test_id("choose-wg-2")).to_be_checked()
    expect(page.get_by_test_id("choose-wg-3")).to_be_checked()
    shot(page, "board")
    page.get_by_test_id("wg-2").locator(
        "summary", has_text="Risk identification"
    ).click()
    shot(page, "board-redline")
    page.get_by_test_id("message").fill("Consolidate Working Groups 2 and 3")
    page.get_by_test_id("consolidate").click()
    expect(page.locator(".flashes")).to_contain_text("Merged wg/2 into main")
    expect(page.get_by_test_id("wg-2")).to_contain_text(
        "everything is in the consolidated text"
    )
    shot(page, "board-after")

    page.goto(f"{base}/c/gpai-code/s/{S}?rev=main")
    expect(page.get_by_test_id("document")).to_contain_text("Vice-Chair's rewrite.")
    page.goto(f"{base}/c/gpai-code/s/risk-mitigation.md?rev=main")
    expect(page.get_by_test_id("document")).to_contain_text("Mitigation sentence.")
    assert not problems, problems
