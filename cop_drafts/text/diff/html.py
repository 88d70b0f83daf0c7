"""HTML of redline blocks from markdown-it tokens, and of merged sources.

Unchanged and whole blocks come from their version's tokens (plain paragraphs
and headings written directly); merged sources are rendered in one parse.
All of it is unsanitised until sanitise_all().
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markupsafe import Markup

from cop_drafts.text.diff.blocks import Block, BlockKind, Version
from cop_drafts.text.render import (
    FOOTNOTE_MARKS,
    is_plain,
    parse_blocks,
    prepare_tokens,
    render_tokens,
    sanitise,
)

_SEP = "\ue00f"
_SEP_SOURCE = f"\n\n{_SEP}\n\n"
_SEP_HTML = re.compile(f"<p[^>]*>{_SEP}</p>\n?")


def block_tokens(version: Version, block: Block) -> list[Token]:
    """The tokens a block is rendered from (a footnote's without its wrapper)."""
    tokens = version.tokens[block.token_start : block.token_end]
    return tokens[1:-1] if block.kind is BlockKind.FOOTNOTE else tokens


def slices_html(
    version: Version, blocks: list[Block], direct: dict[int, str]
) -> dict[int, str]:
    """Unsanitised HTML of blocks by index, from their version's tokens
    (prepared first) or `direct`. One renderer call per block: measured
    cheaper than one call over all of them with separators."""
    html: dict[int, str] = {}
    for block in blocks:
        tokens = block_tokens(version, block)
        text = direct.get(block.index) or _plain_html(tokens)
        if text is None:
            text = render_tokens(tokens, version.env)
        html[block.index] = _wrap_list(version, block, text)
    return html


_PLAIN_OPEN = {"paragraph_open", "heading_open"}


def _plain_html(tokens: list[Token]) -> str | None:
    """What the renderer makes of a lone paragraph or heading of plain text
    (most blocks), without its dispatch per token; None for anything else."""
    if len(tokens) != 3:
        return None
    start, inline, end = tokens
    children = inline.children
    if (
        start.type not in _PLAIN_OPEN
        or start.hidden
        or end.hidden
        or inline.type != "inline"
        or not children
        or len(children) != 1
        or children[0].type != "text"
    ):
        return None
    return (
        f"<{start.tag}{_attrs(start)}>{escapeHtml(children[0].content)}"
        f"</{end.tag}{_attrs(end)}>\n"
    )


def direct_html(tokens: list[Token]) -> str | None:
    """What prepare_tokens and then _plain_html make of a lone paragraph or
    heading of plain text, straight from its unprepared tokens; None for
    anything else (or tokens already prepared)."""
    if len(tokens) != 3:
        return None
    start, inline, end = tokens
    token_map = start.map
    if (
        start.type not in _PLAIN_OPEN
        or start.hidden
        or end.hidden
        or end.attrs
        or token_map is None
        or "data-line-start" in start.attrs
        or inline.type != "inline"
        or inline.children
        or not is_plain(inline.content)
    ):
        return None
    # The line range as _annotate_lines sets it: after any other attribute.
    first = token_map[0] + 1
    lines = f' data-line-start="{first}" data-line-end="{max(first, token_map[1])}"'
    return (
        f"<{start.tag}{_attrs(start)}{lines}>{escapeHtml(inline.content)}</{end.tag}>\n"
    )


def _attrs(token: Token) -> str:
    return "".join(
        f' {escapeHtml(key)}="{escapeHtml(str(value))}"'
        for key, value in token.attrItems()
    )


def _wrap_list(version: Version, block: Block, html: str) -> str:
    if block.list_token < 0:
        return html
    if version.tokens[block.list_token].type == "ordered_list_open":
        info = version.tokens[block.token_start].info
        start = int(info) if info.isdigit() else 1
        return f'<ol start="{start}">\n{html}</ol>\n'
    return f"<ul>\n{html}</ul>\n"


_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")


def footnote_marks(version: Version) -> dict[str, str]:
    """Footnote label -> the mark its section page shows (`[1]` for the first
    one referred to, ...); `[label]` for a footnote nothing refers to.

    Inline parses in the redline run on some blocks only, so the numbers are
    counted here, over the whole text in order, as the full render counts them.
    """
    defined = {key[1:] for key in version.env.get("footnotes", {}).get("refs", {})}
    marks: dict[str, str] = {}
    for token in version.tokens:
        if token.type == "inline" and "[^" in token.content:
            for label in _FOOTNOTE_REF.findall(token.content):
                if label in defined and label not in marks:
                    marks[label] = f"[{len(marks) + 1}]"
    for label in defined - marks.keys():
        marks[label] = f"[{label}]"
    return marks


def _merged_env(old: Version, new: Version, marks: dict[str, str]) -> dict[str, Any]:
    """Parser env for merged sources: the new version's footnotes plus those
    only the old one defines (a deleted reference), each shown by `marks`."""
    refs = dict(new.env.get("footnotes", {}).get("refs", {}))
    listed: dict[int, dict[str, Any]] = {}
    for key in old.env.get("footnotes", {}).get("refs", {}):
        refs.setdefault(key, -1)
    return {"footnotes": {"refs": refs, "list": listed}, FOOTNOTE_MARKS: marks}


def render_batch(
    old: Version, new: Version, items: list[tuple[str, Block]], marks: dict[str, str]
) -> list[str]:
    """Render merged sources in one parse; line numbers point into `new`;
    footnote references show `marks` (see footnote_marks)."""
    if not items:
        return []
    starts: list[int] = []
    line = 0
    for source, _ in items:
        starts.append(line)
        line += source.count("\n") + 4
    env = _merged_env(old, new, marks)
    # Block parse, then the inline pass with prepare_tokens' plain-text fast
    # path: the same tokens as a full parse, for less work.
    tokens = parse_blocks(_SEP_SOURCE.join(s for s, _ in items), env, inline=False)
    prepare_tokens(tokens, env)
    for token in tokens:
        if token.map is None or token.nesting == -1:
            continue
        number = bisect_right(starts, token.map[0]) - 1
        block = items[number][1]
        first = min(block.line_end, block.line_start + token.map[0] - starts[number])
        last = min(block.line_end, block.line_start + token.map[1] - 1 - starts[number])
        token.attrSet("data-line-start", str(first))
        token.attrSet("data-line-end", str(max(first, last)))
        if token.type == "heading_open" and block.kind is BlockKind.HEADING:
            heading_id = new.tokens[block.token_start].attrGet("id")
            if heading_id is not None:
                token.attrSet("id", str(heading_id))
    # Footnote references rendered here repeat the ids of the version's own
    # ones (fnref1 ...): a prefix keeps every id of the redline unique.
    html = render_tokens(tokens, env).replace(' id="fnref', ' id="m-fnref')
    parts = _SEP_HTML.split(html)
    if len(parts) != len(items):  # a source swallowed a separator: go one by one
        return [
            render_tokens(parse_blocks(s, dict(env)), env).replace(
                ' id="fnref', ' id="m-fnref'
            )
            for s, _ in items
        ]
    return parts


def sanitise_all(raw: list[str]) -> list[Markup]:
    """Sanitise many pieces in one pass of the allow-list."""
    parts = sanitise(_SEP.join(raw)).split(_SEP)
    if len(parts) != len(raw):
        parts = [sanitise(piece) for piece in raw]
    return parts
