"""Finding an anchored passage in a new text: diff mapping, verbatim search
with context, and a bounded fuzzy search (helper of `anchor.py`)."""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

from cop_drafts.text._anchor_diff import WORD_RE, Alignment, TokenDiff, encode

# Context compared around candidates, per side (the stored anchor keeps 32).
CONTEXT = 32
# The old text is the true predecessor, so verbatim candidates may compare
# more old context than the anchor stores.
WIDE_CONTEXT = 256
# Verbatim candidates need this much evidence: quote length + agreeing
# context characters (each capped at 64) + bonuses below.
VERBATIM_EVIDENCE = 56
NEAR_BONUS = 32  # the candidate lies where the diff maps the quote
UNIQUE_BONUS = 16  # the quote occurs once in the new text
# Two verbatim candidates closer than this in evidence are a tie: orphan.
VERBATIM_MARGIN = 12
# Fuzzy candidates below this similarity to the quote are rejected.
SCORE_FLOOR = 0.5
# Occurrences examined per search pattern.
MAX_OCCURRENCES = 64
# Rarest quote words (and context words) that vote for candidate lines.
VOTING_WORDS = 16
VOTING_CONTEXT = 8
# Old words on each side of the quote used to align it in a new region.
CONTEXT_WORDS = 6
# A candidate line needs this share of the voting weight.
MIN_VOTE = 0.3
# Context score of a side where both spans meet a line break.
LINE_EDGE = 0.75
# New lines kept at least this much from other old text are no candidates.
KEPT_LINE = 0.8
# Quotes shorter than this (words or characters) are "short": they need
# more context agreement to be placed anywhere but where the diff maps them.
SHORT_WORDS = 4
SHORT_CHARS = 16

# Word offsets and lower-cased words of a stretch of text.
_Words = tuple[list[tuple[int, int]], list[str]]

_LEAD_RE = re.compile(r"^\W*")
_TRAIL_RE = re.compile(r"\W*$")


@dataclass(frozen=True, slots=True)
class Match:
    """Where a passage was found: status name, new offsets, similarity."""

    status: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    score: float
    context: float
    local: bool


@dataclass(frozen=True, slots=True)
class _Pattern:
    """Lower-cased words of a quote with a few words of context each side;
    the quote's own words are words[lo:hi]."""

    words: list[str]
    lo: int
    hi: int


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of `a` and `b` (binary search on slices)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str) -> int:
    """Length of the common suffix of `a` and `b`."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def similarity(a: str, b: str) -> float:
    """Share of characters `a` and `b` have in common, 0..1: a Dice index
    over a word-level alignment; inside replaced stretches, shared tokens
    count, and a replaced word keeps its shared start and end (typos)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    table: dict[str, int] = {}
    ids_a, pos_a = encode(a, table)
    ids_b, pos_b = encode(b, table)
    size = [0] * len(table)
    for token, ident in table.items():
        size[ident] = len(token)
    matched = 0
    for alo, ahi, blo, bhi, equal in TokenDiff(ids_a, ids_b, exact=False).run():
        if equal:
            matched += pos_a[ahi] - pos_a[alo]
            continue
        if alo == ahi or blo == bhi:
            continue
        if ahi - alo == bhi - blo:
            # Word for word (typos, renumbering): compare the tokens in pairs.
            for i, j in zip(range(alo, ahi), range(blo, bhi), strict=True):
                ta = a[pos_a[i] : pos_a[i + 1]]
                tb = b[pos_b[j] : pos_b[j + 1]]
                head = common_prefix(ta, tb)
                matched += head + common_suffix(ta[head:], tb[head:])
            continue
        shared = Counter(ids_a[alo:ahi]) & Counter(ids_b[blo:bhi])
        if shared:
            matched += sum(size[t] * n for t, n in shared.items())
        else:
            part_a, part_b = a[pos_a[alo] : pos_a[ahi]], b[pos_b[blo] : pos_b[bhi]]
            head = common_prefix(part_a, part_b)
            matched += head + common_suffix(part_a[head:], part_b[head:])
    return 2.0 * matched / (len(a) + len(b))


