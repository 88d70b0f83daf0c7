"""Alignment of the units of two versions of a text, computed once per pair:
each old unit gets the new unit (or adjacent units) that carries its
content, chosen on shared rare stems, its place in the order of the text,
its heading and its neighbours (helper of `anchor`)."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right

from cop_drafts.text.anchor.chain import (
    beside,
    chain,
    exact_pairs,
    neighbour,
    postings,
    unit_sets,
)
from cop_drafts.text.anchor.sections import (
    align_in_order,
    heading_pairs,
    match_sections,
    section_similarity,
    sections,
)
from cop_drafts.text.anchor.units import TABLE, Doc, idf_table

# Rarest stems of a unit probed in the index, and candidates kept per unit.
PROBES = 10
CANDIDATES = 6
# Bonuses: candidate in the gap of the chain where the unit belongs (a
# narrow gap says more), under the heading its own heading went to, next
# to its neighbours' partners.
IN_PLACE = 0.12
NARROW = 4
NEARNESS = 0.05
SAME_SECTION = 0.08
NEIGHBOUR = 0.1
# Least similarity to accept: with strong evidence of place (a neighbour,
# a narrow gap), weak evidence (a wide gap, the heading) and none; units
# with little content need more.
FLOOR_STRONG = 0.28
FLOOR_WEAK = 0.45
FLOOR_ALONE = 0.6
FLOOR_STRAY = 0.7
SMALL = 6.0  # content weight (sum of idf) below which a unit is small
FLOOR_SMALL_STRONG = 0.5
FLOOR_SMALL = 0.65
# An old unit alone between two aligned neighbours, with one free new unit
# between theirs, is that unit from this similarity.
FLOOR_GAP = 0.15
GAP_UNITS = 4
# Containment (share of the old unit in the new one) counts for units with
# this much content, as CONTAIN * containment squared.
CONTAIN_WEIGHT = 20.0
CONTAIN = 0.8
LONGER = 1.3
# Similarity kept across kinds of unit (a heading that became prose).
CROSS_KIND = 0.75
# A best candidate this much more similar than the next one has the
# evidence of a place of its own.
CLEAR = 0.25
# Rarest stems of an old unit that look for partners inside a section.
LOCAL_PROBES = 8
# New units in a gap of the chain this narrow are all candidates.
WINDOW_CANDIDATES = 12
# A new unit already taken also takes an old unit merged into it (when
# its first partner explains less of it than this).
MERGED = 0.8
FLOOR_MERGED = 0.3
OWNER_EXPLAINS = 0.8
# Partners in order of two old sections that went to one new section may
# share a new unit from this similarity.
SHARED = 0.4
# A new unit this similar to its first partner is that unit's alone.
OWNED = 0.9
UNCHANGED = 0.97
# Two candidates at different places closer than this are a tie.
TIE = 0.04
# A neighbouring new unit whose content comes this much from the old unit
# is a part of it (a split).
SPLIT_PART = 0.55


class UnitAlignment:
    """For every old unit: its new unit(s), the similarity, whether the
    pair keeps the order of the text (in place) or moved."""

    def __init__(self, old: Doc, new: Doc) -> None:
        self.old = old
        self.new = new
        self.idf = idf_table(old, new)
        self.old_sets = unit_sets(old)
        self.new_sets = unit_sets(new)
        idf = self.idf
        self.old_weight = [math.fsum(idf[s] for s in u) for u in self.old_sets]
        self.new_weight = [math.fsum(idf[s] for s in u) for u in self.new_sets]
        count = new.units
        self.target = [-1] * old.units
        self.score = [0.0] * old.units
        self.in_place = [False] * old.units
        self.parts: dict[int, list[int]] = {}
        self.source = [-1] * count  # the old unit each new unit came from
        self.section_map: dict[int, int] = {}
        self.by_order: set[int] = set()  # placed by their neighbours alone
        self.ordered: dict[int, int] = {}
        self._postings = postings(self.new_sets, idf, count)
        self._align()

    # -- candidates ----------------------------------------------------------

    def _candidates(self, unit: int) -> list[tuple[float, float, int]]:
        """(similarity, containment, new unit) of the best candidates."""
        stems = self.old_sets[unit]
        if not stems:
            return []
        idf = self.idf
        postings = self._postings
        probes = sorted(
            (s for s in stems if s in postings), key=lambda s: (idf[s], s), reverse=True
        )[:PROBES]
        votes: dict[int, float] = {}
        for s in probes:
            weight = idf[s]
            for j in postings[s]:
                votes[j] = votes.get(j, 0.0) + weight
        best = heapq.nlargest(CANDIDATES, votes.items(), key=lambda kv: (kv[1], -kv[0]))
        return [self.pair(unit, j) for j, _ in best]

    def pair(self, i: int, j: int) -> tuple[float, float, int]:
        """(similarity, containment, j) of old unit i and new unit j."""
        weight = self.old_weight[i]
        if weight <= 0:
            return 0.0, 0.0, j
        idf = self.idf
        shared = math.fsum(idf[s] for s in self.old_sets[i] & self.new_sets[j])
        return 2.0 * shared / (weight + self.new_weight[j]), shared / weight, j

    def _joins(self, i: int, j: int, owner: int, dice: float) -> bool:
        """Whether old unit i may join new unit j, already old unit owner's:
        j holds most of i and has room for it (owner does not explain it)."""
        owned = self.dice(owner, j)
        old = self.old
        if (
            self.ordered.get(i) == j
            and dice >= SHARED
            and owned < UNCHANGED
            and old.uheading[i] not in (i, owner, old.uheading[owner])
        ):
            return True  # two sections merged into one: both went there
        if owned >= OWNED:
            return False  # j is its owner's, hardly changed
        if not self.mergeable(i, j):
            return False
        if dice < FLOOR_MERGED and abs(i - owner) != 1:
            return False  # a short unit joins a long one only beside its owner
        shared = math.fsum(self.idf[s] for s in self.old_sets[owner] & self.new_sets[j])
        return shared <= OWNER_EXPLAINS * self.new_weight[j]

    def similar(self, olds: list[int], news: list[int]) -> dict[tuple[int, int], float]:
        """Similarity of the pairs of `olds` and `news` that share one of the
        old unit's rarest stems (the others are taken as unlike)."""
        index: dict[str, list[int]] = {}
        for j in news:
            for s in self.new_sets[j]:
                index.setdefault(s, []).append(j)
        idf = self.idf
        out = {}
        for i in olds:
            stems = sorted(
                (s for s in self.old_sets[i] if s in index),
                key=lambda s: (idf[s], s),
                reverse=True,
            )[:LOCAL_PROBES]
            near = {j for s in stems for j in index[s]}
            for j in near:
                out[i, j] = self.pair(i, j)[0]
        return out

    def mergeable(self, i: int, j: int) -> bool:
        """Whether old unit i may share new unit j with another old unit:
        j is longer and holds most of i."""
        dice, contained, _ = self.pair(i, j)
        return contained >= MERGED and self.new_weight[j] >= LONGER * self.old_weight[i]

    def best(self, i: int) -> tuple[float, int] | None:
        """(similarity, new unit) of the new unit most like old unit i
        among its candidates (None: it shares no rare word with any)."""
        found = max(self._candidates(i), key=lambda c: (c[0], -c[2]), default=None)
        return None if found is None else (found[0], found[2])

    def dice(self, i: int, j: int) -> float:
        """Similarity of old unit i and new unit j."""
        return self.pair(i, j)[0]

    # -- the alignment -------------------------------------------------------

    def _align(self) -> None:
        """Candidates for every unit, a chain of sure pairs in order, then
        the choice of each unit with the bonuses of its place, best pairs
        first: a new unit goes to one old unit, unless it holds most of
        another one too (two units merged)."""
        candidates = [self._candidates(i) for i in range(self.old.units)]
        self._chain = chain(candidates, exact_pairs(self.old, self.new))
        self.ordered = self._ordered(candidates)
        for i, found in enumerate(candidates):
            extra = {j for j in self._nearby(i)} - {c[2] for c in found}
            found.extend(self.pair(i, j) for j in sorted(extra))
        firsts = self._first_choice(candidates)
        for i, found in enumerate(candidates):
            have = {c[2] for c in found}
            for j in beside(firsts, i, self.new.units):
                if j not in have:
                    found.append(self.pair(i, j))
                    have.add(j)
        ranked = []
        for i, found in enumerate(candidates):
            ranked.extend(self._ranked(i, found, firsts))
        ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
        taken: dict[int, int] = {}
        for _, i, j, strength, _, place in ranked:
            if self.target[i] >= 0:
                continue
            if j in taken and not self._joins(i, j, taken[j], self.dice(i, j)):
                continue
            self.target[i] = j
            self.score[i] = strength
            self.in_place[i] = place
            taken.setdefault(j, i)
        for j, i in taken.items():
            self.source[j] = i
        self._fill_gaps()
        self._add_parts()

    def _ranked(
        self, i: int, found: list[tuple[float, float, int]], firsts: list[int]
    ) -> list[tuple[float, int, int, float, float, bool]]:
        """(value, old, new, dice, containment, in place) of the candidates
        of unit i that are similar enough for the evidence of their place;
        none when two places fit as well (no choice)."""
        lo, hi = self.window(i)
        section = self.section_map.get(self.old.uheading[i], -2)
        narrow = hi - lo <= NARROW
        partner = self.ordered.get(i, -1)
        if self.old.uheading[i] == i:
            partner = section  # a heading's partner is the heading it went to
        runner_up = sorted((c[0] for c in found), reverse=True)[1:2] or [0.0]
        out = []
        for c in found:
            dice, contained, j = c
            place = lo <= j <= hi
            near = self.new.uheading[j] == section
            support = neighbour(firsts, i, j) or j == partner
            strong = support or (place and narrow)
            weak = place or near or dice - runner_up[0] >= CLEAR
            value = self._strength(i, c)
            floor = self._floor(i, strong, weak)
            stray = section >= 0 and not (near or place or support)
            if stray and self.old.ukind[i] != TABLE:
                floor = max(floor, FLOOR_STRAY)  # its section went elsewhere
            bonus = IN_PLACE if place and narrow else IN_PLACE / 3 if place else 0.0
            bonus += (SAME_SECTION if near else 0.0) + (NEIGHBOUR if support else 0.0)
            bonus += self._nearness(i, j)
            if value >= floor:
                out.append((value + bonus, i, j, value, contained, place))
        out.sort(reverse=True)
        if (
            len(out) > 1
            and out[1][0] > out[0][0] - TIE
            and abs(out[1][2] - out[0][2]) > 1
        ):
            if out[1][3] >= out[0][3] - TIE:
                return []
        return out

    def _strength(self, i: int, candidate: tuple[float, float, int]) -> float:
        """Similarity of a candidate, counting containment for a unit with
        enough content merged into a longer one; a heading, a box and a
        table cell are less likely to have become another kind of unit."""
        dice, contained, j = candidate
        value = dice
        weight = self.old_weight[i]
        if weight >= CONTAIN_WEIGHT and self.new_weight[j] >= LONGER * weight:
            value = max(dice, CONTAIN * contained * contained)
        if self.old.ukind[i] != self.new.ukind[j]:
            value *= CROSS_KIND
        return value

    def _floor(self, i: int, strong: bool, weak: bool) -> float:
        """Least strength to accept for unit i given the evidence of place."""
        small = self.old_weight[i] < SMALL
        if strong:
            return FLOOR_SMALL_STRONG if small else FLOOR_STRONG
        if weak:
            return FLOOR_SMALL if small else FLOOR_WEAK
        return FLOOR_SMALL if small else FLOOR_ALONE

    def _ordered(
        self, candidates: list[list[tuple[float, float, int]]]
    ) -> dict[int, int]:
        """Each old unit's partner in the in-order alignment of its section
        with the new section it went to."""
        old_sections = sections(self.old)
        new_sections = sections(self.new)
        olds, news = self._chain
        sure = dict(zip(olds, news, strict=True))
        content = section_similarity(
            self.old, self.new, self.old_sets, self.new_sets, self.idf
        )
        headings = heading_pairs(
            self.old, self.new, self.old_sets, self.new_sets, self.idf
        )
        mapping = match_sections(
            self.old,
            self.new,
            candidates,
            self.old_weight,
            self.dice,
            content,
            headings,
        )
        self.section_map = mapping
        out: dict[int, int] = {}
        for heading, target in mapping.items():
            found = align_in_order(
                old_sections.get(heading, []),
                new_sections.get(target, []),
                self.dice,
                sure,
                self.mergeable,
                self.similar,
            )
            for i, j, _ in found:
                out.setdefault(i, j)
        return out

    def _nearby(self, i: int) -> list[int]:
        """New units worth comparing with old unit i besides the index's:
        its in-order partner and the narrow gap of the chain it sits in."""
        out = []
        if i in self.ordered:
            out.append(self.ordered[i])
        if self.old.uheading[i] == i:
            if self.section_map.get(i, -1) >= 0:
                out.append(self.section_map[i])
        lo, hi = self.window(i)
        if hi - lo <= WINDOW_CANDIDATES:
            out.extend(range(lo, hi + 1))
        return out

    def _first_choice(
        self, candidates: list[list[tuple[float, float, int]]]
    ) -> list[int]:
        """Each unit's best candidate on similarity and place alone."""
        out = []
        for i, found in enumerate(candidates):
            lo, hi = self.window(i)
            best = max(
                found,
                key=lambda c: (
                    self._strength(i, c)
                    + (IN_PLACE if lo <= c[2] <= hi else 0.0)
                    + self._nearness(i, c[2]),
                    -c[2],
                ),
                default=None,
            )
            out.append(best[2] if best is not None else -1)
        return out

    def _fill_gaps(self) -> None:
        """An old unit left alone between two units that kept their order
        goes to the most similar of the free new units between their
        partners, in the same section (reworded), if they share enough."""
        old, new = self.old, self.new
        for i in range(1, old.units - 1):
            if self.target[i] >= 0 or self.target[i + 1] < 0:
                continue
            before, after = self.target[i - 1], self.target[i + 1]
            if before < 0 or not 0 < after - before - 1 <= GAP_UNITS:
                continue
            free = [
                j
                for j in range(before + 1, after)
                if self.source[j] < 0
                and new.uheading[j] == new.uheading[before]
                and new.ukind[j] == old.ukind[i]
            ]
            best = max(free, key=lambda j: (self.dice(i, j), -j), default=-1)
            if best < 0 or self.dice(i, best) < FLOOR_GAP:
                continue
            self.target[i] = best
            self.score[i] = self.dice(i, best)
            self.in_place[i] = self.in_place[i - 1] and self.in_place[i + 1]
            self.source[best] = i
            self.by_order.add(i)

    def _add_parts(self) -> None:
        """Neighbouring new units that came out of the same old unit (a
        unit split in two) join its partner."""
        idf = self.idf
        for i, j in enumerate(self.target):
            if j < 0:
                continue
            parts = [j]
            stems = self.old_sets[i]
            kind = self.new.ukind[j]
            for step in (-1, 1):
                k = j + step
                while (
                    0 <= k < self.new.units
                    and self.source[k] < 0
                    and self.new.ukind[k] == kind
                    and abs(self.new.ublock[k] - self.new.ublock[k - step]) <= 1
                ):
                    weight = self.new_weight[k]
                    shared = math.fsum(idf[s] for s in stems & self.new_sets[k])
                    if weight <= 0 or shared / weight < SPLIT_PART:
                        break
                    parts.append(k)
                    k += step
            if len(parts) > 1:
                self.parts[i] = sorted(parts)

    # -- questions ---------------------------------------------------------

    def _nearness(self, i: int, j: int) -> float:
        """A bonus for new unit j the nearer it is to where old unit i would
        be if the units between the sure pairs around it kept their share of
        the gap (tells copies of one unit apart)."""
        olds, news = self._chain
        k = bisect_right(olds, i) - 1
        a0, b0 = (olds[k], news[k]) if k >= 0 else (-1, -1)
        a1, b1 = (
            (olds[k + 1], news[k + 1])
            if k + 1 < len(olds)
            else (self.old.units, self.new.units)
        )
        if a1 <= a0:
            return 0.0
        expected = b0 + (i - a0) * (b1 - b0) / (a1 - a0)
        gap = max(1.0, float(b1 - b0))
        return NEARNESS * max(0.0, 1.0 - abs(j - expected) / gap)

    def window(self, i: int) -> tuple[int, int]:
        """New units between the chain's images of the sure pairs around
        old unit i: where the unit would be if it stayed in place."""
        olds, news = self._chain
        k = bisect_right(olds, i) - 1
        if k >= 0 and olds[k] == i:
            return news[k], news[k]
        lo = news[k] + 1 if k >= 0 else 0
        hi = news[k + 1] - 1 if k + 1 < len(olds) else self.new.units - 1
        return lo, hi

    def targets(self, i: int) -> list[int]:
        """The new units carrying old unit i, in order (empty: none)."""
        if self.target[i] < 0:
            return []
        return self.parts.get(i, [self.target[i]])

    def region(self, i: int) -> list[int]:
        """The new units worth aligning word by word with old unit i: its
        partners, and the units of the same block beside them that no old
        unit took (a unit cut differently now)."""
        found = self.targets(i)
        new = self.new
        if not found or new.ukind[found[0]] == TABLE:
            return found  # a table cell is no part of the next one
        lo, hi = found[0], found[-1]
        while (
            lo > 0 and new.ublock[lo - 1] == new.ublock[lo] and self.source[lo - 1] < 0
        ):
            lo -= 1
        while (
            hi + 1 < new.units
            and new.ublock[hi + 1] == new.ublock[hi]
            and self.source[hi + 1] < 0
        ):
            hi += 1
        return list(range(lo, hi + 1))
