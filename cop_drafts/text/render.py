"""Markdown -> sanitised HTML whose blocks carry their source line ranges.

Raw HTML is disabled in the parser and the output passes an allow-list
sanitiser (nh3), so nothing a drafter or commenter types can run in a browser.
Hostile text has a budget (see `Budget`): nesting deeper than the parser
goes is shown flattened, and a text that costs too much to parse is shown
as plain text with a note, never dropped.
"""

from __future__ import annotations

import re
import threading
import time
import types
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt, helpers
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import inline as _core_inline
from markdown_it.rules_core import text_join as _core_text_join
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.footnote import footnote_plugin

#: Bump whenever the HTML produced here changes: it keys every rendered cache.
RENDER_VERSION = "2"

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

    html: Markup
    headings: tuple[Heading, ...]


def heading_slug(text: str) -> str:
    """Stable id for a heading: lowercase ASCII words joined by '-'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "section"


# -- the budget ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Budget:
    """What one render (or one redline, over all its parses) may cost.

    Normal text stays far below each (a 2 MB Code section: about 0.3 s,
    40,000 block tokens, 40,000 inline steps); past one, `OverBudget`.
    """

    seconds: float = 1.0  # CPU time of this thread inside the parser
    lines: int = 40_000  # lines of one text parsed (a paragraph's own loops)
    table_cells: int = 40_000  # "|" in one text: a table is one block, its
    # cells all made at once (5,000 rows of 10 cells: 230 MB of tokens)
    block_tokens: int = 400_000
    inline_steps: int = 400_000  # the inline tokenizer's steps, ~1 per token
    link_scan: int = 20  # link-label scanning per character parsed


#: Blocks nested deeper than this (lists, quotes) are shown flattened.
MAX_NESTING = 100
PLAIN_NOTE = (
    "This text is too large or too complex to format ({reason}): "
    "it is shown as plain text."
)
FLAT_NOTE = (
    "The lines below are nested deeper than can be shown: they are shown "
    "flattened, one paragraph per line."
)


class OverBudget(Exception):
    """A parse passed its budget; `reason` says which part."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Meter:
    """Running costs of the parses of one budget scope, in one thread."""

    __slots__ = ("budget", "spent", "since", "tokens", "steps", "chars", "links")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.spent = 0.0
        self.since: float | None = None
        self.tokens = self.steps = self.chars = self.links = 0

    def check_time(self) -> None:
        if self.since is not None:
            used = self.spent + time.thread_time() - self.since
            if used > self.budget.seconds:
                raise OverBudget(f"over {self.budget.seconds:g} s of parsing")


_local = threading.local()


def _meter() -> _Meter | None:
    return getattr(_local, "meter", None)


@contextmanager
def budget_scope(budget: Budget | None = None) -> Iterator[None]:
    """Parses inside share one budget (a scope already open is kept)."""
    if _meter() is not None:
        yield
        return
    _local.meter = _Meter(budget or Budget())
    try:
        yield
    finally:
        _local.meter = None


@contextmanager
def _metered(text: str) -> Iterator[None]:
    """Count the thread's CPU time inside this parse against the scope."""
    meter = _meter()
    if meter is None or meter.since is not None:
        yield
        return
    lines = text.count("\n")
    if lines > meter.budget.lines:
        raise OverBudget(f"over {meter.budget.lines:,} lines")
    if text.count("|") > meter.budget.table_cells:
        raise OverBudget(f"over {meter.budget.table_cells:,} table cells")
    meter.chars += len(text)
    meter.since = time.thread_time()
    try:
        yield
    finally:
        meter.spent += time.thread_time() - meter.since
        meter.since = None


