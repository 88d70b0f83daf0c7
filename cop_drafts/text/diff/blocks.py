"""Split a Markdown text into top-level blocks for the diff.

Blocks come from markdown-it token maps: each list item, heading, paragraph,
table, quote, code block and footnote definition is one block with its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from markdown_it.token import Token

from cop_drafts.text.render import parse_blocks

#: Private-use characters the diff uses as markers inside Markdown sources;
#: any in the input are replaced so that a text cannot forge a marker.
_RESERVED = re.compile("[\ue000-\ue00f]")


class BlockKind(StrEnum):
    """What Markdown construct a top-level block is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    CODE = "code"
    QUOTE = "quote"
    FOOTNOTE = "footnote"
    OTHER = "other"


#: Blocks of one family may be paired as "changed"; across families they may not.
FAMILY = {
    BlockKind.HEADING: "h",
    BlockKind.PARAGRAPH: "t",
    BlockKind.LIST_ITEM: "t",
    BlockKind.QUOTE: "t",
    BlockKind.FOOTNOTE: "t",
    BlockKind.TABLE: "table",
    BlockKind.CODE: "code",
    BlockKind.OTHER: "other",
}

_KINDS = {
    "heading_open": BlockKind.HEADING,
    "paragraph_open": BlockKind.PARAGRAPH,
    "table_open": BlockKind.TABLE,
    "fence": BlockKind.CODE,
    "code_block": BlockKind.CODE,
    "blockquote_open": BlockKind.QUOTE,
    "footnote_reference_open": BlockKind.FOOTNOTE,
}
_LISTS = {"bullet_list_open", "ordered_list_open"}

_HEADING_PREFIX = re.compile(r"^[ \t]*#{1,6}(?:[ \t]+|$)")
_HEADING_SUFFIX = re.compile(r"[ \t]+#+[ \t]*$")
_ITEM_PREFIX = re.compile(r"^[ \t]*(?:[-*+]|(\d{1,9})[.)])(?:[ \t]+|$)")
_FOOTNOTE_PREFIX = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*")
_ITEM_WORDS = r"Commitment|Measure|Sub-?[Mm]easure|KPI|Appendix"
_ENUMERATOR = re.compile(
    r"""^(?:\*\*|__)?[ \t]*(
        (?:"""
    + _ITEM_WORDS
    + r"""|Annex|Article|Recital|Section)[ \t]+(?:[IVX]+\.)?\d+(?:\.\d+)*\.?
      | \(?(?:\d{1,3}|[a-z]{1,2}|[ivxlc]{1,6}|[A-Z])\)
      | (?:\d{1,3}(?:\.\d+)*|[A-Z]|[ivxlc]{1,6})\.(?=\s)
    )[ \t]*[:.]?[ \t]*(?:\*\*|__)?[ \t]*""",
    re.VERBOSE,
)
_ITEM = re.compile(r"^(" + _ITEM_WORDS + r")[ \t]+((?:[IVX]+\.)?\d+(?:\.\d+)*)")
_EMPHASIS = re.compile(r"[*_]{1,3}")
_ITEM_HINT = re.compile(_ITEM_WORDS)
_ITEM_KINDS = (BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.LIST_ITEM)


@dataclass(slots=True)
class Block:
    """One top-level block of a version: its lines, source and matching key.

    Read-only by convention, not frozen: a frozen dataclass sets each of its
    15 fields through object.__setattr__, 8% of splitting a long text.
    """

    index: int
    kind: BlockKind
    line_start: int
    line_end: int
    source: str
    prefix: str  # Markdown marker before the content ("## ", "3. ", "[^1]: ")
    content: str  # the source after the marker
    key: str  # family + content without numbering, whitespace collapsed
    number: str  # the numbering that `key` leaves out ("3.", "(a)", "Measure 3.2")
    item: str  # numbered item this block names ("Measure 3.2"), "" if none
    title: str  # heading text without numbering, for labels
    level: int  # heading level; 0 for other blocks
    token_start: int  # the block's tokens are tokens[token_start:token_end]
    token_end: int
    list_token: int  # index of the enclosing list's open token, -1 if none


@dataclass(frozen=True, slots=True)
class Version:
    """A text split into blocks, with the tokens and parser state behind them."""

    text: str
    lines: tuple[str, ...]
    tokens: list[Token]
    env: dict[str, Any]
    blocks: tuple[Block, ...]


