"""Indexes and sure pairs for aligning the units of two texts: content
stems of units, which new units hold a stem, units identical in both texts,
and the longest chain of sure pairs in the order of both (helper of `anchor`)."""

from __future__ import annotations

from cop_drafts.text.anchor.units import Doc
from cop_drafts.text.sequence import longest_increasing

# A stem in more new units than this share (and at least COMMON units, at
# most MAX_POSTINGS) does not point at a candidate by itself.
COMMON_SHARE = 0.05
COMMON = 12
MAX_POSTINGS = 60
# Similarity that makes a pair a fixed point of the order of the text,
# when the next best candidate is this much less similar.
CHAIN = 0.8
UNIQUE = 0.05

Key = tuple[str, ...]


def exact_pairs(old: Doc, new: Doc) -> list[tuple[int, int]]:
    """Units whose words are the same in both texts, unique both sides."""
    old_keys = keys(old)
    new_keys = keys(new)
    where: dict[Key, int] = {}
    seen: dict[Key, int] = {}
    for j, key in enumerate(new_keys):
        seen[key] = seen.get(key, 0) + 1
        where[key] = j
    counts: dict[Key, int] = {}
    for key in old_keys:
        counts[key] = counts.get(key, 0) + 1
    return [
        (i, where[key])
        for i, key in enumerate(old_keys)
        if counts[key] == 1 and seen.get(key) == 1
    ]


def beside(firsts: list[int], i: int, count: int) -> list[int]:
    """New units next to where old unit i's neighbours went."""
    out = []
    if i > 0 and 0 <= firsts[i - 1] < count - 1:
        out.append(firsts[i - 1] + 1)
    if i + 1 < len(firsts) and firsts[i + 1] > 0:
        out.append(firsts[i + 1] - 1)
    return out


def neighbour(firsts: list[int], i: int, j: int) -> bool:
    """Whether an old neighbour of unit i went next to new unit j."""
    before = firsts[i - 1] if i > 0 else -2
    after = firsts[i + 1] if i + 1 < len(firsts) else -2
    return before == j - 1 or after == j + 1


def unit_sets(doc: Doc) -> list[frozenset[str]]:
    """Content stems of every unit."""
    out = []
    stems = doc.stems
    for unit in range(doc.units):
        _, stop = doc.unit_words(unit)
        out.append(frozenset(stems[doc.ucontent[unit] : stop]))
    return out


def keys(doc: Doc) -> list[Key]:
    """Lower-cased content words of every unit."""
    lower = doc.lower
    return [
        tuple(lower[doc.ucontent[u] : doc.unit_words(u)[1]]) for u in range(doc.units)
    ]


def postings(
    sets: list[frozenset[str]], idf: dict[str, float], count: int
) -> dict[str, list[int]]:
    """New units of each stem, without the stems too common to point."""
    postings: dict[str, list[int]] = {}
    for j, stems in enumerate(sets):
        for s in stems:
            postings.setdefault(s, []).append(j)
    cap = min(MAX_POSTINGS, max(COMMON, int(COMMON_SHARE * count)))
    return {s: units for s, units in postings.items() if len(units) <= cap}


def chain(
    candidates: list[list[tuple[float, float, int]]], exact: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """Old and new indexes of the longest chain in order of sure pairs:
    identical unique units, and mutual best candidates that are very alike."""
    pairs = dict(exact)
    best_of_new: dict[int, tuple[float, int]] = {}
    for i, found in enumerate(candidates):
        ranked = sorted((c[0] for c in found), reverse=True)
        if not ranked or (len(ranked) > 1 and ranked[1] > ranked[0] - UNIQUE):
            continue  # two copies fit: no fixed point
        top = max(found)
        if top[0] >= CHAIN and best_of_new.get(top[2], (0.0, -1))[0] < top[0]:
            best_of_new[top[2]] = (top[0], i)
    taken: dict[int, int] = {}
    for _, i in best_of_new.values():
        taken[i] = taken.get(i, 0) + 1
    for j, (_, i) in best_of_new.items():
        if taken[i] == 1:
            pairs.setdefault(i, j)
    kept = longest_increasing(sorted(pairs.items()), _second)
    return [i for i, _ in kept], [j for _, j in kept]


def _second(pair: tuple[int, int]) -> int:
    return pair[1]