def _block_tokenize(
    self: ParserBlock, state: StateBlock, startLine: int, endLine: int
) -> None:
    """markdown-it's ParserBlock.tokenize, metered, and flattening what is
    nested deeper than maxNesting where markdown-it drops it silently."""
    rules = self.ruler.getRules("")
    line = startLine
    max_nesting = state.md.options.maxNesting
    has_empty_lines = False
    meter = _meter()
    while line < endLine:
        state.line = line = state.skipEmptyLines(line)
        if line >= endLine or state.sCount[line] < state.blkIndent:
            break
        if state.level >= max_nesting:
            _flatten(state, line, endLine)
            break
        if meter is not None:
            meter.tokens += 1
            if not meter.tokens & 63:
                _check_block(meter, len(state.tokens))
        for rule in rules:
            if rule(state, line, endLine, False):
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break
        else:
            raise RuntimeError("none of the block rules matched")
        state.tight = not has_empty_lines
        line = state.line
        if (line - 1) < endLine and state.isEmpty(line - 1):
            has_empty_lines = True
        if line < endLine and state.isEmpty(line):
            has_empty_lines = True
            line += 1
            state.line = line


def _check_block(meter: _Meter, tokens: int) -> None:
    if tokens > meter.budget.block_tokens:
        raise OverBudget(f"over {meter.budget.block_tokens:,} blocks")
    meter.check_time()


def _flatten(state: StateBlock, line: int, end: int) -> None:
    """The rest of a too-deep container: a note, then a paragraph per line."""
    texts = state.getLines(line, end, state.blkIndent, False).split("\n")

    def paragraph(number: int, content: str, css: str) -> None:
        # Not "paragraph_open": a tight list would hide those tags.
        opened = state.push("flat_paragraph_open", "p", 1)
        opened.map = [number, number + 1]
        opened.attrSet("class", css)
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = content, [number, number + 1], []
        state.push("flat_paragraph_close", "p", -1)

    paragraph(line, FLAT_NOTE, "md-note")
    for offset, text in enumerate(texts):
        if text.strip():
            paragraph(line + offset, text.strip(), "md-flattened")
    state.line = end


def _inline_meter(state: StateInline, silent: bool) -> bool:
    """First inline rule: counts steps, never matches."""
    meter = _meter()
    if meter is not None:
        meter.steps += 1
        if not meter.steps & 1023:
            if meter.steps > meter.budget.inline_steps:
                raise OverBudget(f"over {meter.budget.inline_steps:,} inline marks")
            meter.check_time()
    return False


def _link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
    """markdown-it's parseLinkLabel with a budget: unclosed brackets make it
    scan to the end of the paragraph for each one (quadratic)."""
    meter = _meter()
    old_pos = state.pos
    state.pos = start + 1
    level = 1
    found = False
    while state.pos < state.posMax:
        if meter is not None:
            meter.links += 1
            if meter.links > meter.budget.link_scan * meter.chars + 100_000:
                state.pos = old_pos
                raise OverBudget("too many brackets to match")
        marker = state.src[state.pos]
        if marker == "]":
            level -= 1
            if level == 0:
                found = True
                break
        prev_pos = state.pos
        state.md.inline.skipToken(state)
        if marker == "[":
            if prev_pos == state.pos - 1:
                level += 1
            elif disableNested:
                state.pos = old_pos
                return -1
    label_end = state.pos if found else -1
    state.pos = old_pos
    return label_end


def _budgeted(md: MarkdownIt) -> MarkdownIt:
    """Install the budget's hooks in a parser (options as "js-default")."""
    md.options["maxNesting"] = MAX_NESTING
    md.block.tokenize = types.MethodType(_block_tokenize, md.block)  # type: ignore[method-assign]
    md.inline.ruler.before("text", "budget", _inline_meter)
    budgeted = types.SimpleNamespace(**vars(helpers))
    budgeted.parseLinkLabel = _link_label
    md.helpers = budgeted  # type: ignore[assignment]
    return md


