"""String helpers for anchor relocation: similarity scores and word
alignment of a quote inside a region (helper of `anchor.py`)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from cop_drafts.text._anchor_diff import WORD_RE, TokenDiff, encode

# Occurrences examined per search pattern.
MAX_OCCURRENCES = 64

_LEAD_RE = re.compile(r"^\W*")
_TRAIL_RE = re.compile(r"\W*$")


@dataclass(frozen=True, slots=True)
class Pattern:
    """Lower-cased words of a quote with a few words of context each side;
    the quote's own words are words[lo:hi]."""

    words: list[str]
    lo: int
    hi: int

    def quote_words(self) -> list[str]:
        """The quote's own words."""
        return self.words[self.lo : self.hi]


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


def _ends_shared(a: str, b: str) -> int:
    """Characters of a shared start plus a shared end of `a` and `b`."""
    head = common_prefix(a, b)
    return head + common_suffix(a[head:], b[head:])


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
        elif alo == ahi or blo == bhi:
            continue
        elif ahi - alo == bhi - blo:
            # Word for word (typos, renumbering): compare the tokens in pairs.
            for i, j in zip(range(alo, ahi), range(blo, bhi), strict=True):
                matched += _ends_shared(
                    a[pos_a[i] : pos_a[i + 1]], b[pos_b[j] : pos_b[j + 1]]
                )
        else:
            shared = Counter(ids_a[alo:ahi]) & Counter(ids_b[blo:bhi])
            matched += sum(size[t] * n for t, n in shared.items()) or _ends_shared(
                a[pos_a[alo] : pos_a[ahi]], b[pos_b[blo] : pos_b[bhi]]
            )
    return 2.0 * matched / (len(a) + len(b))


def word_similarity(a: str, b: str) -> float:
    """Cheap likeness of two short contexts: the share of their distinct
    words (weighted by length) that they have in common."""
    if a == b:
        return 1.0
    wa = {w: len(w) for w in WORD_RE.findall(a.lower())}
    wb = {w: len(w) for w in WORD_RE.findall(b.lower())}
    total = sum(wa.values()) + sum(wb.values())
    shared = sum(wa[w] for w in wa.keys() & wb.keys())
    return 2.0 * shared / total if total else 0.0


def occurrences(
    text: str, pattern: str, lo: int, hi: int, limit: int = MAX_OCCURRENCES
) -> list[int]:
    """Start offsets of `pattern` within text[lo:hi], at most `limit`."""
    found: list[int] = []
    if not pattern:
        return found
    pos = text.find(pattern, max(lo, 0), hi)
    while pos >= 0 and len(found) < limit:
        found.append(pos)
        pos = text.find(pattern, pos + 1, hi)
    return found


def keep_edges(quote: str, text: str, ns: int, ne: int) -> tuple[int, int]:
    """Widen text[ns:ne] by the quote's leading and trailing non-word
    characters where the text has them too."""
    lead = _LEAD_RE.search(quote)
    lead_text = lead.group() if lead else ""
    if lead_text and text[max(0, ns - len(lead_text)) : ns] == lead_text:
        ns -= len(lead_text)
    trail = _TRAIL_RE.search(quote)
    trail_text = trail.group() if trail else ""
    if trail_text and text[ne : ne + len(trail_text)] == trail_text:
        ne += len(trail_text)
    return ns, ne


def word_runs(words: list[str]) -> list[tuple[str, ...]]:
    """Runs of two and of three adjacent words."""
    pairs: list[tuple[str, ...]] = list(zip(words, words[1:], strict=False))
    return pairs + list(zip(words, words[1:], words[2:], strict=False))


def line_starts_at(text: str, pos: int) -> bool:
    """Whether a line starts at `pos`."""
    return pos == 0 or text[pos - 1] == "\n"


def line_ends_at(text: str, pos: int) -> bool:
    """Whether a line ends at `pos`."""
    return pos == len(text) or text[pos] == "\n"


def line_end(text: str, pos: int) -> int:
    """Offset of the end of the line holding `pos` (before its newline)."""
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


# -- aligning a quote's words inside a region ------------------------------


def _lcs_chain(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Longest common subsequence of word lists as (i, j) pairs
    (Hunt-Szymanski: cost grows with matching pairs, not len(a) * len(b))."""
    where: dict[str, list[int]] = {}
    for i in range(len(a) - 1, -1, -1):  # each word's places, last first
        where.setdefault(a[i], []).append(i)
    tails: list[int] = []
    nodes: list[int] = []
    links: list[tuple[int, int, int]] = []
    # Only region words the pattern has can extend the chain.
    for j, places in [(j, where[w]) for j, w in enumerate(b) if w in where]:
        for i in places:
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
    chain: list[tuple[int, int]], pattern: Pattern
) -> list[tuple[int, int]]:
    """The heaviest run of the chain, split where the region jumps far ahead
    of the pattern (quote words weigh double)."""
    clusters: list[list[tuple[int, int]]] = []
    for pair in chain:
        if clusters:
            pi, pj = clusters[-1][-1]
            if (pair[1] - pj) - (pair[0] - pi) <= 3 + (pair[0] - pi) // 2:
                clusters[-1].append(pair)
                continue
        clusters.append([pair])

    def weight(cluster: list[tuple[int, int]]) -> int:
        return sum(
            len(pattern.words[i]) * (2 if pattern.lo <= i < pattern.hi else 1)
            for i, _ in cluster
        )

    return max(clusters, key=weight) if clusters else []


def fit(pattern: Pattern, region: list[str]) -> tuple[int, int, int] | None:
    """First and last region word of the quote, found by aligning the
    pattern with the region's words, and the characters of quote words
    found there; None when nothing aligns."""
    cluster = _best_cluster(_lcs_chain(pattern.words, region), pattern)
    inside = [p for p in cluster if pattern.lo <= p[0] < pattern.hi]
    before = [p for p in cluster if p[0] < pattern.lo]
    after = [p for p in cluster if p[0] >= pattern.hi]
    if inside:
        # Quote words before the first match were reworded: extend by as
        # many words as the quote has there (same at the end).
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
