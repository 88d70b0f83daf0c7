"""Similar comments, grouped so the Chairs answer them together: comments on
the same passage (overlapping spans of one section of one version) and
near-identical texts (campaigns, co-signed letters with small edits).

Text. A comment becomes the set of its word 3-shingles after normalising
(NFKC, case folded, every run of punctuation, digits and spaces one break),
each shingle hashed with zlib.crc32, which is the same in every process
(never the salted ``hash()``). Candidates come from MinHash with LSH banding,
written here without numpy: one-permutation MinHash (each shingle's hash,
multiplied by the fixed odd SEED modulo 2**64, picks one of 64 bins by its
top bits, and each bin keeps its smallest value; empty bins borrow from the
next filled one, "rotation" densification) costs one multiply per shingle
instead of 64 and each bin still agrees with probability equal to the
Jaccard similarity. 21 bands of 3 values: a pair at Jaccard 0.6 shares a
band with probability 0.99, at 0.2 with 0.15. Each candidate is confirmed
by the exact Jaccard of the two shingle sets, >= 0.6 (in the benchmark half
the pairs of a campaign's letters lie at 0.62-0.82, and 99 % of unrelated
candidate pairs under 0.2, the highest at 0.59), and joined with a
union-find. In a bucket a comment is checked against the first members of
at most 8 components met there, so a campaign of 2,000 letters costs some
2,000 checks, not 2 million. 3-shingles rather
than 4 or 5: an edited word breaks 3 shingles, not 5, so a letter with a
changed word and a sentence of its own stays above 0.6; in the benchmark
(bench/grouping_speed.py) k = 4 kept 4 % fewer letters with their campaign
at no gain in precision. Comments under 8 words are not grouped by text: "I
agree with the above" would match all over the Code.

Passage. Spans of one path on one version overlapping by at least half of
their union (a sentence and the paragraph around it are two passages). The
span most commented on leads and takes the spans close enough to it, then
the next: a chain of half-overlapping selections does not sweep a section.

Groups are the connected components of both kinds of link; ids, groups and
representatives depend only on the items: not their order, not the process.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from time import perf_counter

__all__ = [
    "MIN_WORDS",
    "OVERLAP",
    "THRESHOLD",
    "Group",
    "Item",
    "Reason",
    "group",
    "jaccard",
    "shingles",
    "signature",
    "words",
]

THRESHOLD = 0.6  # exact Jaccard of shingle sets for near-identical text
OVERLAP = 0.5  # Jaccard of character spans for the same passage
MIN_WORDS = 8  # shorter comments are grouped by passage only
SHINGLE = 3  # words per shingle
BANDS, ROWS = 21, 3
BINS = 64  # BANDS * ROWS <= BINS; the 64th bin is only a densification source
# The fixed seed of the MinHash permutation: odd, so that multiplying by it
# modulo 2**64 permutes 64-bit values; the top 6 bits of the product pick the bin.
SEED = 0x9E37_79B9_7F4A_7C15
_MASK = (1 << 64) - 1
_EMPTY = 1 << 64  # above every 64-bit value
_BORROWED = 1 << 64  # densified values: distance * _BORROWED + borrowed value
_GOLDEN = 0x9E37_79B9  # spreads band numbers over the bits
_PACK = 72  # bits per value when a band is packed into one int
_HEADS = 8  # components a bucket's members are checked against
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Item:
    """A comment to group: its id, text, and the span it is compared on.

    `start`/`end` are 0-based, end-exclusive character offsets in the text of
    section `path` on `version` (None: no passage); items of different
    versions never meet by passage.
    """

    id: int
    text: str
    path: str
    start: int | None
    end: int | None
    version: str = ""


class Reason(StrEnum):
    """Why comments form a group."""

    PASSAGE = "same passage"
    TEXT = "near-identical text"
    BOTH = "same passage and near-identical text"


@dataclass(frozen=True, slots=True)
class Group:
    """Two or more items answered together.

    `ids` ascending; `near_identical` the members linked to another by text
    (all of them for a text group, none for a passage group); `representative`
    the member of the largest text cluster closest to its consensus, None for
    a passage group.
    """

    ids: tuple[int, ...]
    reason: Reason
    representative: int | None
    near_identical: tuple[int, ...]


def words(text: str) -> list[str]:
    """Normalised words: NFKC, case folded, letters only (digits and
    punctuation separate words and are dropped)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _WORD.findall(text.casefold())


def shingles(tokens: Sequence[str], k: int = SHINGLE) -> set[int]:
    """Stable 32-bit hashes of the k-word shingles of `tokens` (one shingle
    of all of them when there are fewer than k)."""
    if len(tokens) < k:
        return {zlib.crc32(" ".join(tokens).encode())} if tokens else set()
    grams = zip(*(tokens[i:] for i in range(k)), strict=False)
    return set(map(zlib.crc32, map(str.encode, map(" ".join, grams))))