def _word_weights(text: str) -> dict[str, int]:
    return {w: len(w) for w in WORD_RE.findall(text.lower())}


def context_similarity(a: str, b: str) -> float:
    """Cheap likeness of two short contexts: shared characters at the
    boundary side or shared words (by length), whichever is larger."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    wa, wb = _word_weights(a), _word_weights(b)
    total = sum(wa.values()) + sum(wb.values())
    shared = sum(wa[w] for w in wa.keys() & wb.keys())
    return 2.0 * shared / total if total else 0.0


def _lcs_chain(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Longest common subsequence of word lists as (i, j) pairs
    (Hunt-Szymanski: cost grows with matching pairs, not len(a) * len(b))."""
    where: dict[str, list[int]] = {}
    for i, word in enumerate(a):
        where.setdefault(word, []).append(i)
    tails: list[int] = []
    nodes: list[int] = []
    links: list[tuple[int, int, int]] = []
    for j, word in enumerate(b):
        for i in reversed(where.get(word, ())):
            k = bisect_left(tails, i)
            links.append((i, j, nodes[k - 1] if k else -1))
            if k == len(tails):
                tails.append(i)
                nodes.append(len(links) - 1)
            else:
                tails[k] = i
                nodes[k] = len(links) - 1
    chain: list[tuple[int, int]] = []
    node = nodes[-1] if nodes else -1
    while node >= 0:
        i, j, node = links[node]
        chain.append((i, j))
    chain.reverse()
    return chain


def _best_cluster(
    chain: list[tuple[int, int]], pattern: _Pattern
) -> list[tuple[int, int]]:
    """The densest run of the chain: split where the new text jumps far
    ahead of the pattern; weigh quote words double."""
    clusters: list[list[tuple[int, int]]] = []
    for pair in chain:
        if clusters:
            pi, pj = clusters[-1][-1]
            if (pair[1] - pj) - (pair[0] - pi) > 3 + (pair[0] - pi) // 2:
                clusters.append([pair])
                continue
            clusters[-1].append(pair)
        else:
            clusters.append([pair])

    def weight(cluster: list[tuple[int, int]]) -> int:
        return sum(
            len(pattern.words[i]) * (2 if pattern.lo <= i < pattern.hi else 1)
            for i, _ in cluster
        )

    return max(clusters, key=weight) if clusters else []


def _fit(pattern: _Pattern, region: list[str]) -> tuple[int, int, int] | None:
    """First and last region word of the quote, by aligning the pattern, and
    the characters of quote words found there."""
    cluster = _best_cluster(_lcs_chain(pattern.words, region), pattern)
    inside = [p for p in cluster if pattern.lo <= p[0] < pattern.hi]
    before = [p for p in cluster if p[0] < pattern.lo]
    after = [p for p in cluster if p[0] >= pattern.hi]
    if inside:
        first = inside[0][1] - (inside[0][0] - pattern.lo)
        last = inside[-1][1] + (pattern.hi - 1 - inside[-1][0])
    elif before and after:
        first, last = before[-1][1] + 1, after[0][1] - 1
    else:
        return None
    # Context words found right next to the quote fix its boundaries.
    if before and (before[-1][0] == pattern.lo - 1 or before[-1][1] >= first):
        first = before[-1][1] + 1
    if after and (after[0][0] == pattern.hi or after[0][1] <= last):
        last = after[0][1] - 1
    first, last = max(first, 0), min(last, len(region) - 1)
    found = sum(len(pattern.words[i]) for i, _ in inside)
    return (first, last, found) if first <= last else None


