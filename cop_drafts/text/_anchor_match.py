"""Finding an anchored passage in a new text, stage by stage: the diff-mapped
span, the verbatim quote with context, then a bounded fuzzy search near the
mapped place and in candidate lines (helper of `anchor.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from cop_drafts.text._anchor_index import QuoteFinder
from cop_drafts.text._anchor_pair import CONTEXT, TextPair
from cop_drafts.text._anchor_text import (
    MAX_OCCURRENCES,
    Pattern,
    fit,
    keep_edges,
    line_end,
    line_ends_at,
    line_starts_at,
    occurrences,
    similarity,
    word_similarity,
)

# The old text is the true predecessor, so verbatim candidates may compare
# more old context than the anchor stores.
WIDE_CONTEXT = 256
# Verbatim candidates need this much evidence: agreeing context characters
# and quote length (each capped at 64) plus the bonuses below.
VERBATIM_EVIDENCE = 56
NEAR_BONUS = 32  # the candidate lies where the diff maps the quote
UNIQUE_BONUS = 16  # the quote occurs once in the new text
# Two verbatim candidates closer than this in evidence are a tie: orphan.
VERBATIM_MARGIN = 12
# Fuzzy candidates below this similarity to the quote are rejected.
SCORE_FLOOR = 0.5
# A fit is not scored when the quote words it finds are below this share
# of the quote's and the fitted span's words (words leave out spaces and
# punctuation: some slack below SCORE_FLOOR).
FIT_FLOOR = 0.8 * SCORE_FLOOR
# The span the diff maps exactly, with this much of its context, is
# accepted down to a lower similarity (it is the same place, reworded).
MAPPED_FLOOR = 0.35
MAPPED_CONTEXT = 0.75
# A mapped span at least this similar, with this much context, is taken
# at once (before looking for the verbatim quote elsewhere).
MAPPED_SURE = 0.75
MAPPED_SURE_CONTEXT = 0.5
# A short quote found away from its mapped place needs its paragraph to
# share this much (words) with the old one: stock phrases recur.
SAME_PARAGRAPH = 0.5
# Quotes shorter than this (words or characters) are "short": they need
# more context agreement to be placed anywhere but where the diff maps them.
SHORT_WORDS = 4
SHORT_CHARS = 16


@dataclass(frozen=True, slots=True)
class Match:
    """Where a passage was found: status name, new offsets, similarity."""

    status: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A possible new span: similarity to the quote and to its context;
    `local` when it lies where the diff maps the quote."""

    start: int
    end: int
    score: float
    context: float
    local: bool
    mapped: bool = False


