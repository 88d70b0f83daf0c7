"""Relocation between large texts, within a budget (helper of `anchor`).

Aligning two texts costs time and memory with their size: about 2.7 s and
230 MB for a pair of 2 MB sections (the upload limit). Past `BUDGET`
characters (both texts together) only the part that changed is aligned: the
texts' common beginning and end are the same text, so a passage there is
where it was (shifted by the change's length); a passage touching the
changed middle is placed by the full alignment of that middle (with
`MARGIN` characters of context on each side) when the middle is within the
budget. When even the middle is larger, a passage there is looked for by its
exact words alone: found once (with its context where the words recur), it
has moved there; otherwise it is reported on removed text, and the landing
says the section was too large for rewording to be followed
(`limited`), so nobody mistakes it for a judgement that the text is gone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Protocol

from cop_drafts.text.anchor.units import line_starts
from cop_drafts.text.anchor.words import Match

#: Characters of both texts together aligned in full.
BUDGET = 1_200_000
#: Characters of unchanged text kept on each side of the changed middle.
MARGIN = 20_000
#: Characters of context on each side that pick one of several copies.
CONTEXT = 32


class Window(Protocol):
    """The full engine (`place.Placer`, `space.SpaceMap`) on the window."""

    def locate(self, start: int, end: int) -> Match | None: ...

    def near_heading(self, start: int, end: int) -> tuple[str, int] | None: ...


def common_prefix(a: str, b: str) -> int:
    """Length of the common beginning of `a` and `b` (binary search over
    slices: string comparison runs in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common end of `a` and `b`, at most `limit`."""
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class LargeText:
    """Relocates spans of a large `old` in `new`: by offset in their common
    beginning and end, by a window's alignment or by exact words in the
    changed middle. `inner(old, new)` builds the full engine for a window."""

    def __init__(self, old: str, new: str, inner: Callable[[str, str], Window]) -> None:
        self.old = old
        self.new = new
        head = common_prefix(old, new)
        tail = common_suffix(old, new, min(len(old), len(new)) - head)
        self.head, self.old_tail = head, len(old) - tail
        self.shift = len(new) - len(old)
        # The window: the changed middle with MARGIN of context, cut at lines.
        self.start = _line_start(old, max(0, head - MARGIN))
        old_stop = _line_end(old, min(len(old), self.old_tail + MARGIN))
        self.old_stop, self.new_stop = old_stop, old_stop + self.shift
        self.window: Window | None = None
        if (old_stop - self.start) + (self.new_stop - self.start) <= BUDGET:
            window = old[self.start : old_stop], new[self.start : self.new_stop]
            self.window = inner(*window)
        self._line_starts: list[int] | None = None

    @property
    def new_text(self) -> str:
        """The new text."""
        return self.new

    def lines(self, start: int, end: int) -> tuple[int, int]:
        """1-based lines of new [start, end) (an empty span: its line)."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.new)
        last = end - 1 if end > start else start
        return (
            bisect_right(self._line_starts, start),
            bisect_right(self._line_starts, max(start, last)),
        )

    def limited(self, start: int, end: int) -> bool:
        """Whether old [start, end) was looked for by its exact words alone
        (it touches a changed middle past the budget, or reaches beyond the
        window's context)."""
        aligned = self.window is not None and self._in_window(start, end)
        return self.head < end and start < self.old_tail and not aligned

    def near_heading(self, start: int, end: int) -> tuple[str, int] | None:
        """The heading the passage's neighbourhood went under (window only)."""
        if self.window is None or not self._in_window(start, end):
            return None
        found = self.window.near_heading(start - self.start, end - self.start)
        if found is None:
            return None
        title, line = found
        return title, line + self.new.count("\n", 0, self.start)

    def locate(self, start: int, end: int) -> Match | None:
        """Best place of old [start, end) in the new text, or None."""
        if end <= self.head:
            return Match("exact", start, end, 1.0)
        if start >= self.old_tail:
            return Match("exact", start + self.shift, end + self.shift, 1.0)
        if self.window is not None and self._in_window(start, end):
            found = self.window.locate(start - self.start, end - self.start)
            if found is None:
                return None
            at = self.start
            return Match(found.status, found.start + at, found.end + at, found.score)
        return self._words(start, end)

    def _in_window(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.old_stop

    def _words(self, start: int, end: int) -> Match | None:
        """The passage's exact words, found once in the new text (with its
        context when they recur), else None."""
        quote, new = self.old[start:end], self.new
        if not quote.strip():
            return None
        before = self.old[max(0, start - CONTEXT) : start]
        after = self.old[end : end + CONTEXT]
        at = new.find(quote)
        if at >= 0 and new.find(quote, at + 1) >= 0:
            wide = new.find(before + quote + after)
            if wide < 0 or new.find(before + quote + after, wide + 1) >= 0:
                return None  # not distinguishable from another copy
            at = wide + len(before)
        if at < 0:
            return None
        stop = at + len(quote)
        # Among the same words as before it is where it was; else it moved.
        same = new.startswith(before, at - len(before)) and new.startswith(after, stop)
        return Match("exact" if same else "moved", at, stop, 1.0)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    at = text.find("\n", pos)
    return len(text) if at < 0 else at + 1