def _shingles(words: list[str]) -> list[str]:
    """Words and word pairs: pairs tell passages apart, words survive edits."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class _WordIndex:
    """Which lines of a text contain which lower-cased words and word pairs."""

    __slots__ = ("lines", "count", "common")

    def __init__(self, text: str, skip: set[int]) -> None:
        self.lines: dict[str, list[int]] = {}
        all_lines = text.lower().split("\n")
        for number, line in enumerate(all_lines):
            if number in skip:
                continue
            for key in set(_shingles(WORD_RE.findall(line))):
                self.lines.setdefault(key, []).append(number)
        self.count = len(all_lines)
        self.common = max(24, self.count // 40)

    def vote(self, pattern: _Pattern, limit: int) -> list[int]:
        """Up to `limit` lines sharing the most rare pattern shingles."""
        quote = _shingles(pattern.words[pattern.lo : pattern.hi])
        context = set(_shingles(pattern.words)) - set(quote)
        weights: dict[str, float] = {}
        for keys, keep, factor in (
            (quote, VOTING_WORDS, 1.0),
            (context, VOTING_CONTEXT, 0.5),
        ):
            known = sorted((len(self.lines.get(k, ())), k) for k in set(keys))
            for df, key in known[:keep]:
                if df > self.common:
                    break  # too common to point at a passage (and slow to count)
                weight = factor * math.log(1.0 + self.count / max(df, 1))
                weights[key] = max(weights.get(key, 0.0), weight)
        total = sum(weights.values())
        votes: dict[int, float] = {}
        get = votes.get
        for key, weight in weights.items():
            for line in self.lines.get(key, ()):
                votes[line] = get(line, 0.0) + weight
        floor = MIN_VOTE * total
        best = heapq.nsmallest(
            limit, ((-v, line) for line, v in votes.items() if v >= floor)
        )
        return [line for _, line in best]


class Locator:
    """Relocates spans of `old` in `new`; build once per pair of texts."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self.alignment = Alignment(old, new)
        self._index: _WordIndex | None = None
        self._line_starts: list[int] | None = None
        self._regions: dict[tuple[int, int], _Words] = {}

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

    def locate(self, start: int, end: int) -> Match | None:
        """Best place of old [start, end) in the new text, or None (orphan)."""
        if self.old == self.new:
            return Match("exact", start, end, 1.0)
        if start == end:
            return self._locate_point(start)
        ms = self.alignment.map_start(start)
        me = max(ms, self.alignment.map_end(end))
        found = self._exact(start, end, ms, me)
        if found is not None:
            return found
        mapped = self._mapped(start, end, ms, me)
        if mapped is not None and mapped.score >= 0.75 and mapped.context >= 0.5:
            return Match("fuzzy", mapped.start, mapped.end, mapped.score)
        found, ambiguous = self._verbatim(start, end, ms, me)
        if found is not None or ambiguous:
            return found
        return self._fuzzy(start, end, ms, me, mapped)

    # -- context -----------------------------------------------------------

    def _agree(
        self, start: int, end: int, ns: int, ne: int, width: int
    ) -> tuple[int, int]:
        """Characters of old context (each side, up to `width`) that agree
        around new [ns, ne); reaching the edge of both texts counts full."""
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

    def _context_similarity(self, start: int, end: int, ns: int, ne: int) -> float:
        """Mean similarity of old and new context on both sides of a span."""
        old, new = self.old, self.new
        agree_before, agree_after = self._agree(start, end, ns, ne, CONTEXT)
        if agree_before >= min(CONTEXT, start):
            before = 1.0
        else:
            before = max(
                agree_before / CONTEXT,
                context_similarity(
                    old[max(0, start - CONTEXT) : start], new[max(0, ns - CONTEXT) : ns]
                ),
            )
        if agree_after >= min(CONTEXT, len(old) - end):
            after = 1.0
        else:
            after = max(
                agree_after / CONTEXT,
                context_similarity(old[end : end + CONTEXT], new[ne : ne + CONTEXT]),
            )
        # A passage that starts (ends) a line in both texts agrees on that
        # side even when its neighbours changed: paragraphs move whole.
        if old[start - 1 : start] == "\n" and new[ns - 1 : ns] == "\n":
            before = max(before, LINE_EDGE)
        if old[end : end + 1] == "\n" and new[ne : ne + 1] == "\n":
            after = max(after, LINE_EDGE)
        return (before + after) / 2

    def _taken(self, start: int, end: int, ns: int, ne: int) -> bool:
        """Whether most of new [ns, ne) is the diff's counterpart of other old
        text: then it descends from that text, not from old [start, end)."""
        kept = self.alignment.kept_elsewhere(ns, ne, start, end)
        return kept * 2 > max(1, ne - ns)

    # -- stages ------------------------------------------------------------

    def _exact(self, start: int, end: int, ms: int, me: int) -> Match | None:
        """The diff maps the span onto identical text with agreeing context."""
        if me - ms != end - start or self.new[ms:me] != self.old[start:end]:
            return None
        before, after = self._agree(start, end, ms, me, CONTEXT)
        if end - start + before + after >= 16:
            return Match("exact", ms, me, 1.0)
        return None

    def _mapped(self, start: int, end: int, ms: int, me: int) -> _Candidate | None:
        """The mapped span as a candidate, when both ends map exactly."""
        segments = self.alignment.segments
        first = segments[self.alignment.segment_at(start)]
        last = segments[self.alignment.segment_at(end - 1)]
        if not (first.equal or first.old_start == start):
            return None
        if not (last.equal or last.old_end == end) or me <= ms:
            return None
        if (end - start) + (me - ms) > 4000:
            # Long spans: count what the diff kept rather than re-diffing.
            kept = self.alignment.equal_chars(start, end)
            score = 2.0 * kept / ((end - start) + (me - ms))
        else:
            score = similarity(self.old[start:end], self.new[ms:me])
        context = self._context_similarity(start, end, ms, me)
        return _Candidate(ms, me, score, context, True)

    def _local_region(self, start: int, end: int, ms: int, me: int) -> tuple[int, int]:
        """New range the diff gives old [start, end): between the nearest
        equal stretches around it, bounded to a few quote lengths."""
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

    def _verbatim(
        self, start: int, end: int, ms: int, me: int
    ) -> tuple[Match | None, bool]:
        """The quote found word for word; second item: an unresolvable tie."""
        old, new = self.old, self.new
        quote = old[start:end]
        count = new.count(quote)
        if not count:
            return None, False
        lo, hi = self._local_region(start, end, ms, me)
        places = set(_occurrences(new, quote, lo - len(quote), hi + len(quote)))
        if count <= MAX_OCCURRENCES and (len(quote) >= 40 or count <= 4):
            places.update(_occurrences(new, quote, 0, len(new)))
        else:
            pre = old[max(0, start - 8) : start]
            post = old[end : end + 8]
            found = _occurrences(new, pre + quote, 0, len(new))
            places.update(p + len(pre) for p in found)
            places.update(_occurrences(new, quote + post, 0, len(new)))
        scored = []
        for place in places:
            if self._taken(start, end, place, place + len(quote)):
                continue
            before, after = self._agree(
                start, end, place, place + len(quote), WIDE_CONTEXT
            )
            if len(quote) < SHORT_CHARS and not self._short_ok(
                start, end, place, before, after
            ):
                continue  # a short quote is placed by its context or not at all
            near = lo <= place + len(quote) and place <= hi
            evidence = (
                min(before, 2 * CONTEXT)
                + min(after, 2 * CONTEXT)
                + min(len(quote), 2 * CONTEXT)
                + (NEAR_BONUS if near else 0)
                + (UNIQUE_BONUS if count == 1 else 0)
            )
            scored.append((evidence, before + after, place))
        scored.sort(reverse=True)
        if not scored or scored[0][0] < VERBATIM_EVIDENCE:
            return None, False
        best = scored[0]
        if len(scored) > 1:
            second = scored[1]
            close = second[0] > best[0] - VERBATIM_MARGIN
            if (
                second[0] >= VERBATIM_EVIDENCE
                and close
                and second[1] > best[1] - VERBATIM_MARGIN
            ):
                return None, True
        place = best[2]
        status = "exact" if place < me and place + len(quote) > ms else "moved"
        return Match(status, place, place + len(quote), 1.0), False

    def _short_ok(
        self, start: int, end: int, place: int, before: int, after: int
    ) -> bool:
        """Whether a short quote's context agrees enough on both sides (a
        line boundary in both texts counts as agreement on that side)."""
        old, new = self.old, self.new
        place_end = place + end - start
        if old[start - 1 : start] == "\n" and new[place - 1 : place] == "\n":
            before = max(before, 8)
        if old[end : end + 1] == "\n" and new[place_end : place_end + 1] == "\n":
            after = max(after, 8)
        return min(before, after) >= 4 and before + after >= 24

    def _pattern(self, start: int, end: int) -> _Pattern:
        """The quote's words with up to CONTEXT_WORDS old words each side."""
        old = self.old
        # Context stays on the quote's own lines: neighbouring paragraphs
        # need not travel with it.
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
        return _Pattern(before + quote + after, len(before), len(before) + len(quote))

    def _fuzzy(
        self, start: int, end: int, ms: int, me: int, mapped: _Candidate | None
    ) -> Match | None:
        """A reworded passage: near the mapped place, else in voted lines."""
        quote = self.old[start:end]
        pattern = self._pattern(start, end)
        short = pattern.hi - pattern.lo < SHORT_WORDS or len(quote) < SHORT_CHARS
        lo, hi = self._local_region(start, end, ms, me)
        candidates: list[_Candidate] = []
        if mapped is not None:
            # Both ends map exactly: the mapped span is the local answer, and
            # a part of it is no better when the whole is too different.
            best = _pick([mapped], short)
            if best is not None:
                return Match("fuzzy", best.start, best.end, best.score)
            lo, hi = min(lo, mapped.start), max(hi, mapped.end)
        if sum(len(w) for w in pattern.words[pattern.lo : pattern.hi]) < 4:
            return None  # too little text ("2.", "(b)") to recognise elsewhere
        else:
            local = self._fit_region(start, end, pattern, lo, hi, local=True)
            if local is not None:
                candidates.append(local)
            best = _pick(candidates, short)
            if best is not None and best.score >= 0.8:
                return Match("fuzzy", best.start, best.end, best.score)
        if pattern.hi > pattern.lo:
            for region in self._voted_regions(quote, pattern, lo, hi):
                found = self._fit_region(start, end, pattern, *region, local=False)
                if found is not None:
                    candidates.append(found)
            best = _pick(candidates, short)
        if best is None:
            return None
        return Match("fuzzy", best.start, best.end, best.score)

    def _fit_region(
        self, start: int, end: int, pattern: _Pattern, lo: int, hi: int, local: bool
    ) -> _Candidate | None:
        """The best span for the pattern inside new [lo, hi), as a candidate."""
        spans, region = self._words(lo, hi, cache=not local)
        fitted = _fit(pattern, region)
        if fitted is None:
            return None
        first, last, found = fitted
        if pattern.hi - pattern.lo >= SHORT_WORDS:
            # Too few quote words there to reach the floor: skip the diff.
            wanted = sum(len(w) for w in pattern.words[pattern.lo : pattern.hi])
            there = sum(len(w) for w in region[first : last + 1])
            if 2.0 * found < 0.8 * SCORE_FLOOR * (wanted + there):
                return None
        ns, ne = spans[first][0], spans[last][1]
        ns, ne = _keep_edges(self.old[start:end], self.new, ns, ne)
        if not local and self._taken(start, end, ns, ne):
            return None
        score = similarity(self.old[start:end], self.new[ns:ne])
        context = self._context_similarity(start, end, ns, ne)
        return _Candidate(ns, ne, score, context, local)

    def _words(self, lo: int, hi: int, cache: bool) -> _Words:
        """Word offsets and lower-cased words of new [lo, hi) (lines cached:
        many anchors vote for the same lines)."""
        found = self._regions.get((lo, hi)) if cache else None
        if found is None:
            spans = [m.span() for m in WORD_RE.finditer(self.new, lo, hi)]
            text = self.new
            found = (spans, [text[a:b].lower() for a, b in spans])
            if cache:
                self._regions[(lo, hi)] = found
        return found

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

    def _voted_regions(
        self, quote: str, pattern: _Pattern, lo: int, hi: int
    ) -> list[tuple[int, int]]:
        """New ranges (whole lines) that share the most rare words."""
        if self._index is None:
            self._index = _WordIndex(self.new, self._kept_lines())
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

    def _locate_point(self, pos: int) -> Match | None:
        """An empty span is known only by its context: relocate that."""
        old, new = self.old, self.new
        prefix = old[max(0, pos - CONTEXT) : pos]
        suffix = old[pos : pos + CONTEXT]
        if not prefix and not suffix:
            return None
        mapped = self.alignment.map_start(pos)
        before, after = self._agree(pos, pos, mapped, mapped, CONTEXT)
        if before >= len(prefix) and after >= len(suffix):
            return Match("exact", mapped, mapped, 1.0)
        places = _occurrences(new, prefix + suffix, 0, len(new))
        if len(places) == 1:
            place = places[0] + len(prefix)
            return Match("moved", place, place, 1.0)
        agreed = min(before, len(prefix)) + min(after, len(suffix))
        if not places and (before >= 8 or after >= 8):
            return Match("fuzzy", mapped, mapped, agreed / (len(prefix) + len(suffix)))
        return None


