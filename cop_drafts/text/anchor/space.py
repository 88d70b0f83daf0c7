"""Relocation between texts that differ only in whitespace (line endings,
re-wrapped lines, spaces): every run of other characters is kept, so a span
moves with its runs (helper of `anchor`)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from cop_drafts.text.anchor.words import Match

_RUN = re.compile(r"\S+")


class SpaceMap:
    """Offsets of the runs of non-whitespace of both texts, in step."""

    __slots__ = ("old", "new", "ostart", "oend", "nstart", "nend")

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self.ostart, self.oend = _runs(old)
        self.nstart, self.nend = _runs(new)

    @classmethod
    def of(cls, old: str, new: str) -> SpaceMap | None:
        """The map, when the texts differ in whitespace alone (else None)."""
        if old == new or old.split() != new.split():
            return None
        return cls(old, new)

    @property
    def new_text(self) -> str:
        """The new text."""
        return self.new

    def lines(self, start: int, end: int) -> tuple[int, int]:
        """1-based lines of new [start, end) (an empty span: its line)."""
        last = end - 1 if end > start else start
        first = self.new.count("\n", 0, start) + 1
        return first, first + self.new.count("\n", start, max(start, last))

    def near_heading(self, start: int, end: int) -> tuple[str, int] | None:
        """Nothing is lost between texts that differ in whitespace."""
        return None

    def locate(self, start: int, end: int) -> Match | None:
        """Where old [start, end) lies in the new text."""
        if not self.ostart:
            return None
        if end > start and not self.old[start:end].strip():
            return self._blank(start, end)
        ns = self._start(start)
        ne = max(ns, self._end(end)) if end > start else ns
        if self.new[ns:ne] == self.old[start:end]:
            return Match("exact", ns, ne, 1.0)
        return Match("fuzzy", ns, ne, 0.9999)

    def _blank(self, start: int, end: int) -> Match | None:
        """Whitespace between two runs: the whitespace now between them."""
        i = bisect_right(self.oend, start)
        lo = self.nend[i - 1] if i > 0 else 0
        hi = self.nstart[i] if i < len(self.nstart) else len(self.new)
        if hi <= lo:
            return None
        return Match("fuzzy", lo, hi, 0.9999)

    def _start(self, pos: int) -> int:
        """New offset of an old span start: the same place in its run, or
        as far into the whitespace before the next run."""
        i = bisect_right(self.oend, pos)
        if i >= len(self.ostart):
            return len(self.new) - min(len(self.old) - pos, len(self.new))
        if pos >= self.ostart[i]:
            return self.nstart[i] + pos - self.ostart[i]
        room = self.nstart[i] - (self.nend[i - 1] if i else 0)
        return self.nstart[i] - min(self.ostart[i] - pos, room)

    def _end(self, pos: int) -> int:
        """New offset of an old span end (as `_start`, the other way)."""
        j = bisect_left(self.ostart, pos) - 1
        if j < 0:
            return min(pos, self.nstart[0] if self.nstart else 0)
        if pos <= self.oend[j]:
            return self.nstart[j] + pos - self.ostart[j]
        room = (
            self.nstart[j + 1] if j + 1 < len(self.nstart) else len(self.new)
        ) - self.nend[j]
        return self.nend[j] + min(pos - self.oend[j], room)


def _runs(text: str) -> tuple[list[int], list[int]]:
    """Start and end offsets of the runs of non-whitespace of `text`."""
    spans = [m.span() for m in _RUN.finditer(text)]
    return [a for a, _ in spans], [b for _, b in spans]
