"""A passage its sentence's alignment lost, found again by the words it
alone has: a list item, cell or paragraph moved or rewritten (the words and
word pairs only it has in the old text and only one unit has in the new,
near where its neighbours went), a sentence merged into a neighbour's or
restated in the sentence of its section most like it (words of it that
sentence never had), or a table cell relabelled (the free cell of the new
row its row-mates went to) (helper of `anchor`)."""

from __future__ import annotations

import math
from collections import Counter

from cop_drafts.text.anchor.align import UnitAlignment
from cop_drafts.text.anchor.units import TABLE, Doc, same_kind

# A pair of neighbouring words counts when its two stems weigh this much
# (idf): pairs of common words ('of the') say nothing.
PAIR_WEIGHT = 6.0
# The unit found must hold this share of the passage's content (idf),
# and no unit sharing one of its rarest stems may hold more.
HOLDS = 0.35
PROBES = 12
POSTINGS = 40  # a stem in more units than this is too common to probe
# ... and lie this near (in units) to where a neighbour of the passage
# (this many units on each side) went: a passage moves with its
# neighbourhood.
NEAR = 30
NEIGHBOURS = 3
# A passage merged into a neighbour's new unit brings this share of its
# content (idf) there that none of that unit's old units had.
NOVEL = 0.12
# ... and lands on that whole unit when it was this much of its own unit,
# or that unit is at most this many times its length and a few words.
MOST = 0.8
SPREAD = 3
GROWTH = 6
# A cell of a row is the passage when it holds this much more of it than
# the next free cell of the row.
MARGIN = 0.2


