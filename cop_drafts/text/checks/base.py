"""Shared values and the one-pass line scan used by the Code consistency checks.

Private to `cop_drafts.text.checks`; import the public names from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How serious a finding is; errors should block consolidation."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class SectionText:
    """One section file of the Code: its POSIX path, display title and Markdown."""

    path: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a check, located by 1-based inclusive lines."""

    check: str
    path: str
    line_start: int
    line_end: int
    message: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Heading:
    """An ATX or setext heading: 1-based line, level 1-6 and its inline text."""

    line: int
    level: int
    text: str


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# Closing spaces and hashes are tried only where a run of spaces starts (from
# each space of a long run, the title's end cost its length squared).
_ATX = re.compile(
    r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:(?<![ \t])[ \t]+#+)?(?<![ \t])[ \t]*$"
)
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# A table's delimiter row ("| --- | :-: |"); spaces are never given back
# (trying each split of a long run cost its length squared).
DELIMITER_ROW = re.compile(r"^\s*+\|?\s*+:?-+:?\s*+(?:\|\s*+:?-+:?\s*+)*\|?\s*+$")
_NOT_PARAGRAPH = re.compile(r"^ {0,3}(?:[>|*+-]|\d+[.)]|#|$)")


# Common English function words: a compound followed by one is not a modifier
# ("the model-evaluation is"); a sentence opening with one is not a term.
FUNCTION_WORDS = frozenset(
    "a an the of and or to in on at by for with from as is are was were be been "
    "being that which who whom whose this these those it its may might can could "
    "should shall will would must not than then so if but nor per via into onto "
    "under over within without between among across after before during do does "
    "did has have had also only not both either neither where when while whereas "
    "because since until unless although though how why what whether there here "
    "thus hence however therefore".split()
)


class ScannedSection:
    """A section split into lines, with code fences and headings found in one pass.

    `in_code[i]` is True for line i+1 when it lies inside a fenced code block
    (fence lines included). `unclosed_fence` is the line of a fence that never
    closes, or 0.
    """

    __slots__ = (
        "path",
        "title",
        "index",
        "lines",
        "in_code",
        "headings",
        "heading_at",
        "unclosed_fence",
        "body",
    )

    def __init__(self, section: SectionText, index: int) -> None:
        self.path = section.path
        self.title = section.title
        self.index = index
        self.lines: list[str] = section.text.splitlines()
        self.in_code: list[bool] = []
        self.headings: list[Heading] = []
        self.heading_at: dict[int, Heading] = {}
        self.unclosed_fence = 0
        self._scan()
        self.body: list[tuple[int, str]] = [
            (number, line)
            for number, (line, code) in enumerate(
                zip(self.lines, self.in_code, strict=True), start=1
            )
            if not code
            and line.strip()
            and number not in self.heading_at
            and not _is_setext_underline(self, number)
        ]

    def _scan(self) -> None:
        fence = ""
        fence_line = 0
        prev_paragraph = False
        for number, line in enumerate(self.lines, start=1):
            if fence:
                self.in_code.append(True)
                m = _FENCE.match(line)
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    if not m.group(2).strip():
                        fence = ""
                continue
            m = _FENCE.match(line)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence, fence_line = m.group(1), number
                self.in_code.append(True)
                prev_paragraph = False
                continue
            self.in_code.append(False)
            atx = _ATX.match(line)
            if atx:
                self._add(Heading(number, len(atx.group(1)), atx.group(2) or ""))
                prev_paragraph = False
                continue
            setext = _SETEXT.match(line)
            if setext and prev_paragraph:
                level = 1 if setext.group(1)[0] == "=" else 2
                previous = number - 1
                self._add(Heading(previous, level, self.lines[previous - 1].strip()))
                prev_paragraph = False
                continue
            prev_paragraph = not _NOT_PARAGRAPH.match(line)
        if fence:
            self.unclosed_fence = fence_line

    def _add(self, heading: Heading) -> None:
        self.headings.append(heading)
        self.heading_at[heading.line] = heading

    def body_lines(self) -> list[tuple[int, str]]:
        """(line number, text) of non-blank lines that are neither code nor headings."""
        return self.body


def _is_setext_underline(section: ScannedSection, number: int) -> bool:
    """True when line `number` underlines the setext heading on the line above."""
    return (number - 1) in section.heading_at and bool(
        _SETEXT.match(section.lines[number - 1])
    )


def quote(text: str, limit: int = 60) -> str:
    """`text` in double quotes for a message, shortened to about `limit` chars."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"\u201c{text}\u201d"
