"""Sequence helpers shared by the text layer: one matcher, one increasing chain.

`opcodes`/`sequence_opcodes` are difflib's SequenceMatcher (no junk, autojunk
off), faster; `longest_increasing` is the longest increasing subsequence.

The same matching blocks and opcodes as difflib, found by substring search in
C instead of difflib's dictionary walk in Python: two to three times faster
on the word diffs of the corpus. Sequences of other items are encoded one
character per distinct item first. Repetitive sequences (a thousand equal
lines) make difflib's walk quadratic: past `MAX_WORK` steps the diff is
anchored instead on the items found once on each side (as patience diff),
with difflib's matching only in the small gaps between anchors.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

Opcode = tuple[str, int, int, int, int]
#: Up to this product of region sizes substring search is the faster way to
#: find the longest match; past it, difflib's walk over the positions of `b`.
_SEARCH_CELLS = 40_000
#: Steps of difflib's walk (pairs of equal items visited) one diff may take;
#: far above any real text's (a 2 MB redline's block keys: about 50,000).
MAX_WORK = 1_000_000
#: Past MAX_WORK, a gap between two anchors larger than this product of
#: sizes is shown as replaced rather than matched.
_GAP_CELLS = 1_000_000


class _TooMuch(Exception):
    """The walk would pass MAX_WORK."""


def _longest(a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int]:
    """Start in `a` and size of difflib's longest match in a[alo:ahi], b[blo:bhi].

    difflib keeps the longest match that ends first in `a`, and of those the
    first in `b`: scanning starts in order and growing only on a longer match
    finds the same one (its place in `b` is the first occurrence).
    """
    region = b[blo:bhi]
    size = 0
    best = alo
    i = alo
    while i + size < ahi:
        if a[i : i + size + 1] in region:
            size += 1
            while i + size < ahi and a[i : i + size + 1] in region:
                size += 1
            best = i
        i += 1
    return best, size


def _longest_walk(
    a: str, b2j: dict[str, list[int]], alo: int, ahi: int, blo: int, bhi: int
) -> tuple[int, int]:
    """The same as _longest by difflib's own walk, cheaper on long regions."""
    best, size = alo, 0
    lengths: dict[int, int] = {}
    nothing: list[int] = []
    for i in range(alo, ahi):
        length = lengths.get
        lengths = {}
        for j in b2j.get(a[i], nothing):
            if j < blo:
                continue
            if j >= bhi:
                break
            k = lengths[j] = length(j - 1, 0) + 1
            if k > size:
                best, size = i - k + 1, k
    return best, size


def matching_blocks(
    a: str, b: str, max_work: float = MAX_WORK
) -> list[tuple[int, int, int]]:
    """SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks();
    raises _TooMuch past `max_work` steps of the walk."""
    found: list[tuple[int, int, int]] = []
    queue = [(0, len(a), 0, len(b))]
    b2j: dict[str, list[int]] = {}
    work = 0
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        if (ahi - alo) * (bhi - blo) <= _SEARCH_CELLS:
            i, size = _longest(a, b, alo, ahi, blo, bhi)
        else:
            if not b2j:
                for j, char in enumerate(b):
                    b2j.setdefault(char, []).append(j)
                counts = Counter(b)
            # Each walk visits, for every item of a[alo:ahi], its places in b.
            work += sum(map(counts.__getitem__, a[alo:ahi]))
            if work > max_work:
                raise _TooMuch()
            i, size = _longest_walk(a, b2j, alo, ahi, blo, bhi)
        if not size:
            continue
        j = b.find(a[i : i + size], blo, bhi)
        found.append((i, j, size))
        if alo < i and blo < j:
            queue.append((alo, i, blo, j))
        if i + size < ahi and j + size < bhi:
            queue.append((i + size, ahi, j + size, bhi))
    found.sort()
    blocks: list[tuple[int, int, int]] = []
    i1 = j1 = k1 = 0
    for i2, j2, k2 in found:
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
            continue
        if k1:
            blocks.append((i1, j1, k1))
        i1, j1, k1 = i2, j2, k2
    if k1:
        blocks.append((i1, j1, k1))
    blocks.append((len(a), len(b), 0))
    return blocks


def _blocks(a: str, b: str, exact: bool) -> list[tuple[int, int, int]]:
    """matching_blocks, or past MAX_WORK those anchored on unique items
    unless `exact` (difflib's answer however long it takes)."""
    if exact:
        return matching_blocks(a, b, math.inf)
    try:
        return matching_blocks(a, b)
    except _TooMuch:
        return _anchored_blocks(a, b)


