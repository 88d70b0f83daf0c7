"""Old→new alignment used to relocate anchors: a bounded token diff and a
position map from old offsets to new offsets (helper of `anchor.py`)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

# Words, whitespace runs and single punctuation marks: joined again they give
# back the text, so token offsets are exact character offsets.
TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
WORD_RE = re.compile(r"\w+")

# Gaps whose sizes multiply to at most this are aligned exactly with
# diff-match-patch; larger gaps are split on tokens unique to both sides
# (patience diff) first. This keeps the whole diff near-linear: the plain
# Myers diff of a heavily rewritten 160 KB section does not finish in a second.
_SMALL_GAP = 16 * 16
# A gap without unique tokens is still diffed exactly up to this size;
# above it, it stays one changed block (the fuzzy search takes over there).
_MEDIUM_GAP = 32 * 32
# The search for unique tokens may look at each token this many times.
_BUDGET = 32


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of the alignment: equal text, or old text replaced by new."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    equal: bool


def encode(text: str, table: dict[str, int]) -> tuple[list[int], list[int]]:
    """Token ids (new tokens numbered in `table`) and token start offsets of
    `text`, plus its end offset."""
    tokens = TOKEN_RE.findall(text)
    ids = [table.setdefault(token, len(table)) for token in tokens]
    return ids, [0, *accumulate(map(len, tokens))]


def _as_chars(a: list[int], b: list[int]) -> tuple[str, str]:
    """Both id lists as strings, one character per distinct id, for
    diff-match-patch (numbered per call, so always far below surrogates)."""
    chars: dict[int, str] = {}
    for ident in (*a, *b):
        if ident not in chars:
            chars[ident] = chr(32 + len(chars))
    return "".join(chars[i] for i in a), "".join(chars[i] for i in b)


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest chain of `pairs` (sorted by first item) increasing in the second."""
    tails: list[int] = []
    tail_index: list[int] = []
    back: list[int] = [-1] * len(pairs)
    for i, (_, b) in enumerate(pairs):
        k = bisect_left(tails, b)
        if k == len(tails):
            tails.append(b)
            tail_index.append(i)
        else:
            tails[k] = b
            tail_index[k] = i
        back[i] = tail_index[k - 1] if k else -1
    chain: list[tuple[int, int]] = []
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        chain.append(pairs[i])
        i = back[i]
    chain.reverse()
    return chain