def signature(hashes: Iterable[int]) -> list[int]:
    """One-permutation MinHash of a set of shingle hashes: BINS values, the
    empty bins densified by rotation. Raises ValueError on an empty set."""
    mins = [_EMPTY] * BINS
    for h in hashes:
        x = (h * SEED) & _MASK
        b = x >> 58
        if x < mins[b]:
            mins[b] = x
    filled = [i for i, v in enumerate(mins) if v != _EMPTY]
    if not filled:
        raise ValueError("no shingles to sign")
    if len(filled) < BINS:
        # An empty bin takes the next filled one to its right (circular),
        # tagged with the distance so that borrowed values match only values
        # borrowed from as far away.
        nxt = filled[0] + BINS
        for i in range(BINS - 1, -1, -1):
            if mins[i] != _EMPTY:
                nxt = i
            else:
                mins[i] = (nxt - i) * _BORROWED + mins[nxt % BINS]
    return mins


def jaccard(a: set[int], b: set[int]) -> float:
    """|a & b| / |a | b| (0.0 for two empty sets)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)  # iterates the smaller set
    return inter / (len(a) + len(b) - inter)


class _Links:
    """Union-find over item positions; the smaller position is the root."""

    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        """Join the sets of i and j; False when they were already one."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        if b < a:
            a, b = b, a
        self.parent[b] = a
        return True

    def components(self) -> list[list[int]]:
        """Sets of two or more, each ascending, ordered by first member."""
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            members[self.find(i)].append(i)
        return [m for m in members.values() if len(m) > 1]


def _prepare(
    items: Sequence[Item], min_words: int, timings: dict[str, float] | None
) -> tuple[list[set[int] | None], dict[int, list[int]]]:
    t0 = perf_counter()
    sets: list[set[int] | None] = []
    for item in items:
        tokens = words(item.text)
        sets.append(shingles(tokens) if len(tokens) >= min_words else None)
    t1 = perf_counter()
    sigs = {i: signature(s) for i, s in enumerate(sets) if s}
    if timings is not None:
        timings["shingling"] = t1 - t0
        timings["minhash"] = perf_counter() - t1
    return sets, sigs


def _buckets(sigs: dict[int, list[int]]) -> list[tuple[int, list[int]]]:
    """(band, positions) whose signatures agree on that whole band."""
    found: list[tuple[int, list[int]]] = []
    if len(sigs) < 2:
        return found
    positions = list(sigs)
    columns = list(zip(*sigs.values(), strict=True))
    for band in range(BANDS):
        first, *rest = columns[band * ROWS : (band + 1) * ROWS]
        # A band's values packed into one int (each is under 2**71): exact,
        # and ints, unlike 400,000 tuples, give the garbage collector no work.
        keys: Iterable[int] = first
        for n, column in enumerate(rest, 1):
            keys = map(int.__add__, keys, map((n * _PACK).__rlshift__, column))
        firsts: dict[int, int] = {}  # ints only: untracked by the collector
        shared: dict[int, list[int]] = {}
        for i, key in zip(positions, keys, strict=True):
            j = firsts.setdefault(key, i)
            if j != i:
                bucket = shared.get(key)
                if bucket is None:
                    shared[key] = [j, i]
                else:
                    bucket.append(i)
        found.extend((band, b) for b in shared.values())
    return found


def _link_texts(
    sets: list[set[int] | None],
    buckets: list[tuple[int, list[int]]],
    threshold: float,
    links: _Links,
) -> None:
    """Confirm candidates by exact Jaccard and join them in `links`.

    In a bucket, each member is checked against the bucket's heads only (the
    first members of up to _HEADS components): a campaign of n letters costs
    about n checks, not n*n/2, and a bucket of unrelated texts that share a
    quotation stays linear. A letter unlike the first head becomes one.
    """
    failed: set[int] = set()  # head << 32 | member: ints, no tuples to collect
    for band, bucket in buckets:
        heads: list[int] = []
        # Each band meets its members in another fixed order, so that one
        # letter unlike the rest does not lead every bucket of its campaign.
        salt = (band + 1) * _GOLDEN
        for m in sorted(bucket, key=lambda i: ((i ^ salt) * SEED) & _MASK):
            a = sets[m]
            assert a is not None
            joined = False
            for h in heads:
                if links.find(h) == links.find(m):
                    joined = True
                    continue
                pair = h << 32 | m
                if pair in failed:
                    continue
                b = sets[h]
                assert b is not None
                if _similar(a, b, threshold):
                    links.union(h, m)
                    joined = True
                else:
                    failed.add(pair)
            if not joined and len(heads) < _HEADS:
                heads.append(m)


def _similar(a: set[int], b: set[int], threshold: float) -> bool:
    # Jaccard <= smaller / larger: most unrelated pairs stop at the lengths.
    la, lb = len(a), len(b)
    if (la if la < lb else lb) < threshold * (lb if la < lb else la):
        return False
    return jaccard(a, b) >= threshold