class Locator(TextPair):
    """Relocates spans of `old` in `new`; build once per pair of texts."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(old, new)
        self._finder: QuoteFinder | None = None

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
        if (
            mapped is not None
            and self._tight(mapped, start, end)
            and mapped.score >= MAPPED_SURE
            and mapped.context >= MAPPED_SURE_CONTEXT
        ):
            return Match("fuzzy", mapped.start, mapped.end, mapped.score)
        found, ambiguous = self._verbatim(start, end, ms, me)
        if found is not None or ambiguous:
            return found
        found = self._fuzzy(start, end, ms, me, mapped)
        if (
            found is not None
            and self.new[found.start : found.end] == self.old[start:end]
        ):
            # Found by its words, but word for word the same: say so.
            status = "exact" if found.start < me and found.end > ms else "moved"
            return Match(status, found.start, found.end, 1.0)
        return found

    # -- the diff ------------------------------------------------------------

    def _exact(self, start: int, end: int, ms: int, me: int) -> Match | None:
        """The diff maps the span onto identical text, and some context
        agrees (a lone short word kept amid a rewrite is no anchor)."""
        if me - ms != end - start or self.new[ms:me] != self.old[start:end]:
            return None
        before, after = self.agree(start, end, ms, me, CONTEXT)
        if end - start + before + after >= 16:
            return Match("exact", ms, me, 1.0)
        return None

    def _mapped(self, start: int, end: int, ms: int, me: int) -> _Candidate | None:
        """The mapped span as a candidate, when both ends map exactly (not
        interpolated inside replaced text)."""
        segments = self.alignment.segments
        first = segments[self.alignment.segment_at(start)]
        last = segments[self.alignment.segment_at(end - 1)]
        if not (first.equal or first.old_start == start):
            return None
        if not (last.equal or last.old_end == end) or me <= ms:
            return None
        size = (end - start) + (me - ms)
        if 2.0 * min(end - start, me - ms) < MAPPED_FLOOR * size:
            score = 2.0 * min(end - start, me - ms) / size  # bound: cannot pass
        elif size > 4000:
            # Long spans: count what the diff kept rather than re-diffing.
            score = 2.0 * self.alignment.equal_chars(start, end) / size
        else:
            score = similarity(self.old[start:end], self.new[ms:me])
        if score < MAPPED_FLOOR:
            return _Candidate(ms, me, score, 0.0, True, mapped=True)
        context = self.context_similarity(start, end, ms, me)
        return _Candidate(ms, me, score, context, True, mapped=True)

    def _candidate(
        self, start: int, end: int, ns: int, ne: int, score: float, local: bool
    ) -> _Candidate:
        """A candidate, with its context measured only when it could pass."""
        if score < SCORE_FLOOR:
            return _Candidate(ns, ne, score, 0.0, local)
        return _Candidate(
            ns, ne, score, self.context_similarity(start, end, ns, ne), local
        )

    # -- the verbatim quote ----------------------------------------------------

    def _verbatim(
        self, start: int, end: int, ms: int, me: int
    ) -> tuple[Match | None, bool]:
        """The quote found word for word elsewhere, chosen by its context;
        second item: True for a tie between copies (then orphan)."""
        quote = self.old[start:end]
        found = self._find(quote)
        if not found:
            return None, False
        count = len(found)  # capped at MAX_OCCURRENCES + 1
        lo, hi = self.local_region(start, end, ms, me)
        scored = self._scored(start, end, self._places(start, end, found, lo, hi))
        for i, (evidence, agreed, place) in enumerate(scored):
            near = lo <= place + len(quote) and place <= hi
            bonus = (NEAR_BONUS if near else 0) + (UNIQUE_BONUS if count == 1 else 0)
            scored[i] = (evidence + bonus, agreed, place)
        scored.sort(reverse=True)
        if not scored or scored[0][0] < VERBATIM_EVIDENCE:
            return None, False
        best = scored[0]
        if len(scored) > 1 and _tie(best, scored[1]):
            return None, True
        place = best[2]
        near = lo <= place + len(quote) and place <= hi
        if len(quote) < 40 and not near and not self._same_paragraph(start, place):
            return None, False  # a stock phrase in another passage
        status = "exact" if place < me and place + len(quote) > ms else "moved"
        return Match(status, place, place + len(quote), 1.0), False

    def _scored(
        self, start: int, end: int, places: set[int]
    ) -> list[tuple[int, int, int]]:
        """(evidence, agreeing context, place) of each usable occurrence:
        context and quote length, each capped; none for text descending from
        other old text, nor for a short quote without context both sides."""
        size = end - start
        scored = []
        for place in places:
            if self.taken(start, end, place, place + size):
                continue
            before, after = self.agree(start, end, place, place + size, WIDE_CONTEXT)
            if size < SHORT_CHARS and not self._short_ok(
                start, end, place, before, after
            ):
                continue  # a short quote is placed by its context or not at all
            evidence = (
                min(before, 2 * CONTEXT)
                + min(after, 2 * CONTEXT)
                + min(size, 2 * CONTEXT)
            )
            scored.append((evidence, before + after, place))
        return scored

    def _find(self, quote: str) -> list[int]:
        """Offsets of `quote` in the new text, at most MAX_OCCURRENCES + 1
        (the new text's words are indexed once, for all quotes)."""
        if self._finder is None:
            self._finder = QuoteFinder(self.new)
        return self._finder.find(quote, MAX_OCCURRENCES + 1)

    def _places(
        self, start: int, end: int, found: list[int], lo: int, hi: int
    ) -> set[int]:
        """Occurrences worth scoring: those near the mapped place, and all of
        them when few, else those with a few agreeing context characters."""
        old, new = self.old, self.new
        size = end - start
        pre, post = old[max(0, start - 8) : start], old[end : end + 8]
        if len(found) <= MAX_OCCURRENCES:
            if size >= 40 or len(found) <= 4:
                return set(found)
            return {
                p
                for p in found
                if lo - size <= p <= hi
                or new[max(0, p - len(pre)) : p] == pre
                or new[p + size : p + size + len(post)] == post
            }
        # Too many to look at all: those near, and those with some context.
        places = set(occurrences(new, old[start:end], lo - size, hi + size))
        places.update(
            p + len(pre) for p in occurrences(new, pre + old[start:end], 0, len(new))
        )
        places.update(occurrences(new, old[start:end] + post, 0, len(new)))
        return places

    def _same_paragraph(self, start: int, place: int) -> bool:
        """Whether the old line holding `start` and the new line holding
        `place` share enough words to be versions of one paragraph."""
        old, new = self.old, self.new
        old_line = old[old.rfind("\n", 0, start) + 1 : line_end(old, start)]
        new_line = new[new.rfind("\n", 0, place) + 1 : line_end(new, place)]
        return word_similarity(old_line, new_line) >= SAME_PARAGRAPH

    def _short_ok(
        self, start: int, end: int, place: int, before: int, after: int
    ) -> bool:
        """Whether a short quote's context agrees enough on both sides (a
        line boundary in both texts counts as agreement on that side)."""
        old, new = self.old, self.new
        place_end = place + end - start
        if line_starts_at(old, start) and line_starts_at(new, place):
            before = max(before, 8)
        if line_ends_at(old, end) and line_ends_at(new, place_end):
            after = max(after, 8)
        return min(before, after) >= 4 and before + after >= 24

    # -- reworded passages -------------------------------------------------------

    def _fuzzy(
        self, start: int, end: int, ms: int, me: int, mapped: _Candidate | None
    ) -> Match | None:
        """A reworded passage: the mapped span, else the best fit near the
        mapped place or in candidate lines elsewhere."""
        quote = self.old[start:end]
        pattern = self.pattern(start, end)
        short = pattern.hi - pattern.lo < SHORT_WORDS or len(quote) < SHORT_CHARS
        lo, hi = self.local_region(start, end, ms, me)
        candidates: list[_Candidate] = []
        search_near = True
        if mapped is not None:
            lo, hi = min(lo, mapped.start), max(hi, mapped.end)
            if self._tight(mapped, start, end):
                # Both ends map exactly: the mapped span is the local answer,
                # and a part of it is no better when the whole is too different.
                best = _pick([mapped], short)
                if best is not None:
                    return Match("fuzzy", best.start, best.end, best.score)
                search_near = False
            else:
                candidates.append(mapped)  # grown by paragraphs: compare fits
        if sum(len(w) for w in pattern.quote_words()) < 4:
            return None  # too little text ("2.", "(b)") to recognise elsewhere
        if search_near:
            local = self._fit_region(start, end, pattern, lo, hi, local=True)
            if local is not None:
                candidates.append(local)
                best = _pick(candidates, short)
                if best is not None and best.score >= 0.8:
                    return Match("fuzzy", best.start, best.end, best.score)
        for region in self.voted_regions(quote, pattern, lo, hi):
            found = self._fit_region(start, end, pattern, *region, local=False)
            if found is not None:
                candidates.append(found)
        best = _pick(candidates, short)
        if best is None:
            return None
        return Match("fuzzy", best.start, best.end, best.score)

    def _tight(self, mapped: _Candidate, start: int, end: int) -> bool:
        """Whether the mapped span is about the quote's size or holds no more
        line breaks: else other paragraphs moved into it, and the quote may
        be a part of it (a split paragraph only adds breaks)."""
        if mapped.end - mapped.start <= 1.25 * (end - start) + 8:
            return True
        lines = self.new.count("\n", mapped.start, mapped.end)
        return lines <= self.old.count("\n", start, end)

    def _fit_region(
        self, start: int, end: int, pattern: Pattern, lo: int, hi: int, local: bool
    ) -> _Candidate | None:
        """The best span for the pattern inside new [lo, hi), as a candidate."""
        spans, region = self.words(lo, hi, cache=not local)
        checked = pattern.hi - pattern.lo >= SHORT_WORDS
        if checked:
            wanted = sum(len(w) for w in pattern.quote_words())
            # The fit finds at most the quote words the region has (`most`)
            # and spans at least what it finds: then 2 * found <= (2 - floor)
            # * most + floor * there, and when that is below the check after
            # the fit, the check fails whatever the fit (a margin for rounding).
            present = set(region)
            most = sum(len(w) for w in pattern.quote_words() if w in present)
            if (2.0 - FIT_FLOOR) * most + 0.01 < FIT_FLOOR * wanted:
                return None
        fitted = fit(pattern, region)
        if fitted is None:
            return None
        first, last, found = fitted
        if checked:
            # Too few quote words there to reach the floor: skip the scoring.
            there = sum(len(w) for w in region[first : last + 1])
            if 2.0 * found < FIT_FLOOR * (wanted + there):
                return None
        quote = self.old[start:end]
        ns, ne = keep_edges(quote, self.new, spans[first][0], spans[last][1])
        if not local and self.taken(start, end, ns, ne):
            return None
        return self._candidate(
            start, end, ns, ne, similarity(quote, self.new[ns:ne]), local
        )

    # -- empty spans ---------------------------------------------------------------

    def _locate_point(self, pos: int) -> Match | None:
        """An empty span is known only by its context: relocate that."""
        old, new = self.old, self.new
        prefix = old[max(0, pos - CONTEXT) : pos]
        suffix = old[pos : pos + CONTEXT]
        if not prefix and not suffix:
            return None
        mapped = self.alignment.map_start(pos)
        before, after = self.agree(pos, pos, mapped, mapped, CONTEXT)
        if before >= len(prefix) and after >= len(suffix):
            return Match("exact", mapped, mapped, 1.0)
        places = occurrences(new, prefix + suffix, 0, len(new))
        if len(places) == 1:
            place = places[0] + len(prefix)
            return Match("moved", place, place, 1.0)
        before, after = min(before, len(prefix)), min(after, len(suffix))
        if not places and max(before, after) >= 8:
            # One side of the context is still there: the point is nearby.
            score = (before + after) / (len(prefix) + len(suffix))
            return Match("fuzzy", mapped, mapped, score)
        return None


def _tie(best: tuple[int, int, int], second: tuple[int, int, int]) -> bool:
    """Whether two scored verbatim candidates are too close to choose."""
    return (
        second[0] >= VERBATIM_EVIDENCE
        and second[0] > best[0] - VERBATIM_MARGIN
        and second[1] > best[1] - VERBATIM_MARGIN
    )


def _acceptable(c: _Candidate, short: bool) -> bool:
    """Whether a fuzzy candidate is similar enough, with enough context.
    Away from the mapped place the bar is higher: a wrong attachment is
    worse than an orphan."""
    if c.mapped and c.score >= MAPPED_FLOOR and c.context >= MAPPED_CONTEXT:
        return True  # the very span the diff maps, in its old surroundings
    if c.score < SCORE_FLOOR:
        return False
    if c.local:
        return c.context >= (0.5 if short else 0.25) or (not short and c.score >= 0.7)
    if short:
        return c.score >= 0.7 and c.context >= 0.6
    return (c.score >= 0.6 and c.context >= 0.4) or c.score >= 0.8


def _pick(candidates: list[_Candidate], short: bool) -> _Candidate | None:
    """The acceptable candidate with the best score; None on a close tie
    between candidates at different places."""
    good = [c for c in candidates if _acceptable(c, short)]
    if not good:
        return None

    def rank(c: _Candidate) -> float:
        return c.score + 0.5 * c.context

    good.sort(key=lambda c: (rank(c), c.local), reverse=True)
    best = good[0]
    for other in good[1:]:
        apart = other.start >= best.end or best.start >= other.end
        if apart and rank(other) > rank(best) - 0.1:
            return None
    return best
