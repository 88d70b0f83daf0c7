"""The redline past its budget: the two sources compared piece by piece.

Used when a text is too large or too costly to parse as Markdown (see
render.Budget): no formatting, every line of both versions is there, and a
note says why. Long lines are cut into pieces at content-defined places (a
space after a word ending in one of a few letters) so that a change in a
megabyte-long line shows where it is, and stays put when text is inserted
before it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from cop_drafts.text.diff.words import count_words
from cop_drafts.text.sequence import sequence_opcodes

NOTE = (
    "Shown line by line, without formatting: {reason}. Every line of both "
    "versions is here; deleted text is struck, inserted text underlined."
)
#: Lines longer than this are compared in pieces.
_LONG = 400
_PIECE_MAX = 2000
_CUT = re.compile(r"(?<=[aeyns05.;:!?])[ \t]+")
#: Unchanged runs longer than this many pieces are folded, keeping context.
_CONTEXT = 2


@dataclass(frozen=True, slots=True)
class Hunk:
    """One change: old and new pieces and the lines they are on (1-based)."""

    old_lines: tuple[int, int] | None
    new_lines: tuple[int, int] | None
    old_text: str
    new_text: str
    change_id: str


def _pieces(text: str) -> tuple[list[str], list[int]]:
    """Pieces of `text` (each ending in its separator) and their line numbers."""
    pieces: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) <= _LONG:
            pieces.append(line + "\n")
            numbers.append(number)
            continue
        start = 0
        for cut in _CUT.finditer(line):
            while cut.end() - start > _PIECE_MAX:
                pieces.append(line[start : start + _PIECE_MAX])
                start += _PIECE_MAX
            if cut.end() - start >= 40:
                pieces.append(line[start : cut.end()])
                start = cut.end()
        while len(line) - start > _PIECE_MAX:
            pieces.append(line[start : start + _PIECE_MAX])
            start += _PIECE_MAX
        pieces.append(line[start:] + "\n")
        numbers.extend([number] * (len(pieces) - len(numbers)))
    return pieces, numbers


def _span(numbers: list[int], start: int, end: int) -> tuple[int, int] | None:
    return (numbers[start], numbers[end - 1]) if end > start else None


def line_diff(old: str, new: str) -> tuple[list[Hunk], str]:
    """The hunks of a piece-by-piece diff and its HTML body (escaped, folded)."""
    old_pieces, old_numbers = _pieces(old)
    new_pieces, new_numbers = _pieces(new)
    hunks: list[Hunk] = []
    out: list[str] = []
    seen: dict[str, int] = {}
    for tag, i1, i2, j1, j2 in sequence_opcodes(old_pieces, new_pieces):
        if tag == "equal":
            out.append(_unchanged(new_pieces[j1:j2], new_numbers[j1:j2]))
            continue
        old_text, new_text = "".join(old_pieces[i1:i2]), "".join(new_pieces[j1:j2])
        hunk_id = _change_id(old_text, new_text)
        seen[hunk_id] = seen.get(hunk_id, 0) + 1
        if seen[hunk_id] > 1:
            hunk_id += f"-{seen[hunk_id]}"
        hunk = Hunk(
            _span(old_numbers, i1, i2),
            _span(new_numbers, j1, j2),
            old_text,
            new_text,
            hunk_id,
        )
        hunks.append(hunk)
        out.append(_changed(hunk))
    return hunks, "".join(out)


def _unchanged(pieces: list[str], numbers: list[int]) -> str:
    if len(pieces) <= 2 * _CONTEXT + 1:
        return escape("".join(pieces))
    head, tail = pieces[:_CONTEXT], pieces[-_CONTEXT:]
    middle = pieces[_CONTEXT:-_CONTEXT]
    first, last = numbers[_CONTEXT], numbers[-_CONTEXT - 1]
    summary = f"{len(middle)} unchanged lines or pieces (lines {first}–{last})"
    return (
        escape("".join(head))
        + f'<details class="rl-fold"><summary>{summary}</summary>'
        + escape("".join(middle))
        + "</details>"
        + escape("".join(tail))
    )


def _change_id(old_text: str, new_text: str) -> str:
    data = "\0".join(("lines", old_text, new_text)).encode("utf-8")
    return "c-" + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:8]


def _changed(hunk: Hunk) -> str:
    parts = []
    if hunk.old_text:
        parts.append(f"<del>{escape(hunk.old_text)}</del>")
    if hunk.new_text:
        parts.append(f"<ins>{escape(hunk.new_text)}</ins>")
    where = hunk.new_lines or hunk.old_lines or (0, 0)
    return (
        f'<span class="rl-change" id="{hunk.change_id}" '
        f'data-line-start="{where[0]}" data-line-end="{where[1]}">'
        + "".join(parts)
        + "</span>"
    )


def page(body: str, reason: str) -> Markup:
    """The redline HTML of a piece-by-piece diff, its note first."""
    note = escape(NOTE.format(reason=reason))
    # Trusted: `body` is built by line_diff from escaped lines.
    return Markup(
        f'<div class="redline rl-plain"><p class="rl-label rl-budget">{note}</p>'
        f'<pre class="rl-source">{body}</pre></div>'
    )


def words(hunks: list[Hunk]) -> tuple[int, int]:
    """Words added and removed over the hunks."""
    added = sum(count_words(h.new_text) for h in hunks)
    removed = sum(count_words(h.old_text) for h in hunks)
    return added, removed
