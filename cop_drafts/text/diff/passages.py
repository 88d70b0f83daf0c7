"""Changed words of one passage against another, line by line, as HTML.

The conflict view shows each side of a clashing passage beside the common
base; marking the words a side changed tells at a glance what each side did.
Every piece of text is escaped here: the result carries no markup from the
drafts, only our <ins> and <del>.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape, unescape

from cop_drafts.text.diff.merge import REWRITE_BELOW, Budget
from cop_drafts.text.diff.words import Op, Vocabulary, diff_words

_TAG = re.compile(r"</?(?:ins|del)>")


def _same(marked: list[str], lines: Sequence[str]) -> bool:
    """True when the marked lines read as `lines` without the marks, but for
    spaces at line ends, which HTML does not show (a diff's unchanged runs
    carry the new side's spacing)."""
    return len(marked) == len(lines) and all(
        unescape(_TAG.sub("", m)).rstrip() == line.rstrip()
        for m, line in zip(marked, lines, strict=True)
    )


def _lines(ops: Sequence[tuple[Op, str]], side: Op) -> list[str]:
    """The lines of one side of `ops`, its changed words wrapped in a tag."""
    tag = "del" if side is Op.DELETE else "ins"
    lines: list[str] = []
    current: list[str] = []
    for op, text in ops:
        if op is not Op.EQUAL and op is not side:
            continue
        for n, piece in enumerate(text.split("\n")):
            if n:
                lines.append("".join(current))
                current = []
            if not piece:
                continue
            core = piece.strip()
            if op is Op.EQUAL or not core:
                current.append(escape(piece))
                continue
            lead, trail = piece[: piece.index(core)], piece[len(piece.rstrip()) :]
            current.append(
                f"{escape(lead)}<{tag}>{escape(core)}</{tag}>{escape(trail)}"
            )
    lines.append("".join(current))
    return lines


def marked_lines(old: Sequence[str], new: Sequence[str]) -> tuple[list[str], list[str]]:
    """HTML of each line of `old` and `new`: words `new` removed wrapped in
    <del> on the old lines, words it added in <ins> on the new lines.

    A passage rewritten so far that marks would shred it, or one past the
    word budget, comes back escaped with no marks.
    """
    plain = [escape(line) for line in old], [escape(line) for line in new]
    if not old or not new:
        return plain
    budget = Budget()
    diff = diff_words(
        "\n".join(old),
        "\n".join(new),
        Vocabulary(),
        timeout=budget.timeout,
        max_units=budget.max_units,
    )
    if diff is None or diff.similarity < REWRITE_BELOW:
        return plain
    ops = list(diff.ops)
    # An unchanged run ending in the other side's line break leaves an empty
    # last line behind: drop it.
    old_lines, new_lines = (
        _lines(ops, Op.DELETE)[: len(old)],
        _lines(ops, Op.INSERT)[: len(new)],
    )
    if not (_same(old_lines, old) and _same(new_lines, new)):
        return plain  # never show a passage other than it is
    return old_lines, new_lines