def _keep_edges(quote: str, text: str, ns: int, ne: int) -> tuple[int, int]:
    """Widen [ns, ne) by the quote's leading/trailing non-word characters
    where the new text has them too."""
    lead = _LEAD_RE.search(quote)
    if (
        lead
        and lead.group()
        and text[max(0, ns - len(lead.group())) : ns] == lead.group()
    ):
        ns -= len(lead.group())
    trail = _TRAIL_RE.search(quote)
    if trail and trail.group() and text[ne : ne + len(trail.group())] == trail.group():
        ne += len(trail.group())
    return ns, ne


def _occurrences(text: str, pattern: str, lo: int, hi: int) -> list[int]:
    """Start offsets of `pattern` within text[lo:hi], at most MAX_OCCURRENCES."""
    found: list[int] = []
    if not pattern:
        return found
    pos = text.find(pattern, max(lo, 0), hi)
    while pos >= 0 and len(found) < MAX_OCCURRENCES:
        found.append(pos)
        pos = text.find(pattern, pos + 1, hi)
    return found


def _pick(candidates: list[_Candidate], short: bool) -> _Candidate | None:
    """The acceptable candidate with the best score; None on a close tie."""
    good = []
    for c in candidates:
        if c.score < SCORE_FLOOR:
            continue
        if c.local:
            ok = c.context >= (0.5 if short else 0.25) or (not short and c.score >= 0.7)
        else:
            ok = c.score >= (0.7 if short else 0.6) and c.context >= (
                0.6 if short else 0.4
            )
            ok = ok or (not short and c.score >= 0.8)
        if ok:
            good.append(c)
    if not good:
        return None
    good.sort(key=lambda c: (c.score + 0.5 * c.context, c.local), reverse=True)
    best = good[0]
    for other in good[1:]:
        overlaps = other.start < best.end and best.start < other.end
        if (
            not overlaps
            and other.score + 0.5 * other.context
            > best.score + 0.5 * best.context - 0.1
        ):
            return None
    return best
