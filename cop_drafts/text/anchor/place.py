"""Placing a passage of the old text in the new one: through the new
unit(s) of each old unit it covers, word by word, then checking that
enough of the passage is there (helper of `anchor`)."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from cop_drafts.text.anchor.align import UnitAlignment
from cop_drafts.text.anchor.unique import UniqueWords
from cop_drafts.text.anchor.units import Doc, same_kind
from cop_drafts.text.anchor.words import (
    Match,
    WordMap,
    common_prefix,
    common_suffix,
    context_match,
    lead_edge,
    similarity,
    trail_edge,
)
from cop_drafts.text.sequence import sequence_blocks

# Share of the passage's content (idf-weighted) that must be found in the
# new span, unless the passage is most of a unit that was aligned.
KEPT = 0.5
WHOLE_UNIT = 0.8
# A reworded part of a unit is still placed with this share of its content
# kept when its unit is aligned this well. With a quarter kept, a clause
# whose duty was replaced by another (its rare words all gone, only the
# body it was owed to left) landed on the new duty.
SURE_UNIT = 0.5
KEPT_SURE = 0.4
LEAST = 0.3
# Below this similarity nothing is the passage; a whole unit whose
# alignment is this sure is placed whatever its words.
FLOOR_SCORE = 0.1
WHOLE_SURE = 0.3
# A passage that is most of its unit needs less of its words kept.
MOST_UNIT = 0.5
KEPT_MOST = 0.2
# A passage this much of a unit whose words went apart lands on the whole
# new unit.
REWORDED_UNIT = 0.65
# Words a sentence may have grown by at its end and still be the passage
# (at least; or as many as the passage has).
GROWTH = 6
# A quote this short is placed on its characters or its slot alone.
SHORT_QUOTE = 24
# A new span this similar to the quote (characters of words) is it.
ALIKE = 0.75
# New words allowed between the images of two units of one passage.
GAP_WORDS = 40
# Quotes found word for word elsewhere need this many characters.
VERBATIM_CHARS = 30
VERBATIM_WORDS = 3
# Shorter quotes found elsewhere need this much agreeing context.
VERBATIM_ALONE = 60
VERBATIM_CONTEXT = 16
VERBATIM_SIDE = 4
# Context compared around a quote found word for word elsewhere.
CONTEXT = 32
# Units looked at on each side of an orphan for where its neighbourhood went.
NEAR_UNITS = 12
# A passage of this many words whose words are nearly all, in order, in one
# new unit (a clause moved into another sentence, a word changed on the
# way) is there, when no other unit of either text holds them so well.
NEAR_WORDS = 6
NEAR_KEPT = 0.75
NEAR_MARGIN = 0.25
# ... and when those of its rarest words that a unit must hold are in at
# most this many units each.
NEAR_POSTINGS = 12


@dataclass(frozen=True, slots=True)
class _Piece:
    """The image of the part of a passage inside one old unit."""

    first: int  # new word indexes, inclusive
    last: int
    kept: float  # content weight of the passage found there
    weight: float  # content weight of the passage part
    unit: int
    in_place: bool
    bounded: bool = False  # the words just around it kept their partners


class Placer:
    """Relocates passages of `old` in `new`; built once per pair of texts."""

    def __init__(self, old: Doc, new: Doc) -> None:
        self.old = old
        self.new = new
        self.units = UnitAlignment(old, new)
        self._maps: dict[int, WordMap | None] = {}
        self._indexes: dict[bool, _StemIndex] = {}
        self._unique: UniqueWords | None = None
        self._new_pairs = frozenset(zip(new.lower, new.lower[1:], strict=False))
        self._titles = {unit: title for unit, _, title in new.headings}

    @property
    def new_text(self) -> str:
        """The new text."""
        return self.new.text

    def lines(self, start: int, end: int) -> tuple[int, int]:
        """1-based lines of new [start, end) (an empty span: its line)."""
        last = end - 1 if end > start else start
        return self.new.line_of(start), self.new.line_of(last)

    def near_heading(self, start: int, end: int) -> tuple[str, int] | None:
        """Title and line of the new heading under which the nearest
        surviving units before (else after) old [start, end) went."""
        old, new = self.old, self.new
        here = max(0, old.unit_at(start))
        before = range(here - 1, here - NEAR_UNITS - 1, -1)
        after = range(here + 1, here + NEAR_UNITS + 1)
        for unit in (*before, *after):
            if 0 <= unit < old.units and self.units.target[unit] >= 0:
                target = self.units.target[unit]
                heading = new.uheading[target]
                if heading < 0:
                    return None
                return self._titles.get(heading, ""), new.line_of(new.ustart[heading])
        return None

    def word_map(self, unit: int) -> WordMap | None:
        """The word alignment of an old unit with its partner(s)."""
        if unit not in self._maps:
            targets = self.units.region(unit)
            self._maps[unit] = (
                WordMap(
                    self.old,
                    self.new,
                    unit,
                    targets,
                    any(self.units.source[t] not in (-1, unit) for t in targets),
                )
                if targets
                else None
            )
        return self._maps[unit]

    def locate(self, start: int, end: int) -> Match | None:
        """Best place of old [start, end) in the new text, or None."""
        old = self.old
        first = bisect_left(old.wend, start + 1)
        last = bisect_left(old.wstart, end) - 1
        if first > last:
            return self._point(start, end)
        pieces = self._pieces(first, last)
        found = _best_run(pieces) if pieces else None
        if found is None:
            return self._lost(start, end, first, last)
        match = self._match(start, end, first, last, found)
        lost = sum(p.weight for p in pieces if p not in found)
        if self._enough(found, match, lost):
            return match
        if not lost and self._slot(found, match, old.text[start:end]):
            return match
        whole = self._reworded_unit(found, lost)
        if whole is not None:
            return self._match(start, end, first, last, whole)
        return self._lost(start, end, first, last)

    def _lost(self, start: int, end: int, first: int, last: int) -> Match | None:
        """A passage its units' alignment lost: word for word elsewhere,
        its words nearly all in order in one unit, or the words only it
        has in one unit near where its neighbours went."""
        found = self._verbatim(start, end) or self._in_order(start, end, first, last)
        if found is not None:
            return found
        if self._unique is None:
            self._unique = UniqueWords(self.old, self.new, self.units)
        unique = self._unique
        span = (
            unique.find(first, last)
            or unique.merged(first, last)
            or unique.in_row(first, last)
        )
        if span is None:
            return None
        piece = _Piece(span[0], span[1], 0.0, 0.0, -1, False)
        return self._match(start, end, first, last, [piece])

    def _reworded_unit(self, run: list[_Piece], lost: float) -> list[_Piece] | None:
        """A passage that is most of one old unit whose words went apart in
        its new unit (reworded): the whole new unit, when the unit surely
        went there (similar enough, or alone between aligned neighbours)."""
        if len(run) != 1 or lost > 0:
            return None
        piece = run[0]
        units = self.units
        if piece.weight < REWORDED_UNIT * units.old_weight[piece.unit]:
            return None
        if units.score[piece.unit] < WHOLE_SURE and piece.unit not in units.by_order:
            return None
        targets = units.targets(piece.unit)
        first = self.new.unit_words(targets[0])[0]
        last = self.new.unit_words(targets[-1])[1] - 1
        return [
            _Piece(first, last, piece.kept, piece.weight, piece.unit, piece.in_place)
        ]

    def _pieces(self, first: int, last: int) -> list[_Piece]:
        """The image of the passage's part in each old unit it touches."""
        old, align = self.old, self.units
        idf = align.idf
        pieces = []
        unit = max(0, old.unit_at(old.wstart[first]))
        while unit < old.units and old.uword[unit] <= last:
            lo, hi = old.unit_words(unit)
            a, b = max(lo, first), min(hi - 1, last)
            if a <= b:
                words = old.stems[max(a, old.ucontent[unit]) : b + 1]
                weight = math.fsum(idf.get(s, 0.0) for s in set(words))
                wmap = self.word_map(unit)
                image = wmap.image(a, b) if wmap else None
                if wmap is not None and image is not None:
                    image = self._grown(unit, a, b, lo, hi, image)
                if wmap is not None and image is not None:
                    kept_words = {old.stems[w] for w in wmap.matched(a, b)}
                    kept = math.fsum(idf.get(s, 0.0) for s in kept_words & set(words))
                    around = wmap.matched(a - 1, a - 1) + wmap.matched(b + 1, b + 1)
                    pieces.append(
                        _Piece(
                            image[0],
                            image[1],
                            kept,
                            weight,
                            unit,
                            align.in_place[unit],
                            len(around) == 2,
                        )
                    )
                else:
                    pieces.append(_Piece(-1, -1, 0.0, weight, unit, False))
            unit += 1
        return pieces

    def _grown(
        self, unit: int, a: int, b: int, lo: int, hi: int, image: tuple[int, int]
    ) -> tuple[int, int]:
        """A passage that ends its old unit ends the new unit (a sentence
        that grew at its end); one that starts its unit's sentence (after
        any label) starts the new unit's sentence when its first word lost
        its capital there (words were put before it; a few words when the
        new unit also holds another old unit), or was replaced by words a
        little after that sentence's start."""
        old, new = self.old, self.new
        first, last = image
        if b == hi - 1:
            grown = new.unit_words(new.unit_at(new.wstart[last]))[1] - 1
            if grown - last <= max(GROWTH, b - a + 1):
                last = grown
        if a == _sentence_start(old, unit, a) and first < len(new.wstart):
            start = _sentence_start(new, new.unit_at(new.wstart[first]), first)
            was = old.text[old.wstart[a] : old.wstart[a] + 1]
            now = new.text[new.wstart[first] : new.wstart[first] + 1]
            wmap = self.word_map(unit)
            replaced = wmap is not None and not wmap.matched(a, a)
            # Beside another unit merged with it, only a few words are its.
            near = first - start <= GROWTH
            shared = wmap is not None and wmap.shared
            if start < first and (
                (replaced and near)
                or (was.isupper() and now.islower() and (near or not shared))
            ):
                first = start
        return first, last

    def _slot(self, run: list[_Piece], match: Match, quote: str) -> bool:
        """A short quote (a word or number, typos) whose new span is alike in
        characters, or sits between the same words in a unit that surely
        went there (renumbered, retyped)."""
        if len(run) != 1 or len(quote) > SHORT_QUOTE:
            return False
        new_text = self.new.text[match.start : match.end].lower()
        if SequenceMatcher(None, quote.lower(), new_text).ratio() >= ALIKE:
            return True
        sure = self.units.score[run[0].unit] >= SURE_UNIT
        return run[0].bounded and sure and match.score >= FLOOR_SCORE

    def _enough(self, run: list[_Piece], match: Match, lost: float) -> bool:
        """Whether the placed pieces hold enough of the passage (`lost`:
        the weight of its parts placed nowhere or elsewhere): its rare
        words, its characters (typos), or most of a unit that went there."""
        if match.score >= ALIKE:
            return True
        total = sum(p.weight for p in run) or 1e-9
        if lost > total:
            return False  # most of the passage is not there
        total += lost
        kept = sum(p.kept for p in run)
        # A reworded unit, selected (nearly) whole, and nothing else: with a
        # part placed nowhere (a deleted sentence), most of it may be gone.
        for p in run:
            unit_weight = self.units.old_weight[p.unit]
            if unit_weight > 0 and p.weight >= WHOLE_UNIT * unit_weight and not lost:
                if self.units.score[p.unit] >= WHOLE_SURE or match.score >= LEAST:
                    return True
        if match.score < FLOOR_SCORE:
            return False
        if kept >= KEPT * total and match.score >= LEAST:
            return True
        sure = all(self.units.score[p.unit] >= SURE_UNIT for p in run)
        if sure and kept >= KEPT_SURE * total and match.score >= LEAST:
            return True  # a reworded part of a unit that surely went there
        for p in run:
            unit_weight = self.units.old_weight[p.unit]
            if p.weight >= MOST_UNIT * unit_weight and kept >= KEPT_MOST * total:
                return match.score >= LEAST
        return False

    def _match(
        self, start: int, end: int, first: int, last: int, run: list[_Piece]
    ) -> Match:
        """The Match for a run of pieces: offsets widened to the quote's
        edges, status and similarity."""
        old, new = self.old, self.new
        lo = min(p.first for p in run)
        hi = max(p.last for p in run)
        ns, ne = new.wstart[lo], new.wend[hi]
        quote = old.text[start:end]
        # The quote's own partial first/last word and edge characters.
        ns = lead_edge(quote, old, start, first, new, ns, lo)
        ne = trail_edge(quote, old, end, last, new, ne, hi)
        text = new.text[ns:ne]
        if text == quote:
            place = all(p.in_place for p in run)
            return Match("exact" if place else "moved", ns, ne, 1.0)
        return Match("fuzzy", ns, ne, max(0.0001, min(0.9999, similarity(quote, text))))

    def _point(self, start: int, end: int) -> Match | None:
        """A span without words (empty, spaces, punctuation) is known by
        the words next to it and its context."""
        old, new = self.old, self.new
        after = bisect_left(old.wstart, start)
        for word, before in ((after, False), (after - 1, True)):
            if not 0 <= word < len(old.wstart):
                continue
            wmap = self.word_map(max(0, old.unit_at(old.wstart[word])))
            if wmap is None or word not in wmap.matched(word, word):
                continue
            image = wmap.image(word, word)
            if image is None:
                continue
            if before:
                pos = new.wend[image[0]] + (start - old.wend[word])
            else:
                pos = new.wstart[image[0]] - (old.wstart[word] - start)
            if 0 <= pos <= len(new.text):
                unit = old.unit_at(old.wstart[word])
                return context_match(
                    old.text, new.text, start, end, pos, self.units.in_place[unit]
                )
        return None

    def _verbatim(self, start: int, end: int) -> Match | None:
        """The quote word for word in a new unit that is no other old
        unit's partner, once."""
        quote = self.old.text[start:end]
        words = bisect_left(self.old.wstart, end) - bisect_left(
            self.old.wend, start + 1
        )
        if len(quote.strip()) < VERBATIM_CHARS or words < VERBATIM_WORDS:
            return None
        first = bisect_left(self.old.wend, start + 1)  # its edge words may be cut
        inside = self.old.lower[first + 1 : first + words - 1]
        if not self._new_pairs.issuperset(zip(inside, inside[1:], strict=False)):
            return None  # two of its words are nowhere next to each other
        new = self.new
        pos = new.text.find(quote)
        if pos < 0:
            return None
        if self.old.text.find(quote, end - len(quote) + 1) >= 0 or (
            self.old.text.find(quote, 0, end - 1) not in (-1, start)
        ):
            return None  # a stock phrase: which copy went where is unknown
        places: list[int] = []
        while pos >= 0 and len(places) < 3:
            unit = new.unit_at(pos)
            source = self.units.source[unit] if unit >= 0 else -1
            if (
                source < 0
                or quote
                in self.old.text[self.old.ustart[source] : self.old.uend[source]]
                and self.old.ustart[source] <= start < self.old.uend[source]
            ):
                places.append(pos)
            pos = new.text.find(quote, pos + 1)
        if len(places) != 1:
            return None
        place = places[0]
        if len(quote) < VERBATIM_ALONE:
            before = common_suffix(
                self.old.text[max(0, start - CONTEXT) : start],
                new.text[max(0, place - CONTEXT) : place],
            )
            stop = place + len(quote)
            after = common_prefix(
                self.old.text[end : end + CONTEXT], new.text[stop : stop + CONTEXT]
            )
            if min(before, after) < VERBATIM_SIDE or before + after < VERBATIM_CONTEXT:
                return None
        return Match("moved", place, place + len(quote), 1.0)

    def _index(self, doc: Doc) -> _StemIndex:
        """The stem index of the old or new text (built when first needed)."""
        key = doc is self.new
        if key not in self._indexes:
            self._indexes[key] = _StemIndex(doc)
        return self._indexes[key]

    def _in_order(self, start: int, end: int, first: int, last: int) -> Match | None:
        """The passage's words nearly all in order in one new unit, the
        only unit of the new text, and of the old text besides the
        passage's own, that holds them so (a stock phrase is no one's)."""
        old, new = self.old, self.new
        stems = old.stems[first : last + 1]
        if len(stems) < NEAR_WORDS:
            return None
        own = range(old.unit_at(old.wstart[first]), old.unit_at(old.wstart[last]) + 1)
        found = self._index(new).in_order(stems, ())
        if not found or (len(found) > 1 and found[1][0] > found[0][0] - NEAR_MARGIN):
            return None
        kept, unit, blocks = found[0]
        if kept < NEAR_KEPT or not same_kind(old.ukind[own[0]], new.ukind[unit]):
            return None
        again = self._index(old).in_order(stems, own)
        if again is None or (again and again[0][0] > kept - NEAR_MARGIN):
            return None
        # Words changed at either end of the passage: as many new words.
        ua, ub = new.unit_words(unit)
        lo = max(ua, ua + blocks[0][1] - blocks[0][0])
        tail = len(stems) - blocks[-1][0] - blocks[-1][2]
        hi = min(ub - 1, ua + blocks[-1][1] + blocks[-1][2] - 1 + tail)
        piece = _Piece(lo, hi, 0.0, 0.0, -1, False)
        return self._match(start, end, first, last, [piece])