def opcodes(a: str, b: str, *, exact: bool = False) -> list[Opcode]:
    """SequenceMatcher(None, a, b, autojunk=False).get_opcodes(); past
    MAX_WORK, unless `exact`, opcodes anchored on the items found once (a
    valid diff, maybe a coarser one)."""
    blocks = _blocks(a, b, exact)
    answer: list[Opcode] = []
    i = j = 0
    for ai, bj, size in blocks:
        if i < ai:
            answer.append(("replace" if j < bj else "delete", i, ai, j, bj))
        elif j < bj:
            answer.append(("insert", i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            answer.append(("equal", ai, i, bj, j))
    return answer


def _common(a: str, b: str, backwards: bool) -> int:
    """Length of the common prefix (or suffix) of two strings."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # the largest size that matches, by halving (compared in C)
        mid = (lo + hi + 1) // 2
        if (
            (a[len(a) - mid :] == b[len(b) - mid :])
            if backwards
            else (a[:mid] == b[:mid])
        ):
            lo = mid
        else:
            hi = mid - 1
    return lo


def longest_increasing(items: Sequence[T], key: Callable[[T], int]) -> list[T]:
    """Longest run of `items`, in their order, whose keys strictly increase.

    Patience sorting, O(n log n); of equally long runs, the one whose keys
    end lowest at each length wins (the same choice every caller made).
    """
    tails: list[int] = []  # smallest key ending an increasing run of each length
    ends: list[int] = []  # index in items of that run's end
    back = [-1] * len(items)
    for k, item in enumerate(items):
        value = key(item)
        at = bisect_left(tails, value)
        back[k] = ends[at - 1] if at else -1
        if at == len(tails):
            tails.append(value)
            ends.append(k)
        else:
            tails[at], ends[at] = value, k
    chain: list[T] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        chain.append(items[k])
        k = back[k]
    return chain[::-1]


def _second(pair: tuple[int, int]) -> int:
    return pair[1]


def _unique_anchors(a: str, b: str) -> list[tuple[int, int]]:
    """Pairs (i, j) of items found once in each, longest increasing in both."""
    in_a, in_b = Counter(a), Counter(b)
    where = {c: j for j, c in enumerate(b) if in_b[c] == 1}
    pairs = [(i, where[c]) for i, c in enumerate(a) if in_a[c] == 1 and c in where]
    return longest_increasing(pairs, _second)


def _anchored_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    """Matching blocks of a diff anchored on unique items; gaps between
    anchors are matched as difflib would when small, else left as changes."""
    head = _common(a, b, False)
    tail = _common(a[head:], b[head:], True)
    a_mid, b_mid = a[head : len(a) - tail], b[head : len(b) - tail]
    found = [(0, 0, head)] if head else []
    i = j = 0
    for ai, bj in [*_unique_anchors(a_mid, b_mid), (len(a_mid), len(b_mid))]:
        if ai < i or bj < j:
            continue  # inside a match already extended over it
        if (ai - i) * (bj - j) <= _GAP_CELLS and ai > i and bj > j:
            try:
                gap = matching_blocks(a_mid[i:ai], b_mid[j:bj])
            except _TooMuch:
                gap = []
            found.extend((head + i + x, head + j + y, n) for x, y, n in gap if n)
        if ai == len(a_mid):
            break
        size = 1
        while ai + size < len(a_mid) and bj + size < len(b_mid):
            if a_mid[ai + size] != b_mid[bj + size]:
                break
            size += 1
        found.append((head + ai, head + bj, size))
        i, j = ai + size, bj + size
    if tail:
        found.append((len(a) - tail, len(b) - tail, tail))
    blocks: list[tuple[int, int, int]] = []
    for x, y, n in sorted(found):
        if (
            blocks
            and blocks[-1][0] + blocks[-1][2] == x
            and blocks[-1][1] + blocks[-1][2] == y
        ):
            blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + n)
        else:
            blocks.append((x, y, n))
    blocks.append((len(a), len(b), 0))
    return blocks


def encode_pair(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[str, str]:
    """Two sequences as strings, one character per distinct item."""
    chars: dict[Hashable, str] = {}
    out = []
    for items in (a, b):
        text = []
        for item in items:
            char = chars.get(item)
            if char is None:
                code = 0x100 + len(chars)
                char = chars[item] = chr(code if code < 0xD800 else code + 0x800)
            text.append(char)
        out.append("".join(text))
    return out[0], out[1]


def sequence_opcodes(
    a: Sequence[Hashable], b: Sequence[Hashable], *, exact: bool = False
) -> list[Opcode]:
    """SequenceMatcher(None, a, b, autojunk=False).get_opcodes() for any items
    (see opcodes for `exact`)."""
    return opcodes(*encode_pair(a, b), exact=exact)


def sequence_blocks(
    a: Sequence[Hashable], b: Sequence[Hashable], *, exact: bool = False
) -> list[tuple[int, int, int]]:
    """SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() for
    any items; past MAX_WORK, unless `exact`, blocks anchored on the items
    found once."""
    return _blocks(*encode_pair(a, b), exact)
