"""A text cut into words and units (sentences, clauses, list items, table
cells, headings) for relocating anchors: each unit knows its words, their
stems and its heading (helper of `anchor`)."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right

WORD_RE = re.compile(r"\w+")
# A line that opens a block of its own (not a wrapped continuation).
_BLOCK_START = re.compile(
    r"[ \t]*(?:#{1,6}[ \t]|[-*+>|][ \t]?|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlc]{1,5})[.)][ \t]"
    r"|\((?:\d{1,3}|[a-zA-Z]|[ivxlc]{1,5})\)|\[\^|\*\*)"
)
_HEADING = re.compile(r"[ \t]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
# Where a unit ends inside a line: after a full stop before a capital (or
# a number, bracket, quote), after a semicolon, after a colon opening a
# list, at table bars and at <br>. The space before a bar or <br> is taken
# from the start of its run only (a run of n spaces tried from each of its
# positions cost n squared: 6,000-space indents never finished).
_CUT = re.compile(
    r"(?<=[.!?])\s+(?=[\"'“‘(\[A-Z0-9])|(?<=:)\s+(?=[(\"“A-Z])"
    r"|(?<=;)\s+(?:(?:and|or)\s+(?=\())?(?!(?:and|or)\W*$)"
    r"|(?:(?<!\s)\s+)?(?<!\\)\|\s*|(?:(?<!\s)\s+)?<br\s*/?>\s*"
)
# An enumerator or list marker at the start of a unit: its words say where
# the unit sits, not what it says, so they are left out of its content.
_MARKER = re.compile(
    r"[\s>#*+|-]*(?:\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})\)|(?:\d{1,3}|[a-z])[.)]"
    r"(?=\s))?[\s*]*"
)
# Kinds of unit: prose (paragraphs, list items), headings, quoted boxes
# (explanations, legal text), table cells.
BODY, HEADING, QUOTE, TABLE = 0, 1, 2, 3
_KINDS = {">": QUOTE, "|": TABLE}
# Abbreviations whose full stop ends no sentence.
_ABBREVIATION = re.compile(
    r"(?:\b(?:cf|e\.g|i\.e|Art|No|Nos|para|p|pp|vs|etc|Dir|Reg|Mr|Ms|Dr|St)\.)$"
)
# A list number alone ("3.", "(b)", "II.", "a)") opens what follows it.
_ENUMERATOR = re.compile(
    r"[\s>#*+|-]*[(\[]?(?:(?:[IVXivx]+\.)?\d{1,3}(?:\.\d{1,3})*[.)\]]?"
    r"|[a-zA-Z][.)\]]|[ivxlcIVXLC]{1,5}[.)\]])"
)
# A part before a colon with no more words than this is a label.
LABEL_WORDS = 4
_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "sixty": "60",
}


_STEMS: dict[str, str] = {}  # every word seen, stemmed once


def _stem(word: str) -> str:
    """stem(word), remembered."""
    found = _STEMS[word] = stem(word)
    return found


def stem(word: str) -> str:
    """A crude stem of a lower-cased word: numbers as digits, no plural s,
    at most six letters ('assessments' and 'assessing' meet at 'assess')."""
    word = _NUMBERS.get(word, word)
    if len(word) > 3 and word[-1] == "s" and word[-2] != "s":
        word = word[:-1]
    return word[:6]


class Doc:
    """Words and units of one text; built once and shared by every pair."""

    __slots__ = (
        "text",
        "wstart",
        "wend",
        "lower",
        "stems",
        "ustart",
        "uend",
        "uword",
        "ucontent",
        "ublock",
        "ukind",
        "uheading",
        "headings",
        "_line_starts",
        "_kind",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        spans = [m.span() for m in WORD_RE.finditer(text)]
        self.wstart = [a for a, _ in spans]
        self.wend = [b for _, b in spans]
        self.lower = [text[a:b].lower() for a, b in spans]
        known = _STEMS
        self.stems = [known.get(w) or _stem(w) for w in self.lower]
        # Units: char range, first word, first content word, block number.
        self.ustart: list[int] = []
        self.uend: list[int] = []
        self.uword: list[int] = []
        self.ucontent: list[int] = []
        self.ublock: list[int] = []
        self.ukind: list[int] = []  # BODY, HEADING, QUOTE or TABLE
        self.uheading: list[int] = []  # unit index of the governing heading, -1
        self.headings: list[tuple[int, int, str]] = []  # unit, level, title
        self._line_starts: list[int] | None = None
        self._kind = BODY
        self._cut()

    # -- building ----------------------------------------------------------

    def _cut(self) -> None:
        """Cut the text into blocks (paragraphs, items, headings, table rows)
        and the blocks into units."""
        heading = -1
        for number, (start, end, level) in enumerate(_blocks(self.text)):
            first = self.text[start : start + 4].lstrip()[:1]
            self._kind = HEADING if level else _KINDS.get(first, BODY)
            if level:
                before = self.units
                self._add(start, end, number, heading)
                if self.units > before:
                    heading = before
                    self.uheading[-1] = heading
                    title = _HEADING.match(self.text, start, end)
                    name = title.group(2).strip() if title else ""
                    self.headings.append((heading, level, name))
                continue
            pos = start
            for m in _CUT.finditer(self.text, start, end):
                colon = self.text[m.start() - 1 : m.start()] == ":"
                if (
                    colon
                    and not m.group().strip()
                    and _is_label(self.text, pos, m.start())
                ):
                    continue  # "KPI 2.1:", "Note:" belong to what follows
                if _ABBREVIATION.search(self.text, max(pos, m.start() - 6), m.start()):
                    continue  # "cf. Article", "e.g. Recital": no sentence end
                if _ENUMERATOR.fullmatch(self.text, pos, m.start()):
                    continue  # "3. The name": the number opens the item
                self._add(pos, m.start(), number, heading)
                pos = m.end()
            self._add(pos, end, number, heading)

    def _add(self, start: int, end: int, block: int, heading: int) -> None:
        """Record text[start:end] as a unit if it holds a word."""
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        first = bisect_left(self.wstart, start)
        if first >= len(self.wstart) or self.wstart[first] >= end:
            return
        marker = _MARKER.match(text, start, end)
        content_from = marker.end() if marker else start
        self.ustart.append(start)
        self.uend.append(end)
        self.uword.append(first)
        self.ucontent.append(bisect_left(self.wstart, content_from))
        self.ublock.append(block)
        self.ukind.append(self._kind)
        self.uheading.append(heading)

    # -- questions ---------------------------------------------------------

    @property
    def units(self) -> int:
        """Number of units."""
        return len(self.ustart)

    def unit_words(self, unit: int) -> tuple[int, int]:
        """Word index range [first, stop) of a unit."""
        stop = self.uword[unit + 1] if unit + 1 < len(self.uword) else len(self.wstart)
        end = self.uend[unit]
        while stop > self.uword[unit] and self.wstart[stop - 1] >= end:
            stop -= 1
        return self.uword[unit], stop

    def unit_at(self, pos: int) -> int:
        """Index of the last unit starting at or before `pos` (-1: none)."""
        return bisect_right(self.ustart, pos) - 1

    def line_starts(self) -> list[int]:
        """Offsets at which the lines of the text start."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts

    def line_of(self, pos: int) -> int:
        """1-based line number of offset `pos`."""
        return bisect_right(self.line_starts(), pos)


