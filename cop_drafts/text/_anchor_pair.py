"""An old and a new version of a text, aligned once, with the questions the
relocation stages ask of them: context agreement, provenance, regions and
candidate lines (helper of `anchor.py`)."""

from __future__ import annotations

from bisect import bisect_right

from cop_drafts.text._anchor_diff import WORD_RE, Alignment
from cop_drafts.text._anchor_index import WordIndex, Words, WordTable
from cop_drafts.text._anchor_text import (
    Pattern,
    common_prefix,
    common_suffix,
    word_similarity,
)

# Context compared around candidates, per side (the stored anchor keeps 32).
CONTEXT = 32
# Context score of a side where both spans meet a line break.
LINE_EDGE = 0.75
# New lines kept at least this much from other old text are no candidates.
KEPT_LINE = 0.8
# Old words on each side of the quote used to align it in a new region.
CONTEXT_WORDS = 6


class TextPair:
    """`old` and `new` with their alignment and lazily built indexes."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self.alignment = Alignment(old, new)
        self._index: WordIndex | None = None
        self._line_starts: list[int] | None = None
        self._regions: dict[tuple[int, int], Words] = {}
        # The new text's words are tabled once the stretches scanned one by
        # one add up to the whole text (for a few anchors: no table).
        self._table: WordTable | None = None
        self._scanned = 0

    # -- lines -------------------------------------------------------------

    def line_starts(self) -> list[int]:
        """Offsets at which the lines of the new text start."""
        if self._line_starts is None:
            starts = [0]
            pos = self.new.find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = self.new.find("\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def line_of(self, pos: int) -> int:
        """1-based line number of offset `pos` in the new text."""
        return bisect_right(self.line_starts(), pos)

    # -- context and provenance ----------------------------------------------

    def agree(
        self, start: int, end: int, ns: int, ne: int, width: int
    ) -> tuple[int, int]:
        """Characters of old context (each side, up to `width`) equal around
        new [ns, ne); reaching the edge of both texts counts in full."""
        old, new = self.old, self.new
        before = common_suffix(
            old[max(0, start - width) : start], new[max(0, ns - width) : ns]
        )
        if before == start and before == ns:
            before = width
        after = common_prefix(old[end : end + width], new[ne : ne + width])
        if end + after == len(old) and ne + after == len(new):
            after = width
        return before, after

    def context_similarity(self, start: int, end: int, ns: int, ne: int) -> float:
        """Likeness (0..1) of the old context of [start, end) and the new
        context of [ns, ne): equal characters or shared words per side."""
        old, new = self.old, self.new
        equal_before, equal_after = self.agree(start, end, ns, ne, CONTEXT)
        before = _side(
            equal_before,
            min(CONTEXT, start),
            old[max(0, start - CONTEXT) : start],
            new[max(0, ns - CONTEXT) : ns],
        )
        after = _side(
            equal_after,
            min(CONTEXT, len(old) - end),
            old[end : end + CONTEXT],
            new[ne : ne + CONTEXT],
        )
        # A passage that starts (ends) a line in both texts agrees on that
        # side even when its neighbours changed: paragraphs move whole.
        if old[start - 1 : start] == "\n" and new[ns - 1 : ns] == "\n":
            before = max(before, LINE_EDGE)
        if old[end : end + 1] == "\n" and new[ne : ne + 1] == "\n":
            after = max(after, LINE_EDGE)
        return (before + after) / 2

    def taken(self, start: int, end: int, ns: int, ne: int) -> bool:
        """Whether most of new [ns, ne) is the diff's counterpart of other old
        text: then it descends from that text, not from old [start, end)."""
        kept = self.alignment.kept_elsewhere(ns, ne, start, end)
        return kept * 2 > max(1, ne - ns)

    # -- regions -------------------------------------------------------------

    def local_region(self, start: int, end: int, ms: int, me: int) -> tuple[int, int]:
        """New range the diff gives old [start, end) (mapped to [ms, me)):
        between the nearest equal stretches, bounded to a few quote lengths."""
        segments = self.alignment.segments
        i = self.alignment.segment_at(start)
        while i > 0 and not segments[i].equal:
            i -= 1
        lo = min(segments[i].new_end, ms) if segments[i].equal else 0
        j = self.alignment.segment_at(end - 1)
        while j + 1 < len(segments) and not segments[j].equal:
            j += 1
        hi = max(segments[j].new_start, me) if segments[j].equal else len(self.new)
        reach = 2 * (end - start) + 256
        return max(lo, ms - reach, 0), min(hi, me + reach, len(self.new))

    def words(self, lo: int, hi: int, cache: bool) -> Words:
        """Word offsets and lower-cased words of new [lo, hi); `cache` for
        whole lines, which many anchors look at."""
        found = self._regions.get((lo, hi)) if cache else None
        if found is None:
            found = self._words(lo, hi)
            if cache:
                self._regions[(lo, hi)] = found
        return found

    def _words(self, lo: int, hi: int) -> Words:
        """Word offsets and lower-cased words of new [lo, hi)."""
        if self._table is None:
            self._scanned += hi - lo
            if self._scanned <= len(self.new):
                spans = [m.span() for m in WORD_RE.finditer(self.new, lo, hi)]
                return spans, [self.new[a:b].lower() for a, b in spans]
            self._table = WordTable(self.new)
        return self._table.within(lo, hi)

    def pattern(self, start: int, end: int) -> Pattern:
        """The quote's words with up to CONTEXT_WORDS old words each side,
        taken from the quote's own lines (neighbouring paragraphs need not
        travel with it)."""
        old = self.old
        lo = max(0, start - 8 * CONTEXT_WORDS, old.rfind("\n", 0, start) + 1)
        before = WORD_RE.findall(old, lo, start)
        if before and lo > 0 and old[lo - 1].isalnum() and old[lo].isalnum():
            before = before[1:]  # a word cut by the window
        hi = min(len(old), end + 8 * CONTEXT_WORDS)
        newline = old.find("\n", end, hi)
        hi = hi if newline < 0 else newline
        after = WORD_RE.findall(old, end, hi)
        if after and hi < len(old) and old[hi - 1].isalnum() and old[hi].isalnum():
            after = after[:-1]
        before = [w.lower() for w in before[-CONTEXT_WORDS:]]
        after = [w.lower() for w in after[:CONTEXT_WORDS]]
        quote = [w.lower() for w in WORD_RE.findall(old, start, end)]
        return Pattern(before + quote + after, len(before), len(before) + len(quote))

    def voted_regions(
        self, quote: str, pattern: Pattern, lo: int, hi: int
    ) -> list[tuple[int, int]]:
        """Up to two new ranges (whole lines, outside [lo, hi)) that share
        the most rare words with the pattern."""
        if self._index is None:
            self._index = WordIndex(self.new, self._kept_lines())
        starts = self.line_starts()
        spread = quote.count("\n")
        regions = []
        for line in self._index.vote(pattern, 3):
            first = starts[max(0, line - spread)]
            after = line + spread + 1
            last = starts[after] - 1 if after < len(starts) else len(self.new)
            if last <= lo or first >= hi:
                regions.append((first, last))
        return regions[:2]

    def _kept_lines(self) -> set[int]:
        """New lines (0-based) that the diff keeps mostly unchanged from old
        lines: their passages have a predecessor, so they are no candidates."""
        starts = self.line_starts()
        kept = [0] * len(starts)
        for seg in self.alignment.segments:
            if not seg.equal:
                continue
            line = bisect_right(starts, seg.new_start) - 1
            pos = seg.new_start
            while pos < seg.new_end:
                stop = starts[line + 1] if line + 1 < len(starts) else len(self.new)
                kept[line] += min(stop, seg.new_end) - pos
                pos = stop
                line += 1
        ends = [*starts[1:], len(self.new) + 1]
        return {
            n
            for n, (a, b) in enumerate(zip(starts, ends, strict=True))
            if b - a > 1 and kept[n] >= KEPT_LINE * (b - a)
        }


def _side(equal: int, available: int, old: str, new: str) -> float:
    """Context score of one side: all of it equal, or the larger of the
    equal share and the shared words."""
    if equal >= available:
        return 1.0
    return max(equal / CONTEXT, word_similarity(old, new))