def _sentence_start(doc: Doc, unit: int, word: int) -> int:
    """The first word of a unit's sentence at or before `word`: after its
    enumerator and after a label ending in a colon ('Systemic risk
    assurance:', 'KPI 2.1:')."""
    start = doc.ucontent[unit]
    if word <= start:
        return start
    colon = doc.text.rfind(":", doc.wstart[start], doc.wstart[word])
    if colon < 0:
        return start
    return bisect_left(doc.wstart, colon)


class _StemIndex:
    """Every stem of every unit of a text, and the units of each stem."""

    __slots__ = ("count", "doc", "sets", "units")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.sets: list[frozenset[str]] = []
        self.units: dict[str, list[int]] = {}
        for unit in range(doc.units):
            a, b = doc.unit_words(unit)
            stems = frozenset(doc.stems[a:b])
            self.sets.append(stems)
            for s in stems:
                self.units.setdefault(s, []).append(unit)
        self.count = Counter({s: len(units) for s, units in self.units.items()})

    def in_order(
        self, stems: list[str], skip: Iterable[int]
    ) -> list[tuple[float, int, list[tuple[int, int, int]]]] | None:
        """(share of `stems` found in order, unit, matching blocks) of the
        best unit holding at least NEAR_KEPT of the passage's words, and of
        the others that may come within NEAR_MARGIN of it, best first (such
        a unit holds one of the passage's rarest stems at least); None when
        those stems are too common to tell."""
        times = Counter(stems)
        wanted = times.keys()
        probes = sorted(wanted, key=self.count.__getitem__)
        probes = probes[: len(wanted) - math.ceil(NEAR_KEPT * len(wanted)) + 1]
        if self.count[probes[-1]] > NEAR_POSTINGS:
            return None
        near = {u for s in probes for u in self.units.get(s, ())} - set(skip)
        least = NEAR_KEPT * len(wanted)
        bounds = []  # words with a partner at most: an upper bound of the share
        for unit in near:
            held = wanted & self.sets[unit]
            if len(held) < least:
                continue
            bound = sum(map(times.__getitem__, held)) / len(stems)
            if bound >= NEAR_KEPT:
                bounds.append((bound, unit))
        bounds.sort(key=lambda r: (-r[0], r[1]))
        doc = self.doc
        out: list[tuple[float, int, list[tuple[int, int, int]]]] = []
        for bound, unit in bounds:
            if out and bound <= out[0][0] - NEAR_MARGIN:
                break
            a, b = doc.unit_words(unit)
            blocks = [x for x in sequence_blocks(stems, doc.stems[a:b]) if x[2]]
            out.append((sum(n for _, _, n in blocks) / len(stems), unit, blocks))
            out.sort(key=lambda r: (-r[0], r[1]))
        return out


def _best_run(pieces: list[_Piece]) -> list[_Piece] | None:
    """The placed pieces that follow each other in the new text, with the
    most content; None when no piece is placed."""
    runs: list[list[_Piece]] = []
    for p in pieces:
        if p.first < 0:
            continue
        if runs and 0 <= p.first - runs[-1][-1].last <= GAP_WORDS:
            runs[-1].append(p)
        elif runs and runs[-1][-1].first <= p.first <= runs[-1][-1].last:
            runs[-1].append(p)  # two old units in one new unit (merged)
        else:
            runs.append([p])
    if not runs:
        return None
    return max(
        runs, key=lambda r: sum(p.kept for p in r) + 1e-6 * sum(p.weight for p in r)
    )