class UniqueWords:
    """Where a lost passage went, on the words only it has; built once per
    pair of texts, when the first lost passage asks."""

    def __init__(self, old: Doc, new: Doc, units: UnitAlignment) -> None:
        self.old = old
        self.new = new
        self.units = units
        self.old_count = Counter(s for stems in units.old_sets for s in stems)
        self.new_units: dict[str, list[int]] = {}
        for unit, stems in enumerate(units.new_sets):
            for s in stems:
                self.new_units.setdefault(s, []).append(unit)
        self.old_pairs = Counter(zip(old.stems, old.stems[1:], strict=False))
        self.new_pairs: dict[tuple[str, str], int] = {}  # word; -1: several
        for word, pair in enumerate(zip(new.stems, new.stems[1:], strict=False)):
            self.new_pairs[pair] = -1 if pair in self.new_pairs else word
        self._from: dict[int, frozenset[str]] | None = None
        self._in_section: dict[int, list[int]] = {}  # see _taken_in_section

    def find(self, first: int, last: int) -> tuple[int, int] | None:
        """New word range (inclusive) of the block (a paragraph, list item
        or table cell) that holds old words first..last, a whole block, or
        None when no block surely does."""
        old, new = self.old, self.new
        own = old.unit_at(old.wstart[first])
        block = _block(old, own)
        start, end = _words(old, block[0], block[-1])
        if first > start or last < end:
            return None  # part of a block: its words say too little
        votes = self._votes(first, last)
        if not votes:
            return None
        ranked = votes.most_common(2)
        unit, count = ranked[0]
        if len(ranked) > 1 and ranked[1][1] * 2 > count:
            return None  # its words went two ways
        if self.units.source[unit] >= 0 or not same_kind(
            old.ukind[own], new.ukind[unit]
        ):
            return None  # another unit's new home, or another kind of unit
        if not self._holds_most(first, last, unit) or not self._near(own, unit):
            return None
        around = _block(new, unit)
        return _words(new, around[0], around[-1])

    def merged(self, first: int, last: int) -> tuple[int, int] | None:
        """New word range (inclusive) of the new unit that took the passage
        in: a neighbour's (two units on each side), or the one most like
        its unit in its section (`_taken_in_section`); it holds enough of
        the passage, and words of it that none of its own old units had;
        None when no such unit did."""
        old, new, units = self.old, self.new, self.units
        idf = units.idf
        lo = old.unit_at(old.wstart[first])
        hi = old.unit_at(old.wstart[last])
        if any(units.target[i] >= 0 for i in range(lo, hi + 1)):
            return None  # its own units went elsewhere
        stems = set(old.stems[first : last + 1])
        total = -1.0
        best, most, heaviest = -1, 0.0, ""
        places = [
            j
            for i in (lo - 2, lo - 1, hi + 1, hi + 2)
            if 0 <= i < old.units
            for j in units.targets(i)
        ]
        if lo == hi:
            places.extend(self._taken_in_section(lo))
        for j in places:
            shared = stems & units.new_sets[j]
            brought = shared - self._explained(j)
            if not brought or not same_kind(old.ukind[lo], new.ukind[j]):
                continue
            if total < 0:
                total = math.fsum(idf.get(s, 0.0) for s in stems) or 1e-9
            novel = math.fsum(idf[s] for s in brought) / total
            if novel <= most or novel < NOVEL:
                continue
            if math.fsum(idf[s] for s in shared) >= HOLDS * total:
                best, most = j, novel
                heaviest = max(sorted(brought), key=idf.__getitem__)
        if best < 0:
            return None
        return self._inside(first, last, best, heaviest)

    def _taken_in_section(self, unit: int) -> list[int]:
        """The new unit most like old `unit`, when it lies in the new
        section that `unit`'s section went to and an old unit less like it
        took it (`unit` restated into it, or merged), else nothing."""
        if unit not in self._in_section:
            units = self.units
            found = units.best(unit)
            section = units.section_map.get(self.old.uheading[unit], -1)
            taken: list[int] = []
            if found is not None and section >= 0:
                dice, j = found
                owner = units.source[j]
                if (
                    owner >= 0
                    and j != section
                    and self.new.uheading[j] == section
                    and units.dice(owner, j) < dice
                ):
                    taken.append(j)
            self._in_section[unit] = taken
        return self._in_section[unit]

    def in_row(self, first: int, last: int) -> tuple[int, int] | None:
        """New word range (inclusive) of the free cell of the new row that a
        cell of the passage's row went to, holding most of the passage (a
        whole cell, relabelled); None when no such cell does."""
        old, new, units = self.old, self.new, self.units
        own = old.unit_at(old.wstart[first])
        if old.ukind[own] != TABLE or units.target[own] >= 0:
            return None
        start, end = _words(old, own, own)
        if first > start or last < end:
            return None
        stems = set(old.stems[first : last + 1])
        free = {
            k
            for i in _block(old, own)
            for j in units.targets(i)
            for k in _block(new, j)
            if units.source[k] < 0 and new.ukind[k] == TABLE
        }
        ranked = sorted(((self._held(stems, k), k) for k in free), reverse=True)
        if not ranked or ranked[0][0] < HOLDS:
            return None
        if len(ranked) > 1 and ranked[1][0] > ranked[0][0] - MARGIN:
            return None  # two cells of the row hold it as well
        cell = ranked[0][1]
        return _words(new, cell, cell)

    def _inside(
        self, first: int, last: int, unit: int, heaviest: str
    ) -> tuple[int, int] | None:
        """The words of new `unit`, when the passage was most of its own
        unit or the new unit is not much longer than the passage; else the
        clause (between commas) holding the rarest word the passage brought
        there, if that is not much longer (else which of its words are the
        passage's is not known)."""
        old, new = self.old, self.new
        a, b = new.ucontent[unit], new.unit_words(unit)[1]
        own = old.unit_at(old.wstart[first])
        whole = old.unit_words(own)[1] - old.ucontent[own]
        words = last - first + 1
        if words >= MOST * whole or b - a <= SPREAD * words + GROWTH:
            return a, b - 1
        lo = hi = new.stems.index(heaviest, a, b)
        while lo > a and "," not in new.text[new.wend[lo - 1] : new.wstart[lo]]:
            lo -= 1
        while hi < b - 1 and "," not in new.text[new.wend[hi] : new.wstart[hi + 1]]:
            hi += 1
        if hi - lo + 1 > SPREAD * words + GROWTH:
            return None
        return lo, hi

    def _explained(self, unit: int) -> frozenset[str]:
        """The stems of the old units whose new units include `unit`."""
        if self._from is None:
            found: dict[int, set[str]] = {}
            for i in range(self.old.units):
                for j in self.units.targets(i):
                    found.setdefault(j, set()).update(self.units.old_sets[i])
            self._from = {j: frozenset(stems) for j, stems in found.items()}
        return self._from.get(unit, frozenset())

    def _held(self, stems: set[str], unit: int) -> float:
        """Share of the content of `stems` (idf) that new `unit` holds."""
        idf = self.units.idf
        total = math.fsum(idf.get(s, 0.0) for s in stems) or 1e-9
        return math.fsum(idf[s] for s in stems & self.units.new_sets[unit]) / total

    def _votes(self, first: int, last: int) -> Counter[int]:
        """For each new unit, the passage's stems and pairs of stems that
        are in no other unit of the old text and one unit of the new."""
        old, new = self.old, self.new
        stems = old.stems[first : last + 1]
        votes: Counter[int] = Counter()
        for s in sorted(set(stems)):
            found = self.new_units.get(s, ())
            if self.old_count[s] == 1 and len(found) == 1 and not s.isdigit():
                votes[found[0]] += 1
        idf = self.units.idf
        for pair in zip(stems, stems[1:], strict=False):
            word = self.new_pairs.get(pair, -1)
            if word < 0 or self.old_pairs[pair] != 1:
                continue
            if idf.get(pair[0], 0.0) + idf.get(pair[1], 0.0) >= PAIR_WEIGHT:
                votes[new.unit_at(new.wstart[word])] += 1
        return votes

    def _holds_most(self, first: int, last: int, unit: int) -> bool:
        """Whether `unit` holds enough of the passage's content, and more
        than any other unit sharing one of its rarest stems."""
        idf = self.units.idf
        stems = set(self.old.stems[first : last + 1])
        share = self._held(stems, unit)
        if share < HOLDS:
            return False
        rare = sorted(
            (s for s in stems if 0 < len(self.new_units.get(s, ())) <= POSTINGS),
            key=lambda s: (-idf[s], s),
        )[:PROBES]
        others = {j for s in rare for j in self.new_units[s]} - {unit}
        return all(self._held(stems, j) <= share for j in sorted(others))

    def _near(self, own: int, unit: int) -> bool:
        """Whether a neighbour of old unit `own` went near new `unit`."""
        target = self.units.target
        for i in range(own - NEIGHBOURS, own + NEIGHBOURS + 1):
            if 0 <= i < len(target) and target[i] >= 0:
                if abs(target[i] - unit) <= NEAR:
                    return True
        return False


def _words(doc: Doc, first: int, last: int) -> tuple[int, int]:
    """The word range (inclusive) of the content of units first..last."""
    return doc.ucontent[first], doc.unit_words(last)[1] - 1


def _block(doc: Doc, unit: int) -> list[int]:
    """The units of the block (paragraph, list item) that holds `unit`."""
    lo = hi = unit
    while lo > 0 and doc.ublock[lo - 1] == doc.ublock[unit]:
        lo -= 1
    while hi + 1 < doc.units and doc.ublock[hi + 1] == doc.ublock[unit]:
        hi += 1
    return list(range(lo, hi + 1))