def plain_html(text: str, reason: str) -> str:
    """The text as escaped paragraphs with their lines, after a note."""
    note = escape(PLAIN_NOTE.format(reason=reason))
    parts = [f'<p class="md-note">{note}</p>\n']
    lines = text.split("\n")
    start = None
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip() and start is None:
            start = number
        elif not line.strip() and start is not None:
            # Newlines, not <br>: a DOM of a node per line costs the sanitiser
            # memory; the stylesheet keeps them (.md-plain is pre-wrap).
            body = escape("\n".join(lines[start - 1 : number - 1]))
            parts.append(
                f'<p class="md-plain" data-line-start="{start}" '
                f'data-line-end="{number - 1}">{body}</p>\n'
            )
            start = None
    return "".join(parts)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" = CommonMark + tables + strikethrough; html stays off, so
    # raw HTML in a draft or a comment is shown as text, never interpreted.
    md = MarkdownIt("js-default", {"html": False, "linkify": False})
    md.use(footnote_plugin)
    return _budgeted(md)


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
    md.add_render_rule("footnote_caption", _footnote_caption)
    # The default, spelled out: markdown-it looks this option up in every
    # inline parse, and a missing key costs an exception each time.
    md.options["strikethrough_single_tilde"] = False
    return _budgeted(md)


#: env key: footnote label -> the mark to show for a reference to it, where
#: the mark is not the reference's number in this parse (see diff/html.py).
FOOTNOTE_MARKS = "footnote_marks"


def _footnote_caption(
    self: object,
    tokens: Sequence[Token],
    idx: int,
    options: object,
    env: dict[str, Any],
) -> str:
    """`[n]`, as the section page shows a reference, or the mark env asks for."""
    meta = tokens[idx].meta
    mark = env.get(FOOTNOTE_MARKS, {}).get(meta["label"])
    if mark is not None:
        return str(mark)
    number = str(meta["id"] + 1)
    if meta.get("subId", -1) > 0:
        number += f":{meta['subId']}"
    return f"[{number}]"


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    # _flow_parser() without the inline pass: parse_inline() does that later
    # for the blocks that are shown, which is most of the cost saved.
    md = MarkdownIt("js-default", {"html": False, "linkify": False})
    md.use(footnote_plugin)
    md.disable(["footnote_tail", "normalize", "html_block", "inline", "text_join"])
    md.options["strikethrough_single_tilde"] = False
    return _budgeted(md)


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


#: Stand-ins for "&amp;" while sanitising: nh3's time grows with the square
#: of the ampersands in a text (a megabyte of "&" took 11 s), and the
#: output is the same with one of these, absent from the HTML, put back.
_AMPERSANDS = tuple(chr(0xF0000 + n) for n in range(16))


def sanitise(html: str) -> Markup:
    """Pass HTML through the allow-list: unknown tags, attributes, schemes go.

    The result is Markup: this allow-list is where HTML becomes trusted, so
    nothing above the text layer wraps HTML in Markup itself.
    """
    if "&amp;" in html:
        holder = next((c for c in _AMPERSANDS if c not in html), None)
        if holder is not None:
            clean = _clean(html.replace("&amp;", holder))
            return Markup(clean.replace(holder, "&amp;"))
    return Markup(_clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_ALLOWED_CSS,
        link_rel="noopener noreferrer nofollow",
    )


def render(text: str, *, budget: Budget | None = None) -> Rendered:
    """Render Markdown to sanitised HTML; every block has data-line-start/end.

    Past the budget, the text as plain paragraphs after a note. Never raises.
    """
    md = _parser()
    env: dict[str, object] = {}
    try:
        with budget_scope(budget), _metered(text):
            tokens = md.parse(text, env)
    except OverBudget as over:
        return Rendered(sanitise(plain_html(text, over.reason)), ())
    headings = _annotate(tokens)
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(sanitise(html), tuple(headings))


def render_inline(text: str) -> Markup:
    """Render a short Markdown text (a comment) to sanitised HTML."""
    try:
        with budget_scope(), _metered(text):
            html = _parser().render(text)
    except OverBudget as over:
        html = plain_html(text, over.reason)
    return sanitise(html)


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
    with _metered(text):
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
        with _metered(""):
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
