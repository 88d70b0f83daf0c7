"""In Chromium: a Chair edits and saves (work kept across a reload); a second
Chair saves a clashing change and resolves it; the coordinating Chair
consolidates two Working Groups and sees them on main."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

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


MARKERS = (
    "() => [...document.querySelectorAll('textarea, input')].map(e => e.value)"
    ".concat([document.body.innerText])"
    ".some(v => /^(<{7}|>{7})/m.test(v))"
)


def no_markers(page: Page) -> None:
    """No text box, field or visible text holds a conflict marker line."""
    assert page.evaluate(MARKERS) is False


def fits(page: Page) -> None:
    """The page scrolls only downwards: nothing wider than the window."""
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, (page.url, width, inner)


def looked_at(page: Page, name: str) -> None:
    """Once loaded: no marker anywhere, nothing wider than the window, no
    serious or critical accessibility violation found by axe-core."""
    loaded(page)
    no_markers(page)
    fits(page)
    shot(page, name)
    found = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, (name, serious)


def window(
    browser: Browser, width: int, problems: list[str]
) -> tuple[BrowserContext, Page]:
    """A new browser window `width` px wide whose script errors are watched."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch(page, problems)
    return context, page


def clash_on_save(
    page: Page, base: str, store: DraftStore, *, scripts: bool = True
) -> None:
    """The Chair opens the section; the Vice-Chair saves a rewrite of a
    paragraph meanwhile; the Chair saves another rewrite of it."""
    log_in(page, base, "wg2-chair")
    page.goto(f"{base}/c/gpai-code/edit/{S}")
    source = page.get_by_test_id("source")
    expect(source).to_be_visible()
    loaded(page)
    original = source.input_value()
    target = paragraph(original, 1)
    store.save(
        "wg/2",
        S,
        original.replace(target, "The Vice-Chair's wording."),
        base=store.resolve("wg/2"),
        author=Person("Vice Two", "wg2-vice@demo.cop-drafts.eu"),
        message="Vice-Chair rewrites",
    )
    mine = original.replace(target, "The Chair's wording.")
    if scripts:
        paste(source, mine)
    else:
        source.fill(mine)  # evaluate() needs scripts
    page.get_by_test_id("message").fill("Chair rewrites")
    page.get_by_test_id("save").click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_clash_is_resolved_with_choices_at_a_phone_and_a_desktop_width(
    browser: Browser, live_server: str, seeded_store: DraftStore, width: int
) -> None:
    problems: list[str] = []
    context, page = window(browser, width, problems)
    clash_on_save(page, live_server, seeded_store)
    expect(page.get_by_test_id("conflict-title")).to_have_text(
        "Another Chair changed the same passage"
    )
    looked_at(page, f"resolve-{width}")
    clash = page.get_by_test_id("clash")
    expect(clash.locator(".side-theirs")).to_contain_text("The Vice-Chair's wording.")
    expect(clash.locator(".side-ours")).to_contain_text("The Chair's wording.")
    wording = clash.get_by_test_id("edit")
    expect(wording).to_be_hidden()  # shown only for Edit
    clash.get_by_role("radio", name="Edit", exact=True).check()
    expect(wording).to_be_visible()
    expect(wording).to_be_focused()
    wording.fill("The wording both Chairs agreed.")
    page.get_by_test_id("preview-resolution").click()
    expect(page.get_by_test_id("preview")).to_contain_text(
        "The wording both Chairs agreed."
    )
    looked_at(page, f"resolve-preview-{width}")
    assert seeded_store.log("wg/2", limit=1)[0].summary == "Vice-Chair rewrites"
    page.get_by_test_id("save-resolution").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    final = seeded_store.read("wg/2", S).text
    assert "The wording both Chairs agreed." in final
    assert "The Vice-Chair's wording." not in final and "<<<<<<<" not in final
    fits(page)
    assert not problems, problems
    context.close()


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
    expect(page.get_by_test_id("branch")).to_have_text(
        "Working Group 2's working draft"
    )
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
    # The review page keeps its text for the way back once its script has
    # run; a click before that finds the editor's own copy (same words, the
    # last line not yet ended).
    loaded(page)
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
    no_markers(vice)
    vice.get_by_role("radio", name="Keep both", exact=True).check()
    vice.get_by_test_id("preview-resolution").click()
    preview = vice.get_by_test_id("preview")
    expect(preview).to_contain_text("Vice-Chair's rewrite.")
    expect(preview).to_contain_text("Chair's addition")
    no_markers(vice)
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
    expect(page.locator(".flashes")).to_contain_text(
        "Working Group 2's working draft is now in the consolidated text"
    )
    expect(page.get_by_test_id("wg-2")).to_contain_text(
        "everything is in the consolidated text"
    )
    shot(page, "board-after")

    page.goto(f"{base}/c/gpai-code/s/{S}?rev=main")
    expect(page.get_by_test_id("document")).to_contain_text("Vice-Chair's rewrite.")
    page.goto(f"{base}/c/gpai-code/s/risk-mitigation.md?rev=main")
    expect(page.get_by_test_id("document")).to_contain_text("Mitigation sentence.")
    assert not problems, problems