def line_starts(text: str) -> list[int]:
    """Offsets at which the lines of `text` start."""
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


def same_kind(old: int, new: int) -> bool:
    """Whether a passage of one kind of unit may have become the other: a
    table cell stays a cell, a heading a heading; prose and boxes mix."""
    return old == new or (old not in (TABLE, HEADING) and new not in (TABLE, HEADING))


def _is_label(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a short label (at most LABEL_WORDS words)."""
    count = 0
    for _ in WORD_RE.finditer(text, start, end):
        count += 1
        if count > LABEL_WORDS:
            return False
    return True


def _blocks(text: str) -> list[tuple[int, int, int]]:
    """(start, end, heading level or 0) of each block: a heading, a list
    item, a table row, a quote line, or a paragraph with its wrapped lines."""
    out: list[tuple[int, int, int]] = []
    current: list[int] | None = None
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if not stripped or stripped in (">", "|"):
            if current is not None:
                out.append((current[0], current[1], current[2]))
                current = None
        else:
            match = _HEADING.match(line)
            level = len(match.group(1)) if match else 0
            if current is None or level or current[2] or _BLOCK_START.match(line):
                if current is not None:
                    out.append((current[0], current[1], current[2]))
                current = [pos, end, level]
            else:
                current[1] = end
        pos = end + 1
    if current is not None:
        out.append((current[0], current[1], current[2]))
    return out


def idf_table(old: Doc, new: Doc) -> dict[str, float]:
    """Inverse unit frequency of every stem of both texts (rarer: heavier)."""
    counts: dict[str, int] = {}
    for doc in (old, new):
        stems = doc.stems
        for unit in range(doc.units):
            first, stop = doc.unit_words(unit)
            for s in set(stems[first:stop]):
                counts[s] = counts.get(s, 0) + 1
    total = old.units + new.units + 1
    # Numbers count half: they change with renumbering and fill references.
    return {
        s: math.log(1.0 + total / n) * (0.5 if s.isdigit() else 1.0)
        for s, n in counts.items()
    }