def clean_text(text: str) -> str:
    """Normalise line ends and replace the reserved marker characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _RESERVED.sub("\ufffd", text)


def _close(tokens: list[Token], index: int) -> int:
    """Index just past the token that closes tokens[index]."""
    token = tokens[index]
    if token.nesting != 1:
        return index + 1
    for end in range(index + 1, len(tokens)):
        other = tokens[end]
        if other.nesting == -1 and other.level == token.level:
            return end + 1
    return len(tokens)


def _spans(tokens: list[Token]) -> list[tuple[BlockKind, int, int, int]]:
    """(kind, token_start, token_end, list_token) of each top-level block."""
    spans: list[tuple[BlockKind, int, int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _close(tokens, index)
        if token.type in _LISTS:
            child = index + 1
            while child < end - 1:
                child_end = _close(tokens, child)
                if tokens[child].type == "list_item_open":
                    spans.append((BlockKind.LIST_ITEM, child, child_end, index))
                child = child_end
        elif token.map is not None:
            spans.append((_KINDS.get(token.type, BlockKind.OTHER), index, end, -1))
        index = end
    return spans


_PREFIXES = {
    BlockKind.HEADING: _HEADING_PREFIX,
    BlockKind.LIST_ITEM: _ITEM_PREFIX,
    BlockKind.FOOTNOTE: _FOOTNOTE_PREFIX,
}


def _split_prefix(kind: BlockKind, source: str) -> tuple[str, str]:
    """Split the block marker from its content."""
    pattern = _PREFIXES.get(kind)
    match = pattern.match(source) if pattern else None
    if match is None:
        return "", source
    return source[: match.end()], source[match.end() :]


def normalise(kind: BlockKind, content: str) -> tuple[str, str]:
    """(key text, numbering) of a block's content: numbering and spacing go."""
    text = content
    if kind is BlockKind.HEADING:
        text = _HEADING_SUFFIX.sub("", text.split("\n")[0] if "\n" in text else text)
    match = _ENUMERATOR.match(text)
    number = ""
    if match and match.end() < len(text):
        number = match.group(1)
        text = text[match.end() :]
    return _collapse(text), number


def _collapse(text: str) -> str:
    """The text with runs of whitespace as one space, ends stripped."""
    # Printable ASCII holds no whitespace but the space (three times faster)
    if (
        text.isascii()
        and text.isprintable()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    return " ".join(text.split())


def _item(kind: BlockKind, content: str) -> str:
    """Label of the numbered item a block starts ("Measure 3.2"), or ""."""
    if kind not in _ITEM_KINDS or not _ITEM_HINT.search(content, 0, 40):
        return ""
    plain = _EMPHASIS.sub("", content[:120]).lstrip()  # labels open a block
    match = _ITEM.match(plain)
    if match is None:
        return ""
    rest = plain[match.end() :]
    if kind is not BlockKind.HEADING and not rest.lstrip(" .").startswith(":"):
        return ""  # "Measure 3.2 requires ..." in running text is a reference
    return f"{match.group(1)} {match.group(2)}"


def _block(
    version_lines: list[str],
    tokens: list[Token],
    span: tuple[BlockKind, int, int, int],
    index: int,
) -> Block | None:
    kind, start, end, list_token = span
    token_map = tokens[start].map
    if token_map is None:
        return None
    first, last = token_map[0] + 1, max(token_map[0] + 1, token_map[1])
    while last > first and not version_lines[last - 1].strip():
        last -= 1
    source = "\n".join(version_lines[first - 1 : last])
    prefix, content = _split_prefix(kind, source)
    text, number = normalise(kind, content)
    if kind is BlockKind.LIST_ITEM:
        number = number or (tokens[start].info and tokens[start].info + ".") or ""
    level = int(tokens[start].tag[1]) if kind is BlockKind.HEADING else 0
    return Block(
        index=index,
        kind=kind,
        line_start=first,
        line_end=last,
        source=source,
        prefix=prefix,
        content=content,
        key=f"{FAMILY[kind]}:{text}",
        number=number,
        item=_item(kind, content),
        title=_EMPHASIS.sub("", text) if kind is BlockKind.HEADING else "",
        level=level,
        token_start=start,
        token_end=end,
        list_token=list_token,
    )


def split_version(text: str) -> Version:
    """Parse a cleaned text (see clean_text) and split it into blocks."""
    env: dict[str, Any] = {}
    tokens = parse_blocks(text, env, inline=False)  # inline: when shown
    lines = text.split("\n")
    blocks: list[Block] = []
    spans = sorted(_spans(tokens), key=lambda s: (tokens[s[1]].map or [0])[0])
    for span in spans:
        block = _block(lines, tokens, span, len(blocks))
        if block is not None:
            blocks.append(block)
    return Version(text, tuple(lines), tokens, env, tuple(blocks))
