"""Words of an old unit placed among the words of its new unit(s), and
character-level likeness of a quote and its new span (helper of `anchor`)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from cop_drafts.text.anchor.units import WORD_RE, Doc
from cop_drafts.text.sequence import sequence_blocks

# Context compared around a span without words.
CONTEXT = 32
# New words before a unit's first kept word (after its last) past twice the
# old ones and this many belong to another unit merged with it.
EDGE_GROWTH = 6
# Kept words at an edge of a unit that shares its new unit, this few and
# that far from the others, are the other unit's.
EDGE_WORDS = 2


@dataclass(frozen=True, slots=True)
class Match:
    """Where a passage was found: status name, new offsets, similarity."""

    status: str
    start: int
    end: int
    score: float


class WordMap:
    """Word alignment of one old unit with its new unit(s)."""

    __slots__ = ("a0", "a1", "b0", "b1", "blocks", "shared")

    def __init__(
        self, old: Doc, new: Doc, unit: int, targets: list[int], shared: bool = False
    ) -> None:
        """`shared`: another old unit went into the same new unit (merged)."""
        self.shared = shared
        self.a0, self.a1 = old.unit_words(unit)
        a1 = self.a1
        self.b0 = new.unit_words(targets[0])[0]
        self.b1 = new.unit_words(targets[-1])[1]
        found = sequence_blocks(old.stems[self.a0 : a1], new.stems[self.b0 : self.b1])
        blocks = [(self.a0 + a, self.b0 + b, n) for a, b, n in found if n]
        if shared:  # a word or two kept far from the rest: another unit's
            while len(blocks) > 1 and _stray(blocks[0], *blocks[:2]):
                blocks.pop(0)
            while len(blocks) > 1 and _stray(blocks[-1], *blocks[-2:]):
                blocks.pop()
        self.blocks = blocks

    def image(self, first: int, last: int) -> tuple[int, int] | None:
        """New word range (inclusive) of old words first..last, widened
        over replaced words at its ends; None if all of it was deleted."""
        lo = self._side(first, True)
        hi = self._side(last, False)
        if lo is None or hi is None or hi < lo:
            return None
        return lo, hi

    def matched(self, first: int, last: int) -> list[int]:
        """Old word indexes in first..last that have a partner."""
        out: list[int] = []
        for a, _, n in self.blocks:
            lo, hi = max(a, first), min(a + n - 1, last)
            out.extend(range(lo, hi + 1))
        return out

    def _side(self, word: int, start: bool) -> int | None:
        """New word for an old start (or end) word: its partner, else the
        edge of what replaced it, else the next (previous) partner."""
        blocks = self.blocks
        k = bisect_right(blocks, (word, 1 << 62, 0)) - 1
        if k >= 0 and word < blocks[k][0] + blocks[k][2]:
            return blocks[k][1] + word - blocks[k][0]
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        old_lo = blocks[k][0] + blocks[k][2] if k >= 0 else self.a0
        new_lo = blocks[k][1] + blocks[k][2] if k >= 0 else self.b0
        old_hi = nxt[0] if nxt else self.a1
        new_hi = nxt[1] if nxt else self.b1
        span_old = old_hi - old_lo
        edge = (k < 0) != (nxt is None)
        if self.shared and edge and new_hi - new_lo > 2 * span_old + EDGE_GROWTH:
            # Words before the first kept word (after the last) of a unit
            # that now shares its new unit with another: as many new words.
            if nxt is not None:
                new_lo = max(new_lo, new_hi - span_old)
            else:
                new_hi = min(new_hi, new_lo + span_old)
        if new_hi > new_lo:  # replaced: proportional place in the new words
            offset = (word - old_lo) if start else (word - old_lo + 1)
            pos = new_lo + round(offset * (new_hi - new_lo) / max(1, span_old))
            return min(pos, new_hi - 1) if start else max(pos - 1, new_lo)
        if start:
            return nxt[1] if nxt else None
        return blocks[k][1] + blocks[k][2] - 1 if k >= 0 else None


def _stray(
    edge: tuple[int, int, int], a: tuple[int, int, int], b: tuple[int, int, int]
) -> bool:
    """Whether `edge`, one of two blocks a and b of a word alignment, holds
    a word or two and far more new words than old ones lie between them."""
    far = b[1] - a[1] - a[2] > 2 * (b[0] - a[0] - a[2]) + EDGE_GROWTH
    return edge[2] <= EDGE_WORDS and far


def context_match(
    old: str, new: str, start: int, end: int, pos: int, in_place: bool
) -> Match | None:
    """The Match of a span without words mapped to `pos`: its characters
    and context must agree there."""
    quote = old[start:end]
    if new[pos : pos + len(quote)] != quote:
        return None
    stop = pos + len(quote)
    prefix = old[max(0, start - CONTEXT) : start]
    suffix = old[end : end + CONTEXT]
    before = common_suffix(prefix, new[max(0, pos - CONTEXT) : pos])
    after = common_prefix(suffix, new[stop : stop + CONTEXT])
    if before == len(prefix) and after == len(suffix):
        return Match("exact" if in_place else "moved", pos, stop, 1.0)
    if max(before, after) >= 8:
        score = (before + after) / max(1, len(prefix) + len(suffix))
        return Match("fuzzy", pos, stop, max(0.0001, min(0.9999, score)))
    return None


def common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def lead_edge(
    quote: str, old: Doc, start: int, first: int, new: Doc, ns: int, lo: int
) -> int:
    """New start: inside the first word as the quote starts inside its
    own, or before the non-word characters the quote starts with."""
    cut = start - old.wstart[first]
    if cut > 0:
        word = old.text[old.wstart[first] : old.wend[first]]
        if new.text[new.wstart[lo] : new.wend[lo]] == word:
            return ns + cut
        return ns
    lead = old.text[start : old.wstart[first]]
    if lead and new.text[max(0, ns - len(lead)) : ns] == lead:
        return ns - len(lead)
    return ns


def trail_edge(
    quote: str, old: Doc, end: int, last: int, new: Doc, ne: int, hi: int
) -> int:
    """New end, as `_lead` for the other edge."""
    cut = old.wend[last] - end
    if cut > 0:
        word = old.text[old.wstart[last] : old.wend[last]]
        if new.text[new.wstart[hi] : new.wend[hi]] == word:
            return ne - cut
        return ne
    trail = old.text[old.wend[last] : end]
    if trail and new.text[ne : ne + len(trail)] == trail:
        return ne + len(trail)
    return ne


def similarity(a: str, b: str) -> float:
    """Share of word characters two strings have in common (0..1): words
    aligned in order; a replaced word keeps its shared start and end."""
    if a == b:
        return 1.0
    wa = [w.lower() for w in _words(a)]
    wb = [w.lower() for w in _words(b)]
    total = sum(map(len, wa)) + sum(map(len, wb))
    if not total:
        return 0.0
    matched = 0
    last_a = last_b = 0
    for x, y, n in sequence_blocks(wa, wb):
        matched += sum(len(w) for w in wa[x : x + n])
        if x - last_a == y - last_b:  # word for word: typos, numbers
            for u, v in zip(wa[last_a:x], wb[last_b:y], strict=True):
                matched += _ends_shared(u, v)
        last_a, last_b = x + n, y + n
    return 2.0 * matched / total


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def _ends_shared(a: str, b: str) -> int:
    """Characters of a shared start plus a shared end of two words."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head + tail
