"""Every page type speaks plain words: git's vocabulary (services.glossary.
GIT_WORDS, commit ids, conflict markers) appears only inside a page's
"Advanced" disclosure, in URLs and in the Code's own text, never in what a
reader sees by default."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from cop_drafts.services.glossary import TERMS, git_words
from tests.pages import PAGES

# Where the Code's own text or a person's words stand: they say what they say.
_QUOTED = {
    "doc",
    "comment-body",
    "quote",
    "old-quote",
    "proposed",
    "doc-section",
    "release-notes",
    "change-message",
}
_SKIPPED_TAGS = {"script", "style", "textarea", "template"}


class _Visible(HTMLParser):
    """The text a reader sees by default, outside Advanced and quoted text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: does it hide its text?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"}:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hides = (
            tag in _SKIPPED_TAGS
            or (tag == "details" and "advanced" in classes)
            or bool(classes & _QUOTED)
        )
        self.stack.append(hides)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"}:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_scanner_sees_git_words_and_respects_advanced() -> None:
    page = (
        "<p>Working branch wg/2 at commit 2c5f2f170f</p>"
        '<details class="advanced"><summary>Advanced</summary>'
        "commit 9a8b7c6d5e</details>"
        '<div class="doc"><p>The main obligation</p></div>'
    )
    assert git_words(visible_text(page)) == ["branch", "wg/2", "commit", "2c5f2f170f"]


def test_the_glossary_explains_the_terms_that_remain(
    as_user: Callable[[str | None], FlaskClient],
) -> None:
    page = as_user(None).get("/glossary")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    for term in TERMS:
        assert term.word in text
    for word in ("Iteration", "Round", "Disposition"):
        assert word in text


@pytest.mark.parametrize("who", sorted({w or "" for w, _ in PAGES}))
def test_no_git_words_outside_advanced(
    as_user: Callable[[str | None], FlaskClient], who: str
) -> None:
    client = as_user(who or None)
    found: dict[str, list[str]] = {}
    for role, url in PAGES:
        if (role or "") != who:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        words = git_words(visible_text(response.get_data(as_text=True)))
        if words:
            found[url] = words
    assert not found, "\n".join(f"{u}: {sorted(set(w))}" for u, w in found.items())