def _link_passages(items: Sequence[Item], overlap: float, links: _Links) -> None:
    """Join the comments on one passage: per path and version, the span most
    commented on (then the earliest) leads, and every span not yet placed
    whose overlap with it is at least `overlap` of their union joins it; the
    next unplaced span leads the next group. Not transitive on purpose: a
    chain of half-overlapping selections would sweep a section into one."""
    spans: dict[tuple[str, str], dict[tuple[int, int], list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for i, item in enumerate(items):
        if item.start is None or item.end is None or not 0 <= item.start <= item.end:
            continue
        spans[(item.version, item.path)][(item.start, item.end)].append(i)
    for same in spans.values():
        for members in same.values():
            for m in members[1:]:
                links.union(members[0], m)
        by_start = sorted(same)
        starts = [start for start, _ in by_start]
        placed: set[tuple[int, int]] = set()
        for lead in sorted(same, key=lambda span: (-len(same[span]), span)):
            if lead in placed:
                continue
            placed.add(lead)
            s1, e1 = lead
            # Spans overlapping the lead enough start within these bounds.
            lo = bisect_left(starts, s1 - (1 - overlap) / overlap * (e1 - s1))
            hi = bisect_right(starts, s1 + (1 - overlap) * (e1 - s1))
            for span in by_start[lo:hi]:
                s2, e2 = span
                inter = min(e1, e2) - max(s1, s2)
                union = max(e1, e2) - min(s1, s2)
                if span not in placed and inter > 0 and inter >= overlap * union:
                    placed.add(span)
                    links.union(same[lead][0], same[span][0])


def _central(cluster: list[int], sigs: dict[int, list[int]]) -> int:
    """The member whose signature agrees most with the cluster's per-bin
    majority (an estimate of the member most like all the others)."""
    rows = [sigs[i] for i in cluster]
    modes = [Counter(column).most_common(1)[0][0] for column in zip(*rows, strict=True)]
    scores = [sum(map(int.__eq__, row, modes)) for row in rows]
    best = max(scores)
    return cluster[scores.index(best)]


def _assemble(
    ordered: Sequence[Item],
    texts: _Links,
    passages: _Links,
    sigs: dict[int, list[int]],
) -> list[Group]:
    n = len(ordered)
    both = _Links(n)
    in_text: set[int] = set()
    in_passage: set[int] = set()
    for links, marked in ((texts, in_text), (passages, in_passage)):
        for members in links.components():
            marked.update(members)
            for m in members[1:]:
                both.union(members[0], m)
    out = []
    for members in both.components():
        near = [m for m in members if m in in_text]
        reason = Reason.PASSAGE
        representative = None
        if near:
            reason = (
                Reason.BOTH if any(m in in_passage for m in members) else (Reason.TEXT)
            )
            clusters: dict[int, list[int]] = defaultdict(list)
            for m in near:
                clusters[texts.find(m)].append(m)
            largest = max(clusters.values(), key=lambda c: (len(c), -c[0]))
            representative = ordered[_central(largest, sigs)].id
        out.append(
            Group(
                tuple(ordered[m].id for m in members),
                reason,
                representative,
                tuple(ordered[m].id for m in near),
            )
        )
    out.sort(key=lambda g: (-len(g.ids), g.ids[0]))
    return out


def group(
    items: Iterable[Item],
    *,
    threshold: float = THRESHOLD,
    overlap: float = OVERLAP,
    min_words: int = MIN_WORDS,
    timings: dict[str, float] | None = None,
) -> list[Group]:
    """Groups of two or more items on the same passage or of near-identical
    text, largest first (then by smallest id); the same for any order of
    `items` and in any process. `timings`, when given, receives the seconds
    spent per stage. Raises ValueError on repeated ids or a threshold or
    overlap outside (0, 1].
    """
    if not 0 < threshold <= 1 or not 0 < overlap <= 1:
        raise ValueError("threshold and overlap must be in (0, 1]")
    ordered = sorted(items, key=lambda item: item.id)
    if any(a.id == b.id for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError("item ids must be unique")
    sets, sigs = _prepare(ordered, min_words, timings)
    t0 = perf_counter()
    buckets = _buckets(sigs)
    t1 = perf_counter()
    texts = _Links(len(ordered))
    _link_texts(sets, buckets, threshold, texts)
    t2 = perf_counter()
    passages = _Links(len(ordered))
    _link_passages(ordered, overlap, passages)
    t3 = perf_counter()
    found = _assemble(ordered, texts, passages, sigs)
    if timings is not None:
        timings.update(
            lsh=t1 - t0,
            verification=t2 - t1,
            passages=t3 - t2,
            assembling=perf_counter() - t3,
        )
    return found