@pytest.mark.parametrize("width", [390, 1280])
def test_the_coordinator_resolves_a_consolidation_with_choices(
    browser: Browser, live_server: str, seeded_store: DraftStore, width: int
) -> None:
    problems: list[str] = []
    context, page = window(browser, width, problems)
    # Working Group 2 and a harmonisation reword the same paragraph.
    text = seeded_store.read("main", S).text
    target = paragraph(text, 1)
    chair = Person("Chair Two", "wg2-chair@demo.cop-drafts.eu")
    for branch, words in (("wg/2", "Two's wording."), ("main", "Harmonised wording.")):
        seeded_store.save(
            branch,
            S,
            text.replace(target, words),
            base=seeded_store.resolve(branch),
            author=chair,
            message=words,
        )
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/c/gpai-code/consolidation")
    expect(page.get_by_test_id("own-changes")).to_have_text(
        "1 change not yet in the consolidated text"
    )
    looked_at(page, f"board-{width}")
    page.get_by_test_id("choose-wg-2").check()
    page.get_by_test_id("message").fill("Consolidate Working Group 2")
    page.get_by_test_id("consolidate").click()
    expect(page.get_by_test_id("conflict-title")).to_be_visible()
    looked_at(page, f"consolidation-conflict-{width}")
    clash = page.get_by_test_id("clash")
    expect(clash.locator(".side-theirs")).to_contain_text("Two's wording.")
    expect(clash.locator(".side-ours")).to_contain_text("Harmonised wording.")
    clash.get_by_role("radio", name="Keep theirs", exact=True).check()
    page.get_by_test_id("preview-resolution").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Two's wording.")
    looked_at(page, f"consolidation-preview-{width}")
    page.get_by_test_id("save-resolution").click()
    expect(page.locator(".flashes")).to_contain_text(
        "Working Group 2's working draft is now in the consolidated text"
    )
    expect(page.get_by_test_id("wg-2")).to_contain_text(
        "everything is in the consolidated text"
    )
    looked_at(page, f"board-after-{width}")
    final = seeded_store.read("main", S).text
    assert "Two's wording." in final and "Harmonised wording." not in final
    assert not problems, problems
    context.close()


def test_a_clash_is_resolved_without_javascript(
    browser: Browser, live_server: str, seeded_store: DraftStore
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    clash_on_save(page, live_server, seeded_store, scripts=False)
    expect(page.get_by_test_id("conflict-title")).to_be_visible()
    clash = page.get_by_test_id("clash")
    clash.get_by_role("radio", name="Keep mine", exact=True).check()
    page.get_by_test_id("preview-resolution").click()
    # The redline of the current text: the Vice-Chair's word struck out.
    expect(page.get_by_test_id("preview").locator("del").first).to_have_text("Vice-")
    fits(page)
    page.get_by_test_id("save-resolution").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    final = seeded_store.read("wg/2", S).text
    assert "The Chair's wording." in final and "Vice-Chair's wording" not in final
    context.close()
