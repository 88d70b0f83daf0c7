"""Real Chromium through Playwright against the app served on a free port."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from cop_drafts.db.models import Code
from cop_drafts.services import demo

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = os.environ.get("COP_DRAFTS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("COP_DRAFTS_SCREENSHOTS")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def whole_bodies(app: Flask) -> WSGIApplication:
    """The app with every response body read in full and closed before the
    development server writes it. When Chromium drops a connection mid-way
    (a page navigates while its favicon is on the way), werkzeug's server
    leaves the response's open file to the garbage collector, whose
    ResourceWarning then fails whichever test is running; a body already read
    holds no file. The app streams nothing, so nothing else changes."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture
def live_server(app: Flask, seeded: Code) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, whole_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def log_in(page: Page, base: str, key: str) -> None:
    """Log in through the form as demo account `key`."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", f"{key}@{demo.DOMAIN}")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=who]")


def loaded(page: Page) -> None:
    """Wait until the page's scripts have run: a click that navigates returns
    once the new page starts loading, and its script tags may still be on the
    way (a key press or a JS-driven button before then does nothing)."""
    page.wait_for_load_state("load")


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot when COP_DRAFTS_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


def publish(page: Page, base: str, tag: str, notes: str, *, plenary: str = "") -> None:
    """Publish the consolidated text through the form, the review page and its
    confirmation, as the logged-in publisher of `page`; lands on the new
    iteration's page. With `plenary` (YYYY-MM-DDTHH:MM), a round opens."""
    page.goto(f"{base}/c/gpai-code/publish")
    page.fill("input[name=tag]", tag)
    page.fill("textarea[name=notes]", notes)
    if plenary:
        page.check("input[name=open_round]")
        page.fill("input[name=plenary_at]", plenary)
    else:
        page.uncheck("input[name=open_round]")
    page.locator("[data-testid=review]").click()
    confirm = page.locator("[data-testid=confirm]")
    expect(confirm).to_have_text(f"Publish {tag}: this cannot be undone")
    shot(page, f"publish-review-{tag}")
    acknowledge = page.locator("input[name=accept_errors]")
    if acknowledge.count():
        acknowledge.check()
    # Publishing, then the iteration page building every download (PDF, Word)
    # for the first time: seconds each, more on a loaded CI machine.
    confirm.click(timeout=120_000)
    expect(page.locator("[data-testid=iteration-name]")).to_have_text(
        tag, timeout=120_000
    )
