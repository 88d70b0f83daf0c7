"""From a selection in rendered text back to offsets in the Markdown source.

The browser knows which source lines a selection covers (data-line-start/end
on every block) and the text the reader selected, which lacks the Markdown
markup (emphasis markers, link targets, escapes). We find that text in those
lines, allowing markup between any two characters.
"""

from __future__ import annotations

import re

MAX_QUOTE = 5_000
# What Markdown may put between two characters that the rendered text hides.
_MARKUP = r"(?:[*_~`\\\[]|\]\([^)\n]*\)|\]\[[^\]\n]*\]|\])*"
_SPACE = r"(?:\s|[*_~`\\>#|\[\]]|\]\([^)\n]*\))+"


def line_offsets(text: str) -> list[int]:
    """Offset of the start of every line (1-based line n starts at [n - 1])."""
    offsets = [0]
    for match in re.finditer("\n", text):
        offsets.append(match.end())
    return offsets


def lines_span(text: str, line_start: int, line_end: int) -> tuple[int, int]:
    """Offsets of lines `line_start`..`line_end` (1-based, inclusive), without
    the final newline. Raises ValueError outside the text."""
    offsets = line_offsets(text)
    count = len(offsets) - (1 if text.endswith("\n") else 0)
    if not 1 <= line_start <= line_end <= max(count, 1):
        raise ValueError(
            f"lines {line_start}-{line_end} are outside the text ({count} lines)"
        )
    start = offsets[line_start - 1]
    end = offsets[line_end] - 1 if line_end < len(offsets) else len(text)
    return start, max(start, end)


def _pattern(quote: str) -> re.Pattern[str]:
    parts: list[str] = []
    for word in quote.split():
        parts.append(_MARKUP.join(re.escape(ch) for ch in word))
    return re.compile(_SPACE.join(parts))


def locate_quote(
    text: str, line_start: int, line_end: int, quote: str
) -> tuple[int, int] | None:
    """Source offsets of the rendered `quote` within the given lines, or None.

    Raises ValueError when the lines are outside the text.
    """
    start, end = lines_span(text, line_start, line_end)
    quote = " ".join(quote.split())
    if not quote or len(quote) > MAX_QUOTE:
        return None
    segment = text[start:end]
    found = segment.find(quote)
    if found >= 0:
        return start + found, start + found + len(quote)
    match = _pattern(quote).search(segment)
    if match is None:
        return None
    return start + match.start(), start + match.end()
