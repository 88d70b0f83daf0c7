"""Markdown -> sanitised HTML whose blocks carry their source line ranges.

Raw HTML is disabled in the parser and the output passes an allow-list
sanitiser (nh3), so nothing a drafter or commenter types can run in a browser.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import inline as _core_inline
from markdown_it.rules_core import text_join as _core_text_join
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

#: Bump whenever the HTML produced here changes: it keys every rendered cache.
RENDER_VERSION = "1"

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "ol", "p", "pre",
    "s", "section", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "mark",
}  # fmt: skip
_LINE_ATTRS = {"data-line-start", "data-line-end"}
_ALLOWED_ATTRS = {
    "*": {"class", "id", "title"} | _LINE_ATTRS,
    "a": {"href"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
# Only the table alignment that markdown-it itself writes survives in style.
_ALLOWED_CSS = {"text-align"}
_URL_SCHEMES = {"http", "https", "mailto"}
#: Inline content without any character inline rules start at (emphasis,
#: code, links, escapes, entities, autolinks, footnotes, breaks).
_PLAIN = re.compile(r"[^*_`\[\]<>!\\&~^\n]*")


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the rendered document, for tables of contents and links."""

    level: int
    text: str
    slug: str
    line_start: int


@dataclass(frozen=True, slots=True)
class Rendered:
    """Sanitised HTML of one Markdown text and its headings."""

    html: str
    headings: tuple[Heading, ...]


def heading_slug(text: str) -> str:
    """Stable id for a heading: lowercase ASCII words joined by '-'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "section"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" = CommonMark + tables + strikethrough; html stays off, so
    # raw HTML in a draft or a comment is shown as text, never interpreted.
    md = MarkdownIt("js-default", {"html": False, "linkify": False})
    md.use(footnote_plugin)
    return md


@lru_cache(maxsize=1)
def _flow_parser() -> MarkdownIt:
    # The same syntax as _parser(), but footnote definitions stay where they
    # are written instead of moving to a section at the end, so that each
    # top-level block can be rendered on its own (the redline needs that).
    md = MarkdownIt("js-default", {"html": False, "linkify": False})
    md.use(footnote_plugin)
    # parse_blocks normalises. html_block only returns False with html off,
    # at every line and as a terminator of paragraphs, lists and quotes.
    md.disable(["footnote_tail", "normalize", "html_block"])
    # The default, spelled out: markdown-it looks this option up in every
    # inline parse, and a missing key costs an exception each time.
    md.options["strikethrough_single_tilde"] = False
    return md


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    # _flow_parser() without the inline pass: parse_inline() does that later
    # for the blocks that are shown, which is most of the cost saved.
    md = MarkdownIt("js-default", {"html": False, "linkify": False})
    md.use(footnote_plugin)
    md.disable(["footnote_tail", "normalize", "html_block", "inline", "text_join"])
    md.options["strikethrough_single_tilde"] = False
    return md


def _annotate(tokens: list[Token], *, lines: bool = True) -> list[Heading]:
    """Give block tokens their 1-based line range and headings unique ids.

    With lines=False only the headings are annotated (see _annotate_lines).
    """
    headings: list[Heading] = []
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.map is None or token.nesting == -1:
            continue
        if lines:
            _annotate_lines((token,))
        if token.type == "heading_open":
            inline = tokens[index + 1]
            text = inline.content.strip()
            slug = heading_slug(text)
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            if count:
                slug = f"{slug}-{count + 1}"
            token.attrSet("id", slug)
            level = int(token.tag[1])
            headings.append(Heading(level, text, slug, token.map[0] + 1))
    return headings


def _annotate_lines(tokens: Sequence[Token]) -> None:
    for token in tokens:
        if token.map is not None and token.nesting != -1:
            token.attrSet("data-line-start", str(token.map[0] + 1))
            token.attrSet("data-line-end", str(max(token.map[0] + 1, token.map[1])))


def sanitise(html: str) -> str:
    """Pass HTML through the allow-list: unknown tags, attributes, schemes go."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_ALLOWED_CSS,
        link_rel="noopener noreferrer nofollow",
    )


def render(text: str) -> Rendered:
    """Render Markdown to sanitised HTML; every block has data-line-start/end."""
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    headings = _annotate(tokens)
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(sanitise(html), tuple(headings))


def render_inline(text: str) -> str:
    """Render a short Markdown text (a comment) to sanitised HTML."""
    return sanitise(_parser().render(text))


def parse_blocks(text: str, env: dict[str, Any], *, inline: bool = True) -> list[Token]:
    """Block tokens of `text` with line ranges and heading ids, footnotes in place.

    `env` receives the parser's state (footnote numbering); pass the same dict
    to prepare_tokens and render_tokens. With inline=False only headings are
    annotated and inline content is left unparsed: call prepare_tokens on the
    tokens to be rendered first. HTML is unsanitised until sanitise().
    """
    md = _flow_parser() if inline else _block_parser()
    # What markdown-it's "normalize" rule does (disabled in these parsers), by
    # str.replace: its regex substitution stops at every line end.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    tokens = md.parse(text, env)
    _annotate(tokens, lines=inline)
    return tokens


def prepare_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> None:
    """Parse inline content and set line ranges of parse_blocks(inline=False) tokens."""
    pending = []
    for token in tokens:
        if token.type != "inline" or token.children:
            continue
        if _PLAIN.fullmatch(token.content):
            # Nothing inline markup could act on: the parser would return
            # this one text token, so skip it (most legal prose is plain).
            token.children = [Token("text", "", 0, content=token.content)]
        else:
            pending.append(token)
    if pending:
        state = StateCore("", _flow_parser(), env, pending)
        _core_inline(state)
        _core_text_join(state)
    _annotate_lines(tokens)


def is_plain(content: str) -> bool:
    """True when inline content holds nothing inline rules act on: its inline
    parse is one text token of the same content."""
    return _PLAIN.fullmatch(content) is not None


def render_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """Unsanitised HTML of a run of parse_blocks tokens: pass it to sanitise()."""
    md = _flow_parser()
    return str(md.renderer.render(list(tokens), md.options, env))