class TokenDiff:
    """Patience-style diff of two token id lists into equal/changed runs."""

    def __init__(
        self,
        a: list[int],
        b: list[int],
        weak: set[int] | None = None,
        exact: bool = True,
    ) -> None:
        self.a = a
        self.b = b
        self.weak = weak or set()
        # exact=False leaves small gaps unaligned (one changed run): enough
        # for a similarity score, and much cheaper than diffing them.
        self.exact = exact
        self.dmp = diff_match_patch()
        self.dmp.Diff_Timeout = 0.0  # bounded by gap size, not by the clock
        self.runs: list[tuple[int, int, int, int, bool]] = []
        # Tokens the anchor search may still look at: recursion depth times
        # gap size stays linear in the texts whatever they hold (and the
        # result depends on the texts only, never on the machine's speed).
        self.budget = _BUDGET * (len(a) + len(b)) + 10_000

    def run(self) -> list[tuple[int, int, int, int, bool]]:
        """Equal and changed runs in token indices, in order, merged."""
        # An explicit stack keeps deep recursions off the Python call stack;
        # tasks are pushed in reverse so runs come out in order.
        stack: list[tuple[int, int, int, int, int]] = [
            (0, len(self.a), 0, len(self.b), 0)
        ]
        while stack:
            alo, ahi, blo, bhi, kind = stack.pop()
            if kind == 1:
                self._emit(alo, ahi, blo, bhi, True)
            else:
                stack.extend(reversed(self._split(alo, ahi, blo, bhi)))
        return self.runs

    def _emit(self, alo: int, ahi: int, blo: int, bhi: int, equal: bool) -> None:
        if alo == ahi and blo == bhi:
            return
        if self.runs and self.runs[-1][4] == equal:
            last = self.runs[-1]
            self.runs[-1] = (last[0], ahi, last[2], bhi, equal)
        else:
            self.runs.append((alo, ahi, blo, bhi, equal))

    def _split(
        self, alo: int, ahi: int, blo: int, bhi: int
    ) -> list[tuple[int, int, int, int, int]]:
        """Emit what is settled now; return sub-tasks (kind 1 = equal run)."""
        alo, ahi, blo, bhi, tail = self._trim(alo, ahi, blo, bhi)
        tasks: list[tuple[int, int, int, int, int]] = []
        size = (ahi - alo) * (bhi - blo)
        if size == 0:
            self._emit(alo, ahi, blo, bhi, False)
        elif size <= _SMALL_GAP:
            if self.exact:
                self._dmp(alo, ahi, blo, bhi)
            else:
                self._emit(alo, ahi, blo, bhi, False)
        else:
            anchors = self._anchors(alo, ahi, blo, bhi)
            if anchors:
                pa, pb = alo, blo
                for ia, ib in anchors:
                    tasks.append((pa, ia, pb, ib, 0))
                    tasks.append((ia, ia + 1, ib, ib + 1, 1))
                    pa, pb = ia + 1, ib + 1
                tasks.append((pa, ahi, pb, bhi, 0))
            elif size <= _MEDIUM_GAP and self.exact:
                self._dmp(alo, ahi, blo, bhi)
            else:
                self._emit(alo, ahi, blo, bhi, False)
        if tail:
            tasks.append((ahi, ahi + tail, bhi, bhi + tail, 1))
        return tasks

    def _trim(
        self, alo: int, ahi: int, blo: int, bhi: int
    ) -> tuple[int, int, int, int, int]:
        """Emit the common head as equal; return the rest without the common
        tail, and the tail's length."""
        a, b = self.a, self.b
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        self._emit(alo, alo + head, blo, blo + head, True)
        alo += head
        blo += head
        tail = 0
        while (
            ahi - tail > alo
            and bhi - tail > blo
            and a[ahi - tail - 1] == b[bhi - tail - 1]
        ):
            tail += 1
        return alo, ahi - tail, blo, bhi - tail, tail

    def _anchors(self, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
        """Tokens occurring once on each side, longest order-preserving chain.
        Short tokens ("a", "2", "(") are too weak to anchor an alignment."""
        self.budget -= (ahi - alo) + (bhi - blo)
        if self.budget < 0:
            return []
        count_a = Counter(self.a[alo:ahi])
        count_b = Counter(self.b[blo:bhi])
        weak = self.weak
        where_b = {
            tok: blo + i
            for i, tok in enumerate(self.b[blo:bhi])
            if count_b[tok] == 1 and count_a.get(tok) == 1 and tok not in weak
        }
        pairs = [
            (alo + i, where_b[tok])
            for i, tok in enumerate(self.a[alo:ahi])
            if tok in where_b
        ]
        return _lis(pairs)

    def _dmp(self, alo: int, ahi: int, blo: int, bhi: int) -> None:
        text_a, text_b = _as_chars(self.a[alo:ahi], self.b[blo:bhi])
        diffs = self.dmp.diff_main(text_a, text_b, False)
        ia, ib = alo, blo
        for op, chunk in diffs:
            n = len(chunk)
            if op == 0:
                self._emit(ia, ia + n, ib, ib + n, True)
                ia += n
                ib += n
            elif op < 0:
                self._emit(ia, ia + n, ib, ib, False)
                ia += n
            else:
                self._emit(ia, ia, ib, ib + n, False)
                ib += n


def _inside(seg: Segment, pos: int) -> int:
    """Map `pos` within `seg`: exact when equal, proportional when replaced."""
    if seg.equal:
        return seg.new_start + (pos - seg.old_start)
    if pos <= seg.old_start:
        return seg.new_start
    if pos >= seg.old_end:
        return seg.new_end
    frac = (pos - seg.old_start) / (seg.old_end - seg.old_start)
    return seg.new_start + round(frac * (seg.new_end - seg.new_start))


class Alignment:
    """Alignment of `old` with `new`, mapping old offsets to new offsets."""

    __slots__ = ("old", "new", "segments", "_old_starts", "_old_ends", "_new_starts")

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        table: dict[str, int] = {}
        a, a_pos = encode(old, table)
        b, b_pos = encode(new, table)
        weak = {ident for token, ident in table.items() if len(token) < 3}
        self.segments: list[Segment] = [
            Segment(a_pos[alo], a_pos[ahi], b_pos[blo], b_pos[bhi], equal)
            for alo, ahi, blo, bhi, equal in TokenDiff(a, b, weak).run()
        ]
        if not self.segments:
            self.segments = [Segment(0, len(old), 0, len(new), old == new)]
        self._old_starts = [s.old_start for s in self.segments]
        self._old_ends = [s.old_end for s in self.segments]
        self._new_starts = [s.new_start for s in self.segments]

    def segment_at(self, pos: int) -> int:
        """Index of the last segment whose old range starts at or before `pos`."""
        return max(0, bisect_right(self._old_starts, pos) - 1)

    def map_start(self, pos: int) -> int:
        """New offset of an old span start: after any text inserted at `pos`."""
        seg = self.segments[self.segment_at(pos)]
        if not seg.old_start <= pos < seg.old_end:
            return len(self.new)  # pos is the end of the old text
        return _inside(seg, pos)

    def map_end(self, pos: int) -> int:
        """New offset of an old span end: before any text inserted at `pos`."""
        i = bisect_left(self._old_ends, pos)
        if i >= len(self.segments):
            return len(self.new)
        return _inside(self.segments[i], pos)

    def equal_chars(self, start: int, end: int) -> int:
        """Characters of old [start, end) that the diff keeps unchanged."""
        total = 0
        i = self.segment_at(start)
        while i < len(self.segments) and self.segments[i].old_start < end:
            seg = self.segments[i]
            if seg.equal:
                total += max(0, min(end, seg.old_end) - max(start, seg.old_start))
            i += 1
        return total

    def kept_elsewhere(self, new_start: int, new_end: int, start: int, end: int) -> int:
        """Characters of new [new_start, new_end) that the diff aligns with old
        text outside old [start, end): text that has another predecessor."""
        total = 0
        i = max(0, bisect_right(self._new_starts, new_start) - 1)
        while i < len(self.segments) and self.segments[i].new_start < new_end:
            seg = self.segments[i]
            if seg.equal:
                lo = max(new_start, seg.new_start)
                hi = min(new_end, seg.new_end)
                if hi > lo:
                    old_lo = seg.old_start + lo - seg.new_start
                    old_hi = seg.old_start + hi - seg.new_start
                    total += (hi - lo) - max(0, min(old_hi, end) - max(old_lo, start))
            i += 1
        return total
