"""The structure of two versions: sections (the units under one heading)
matched by their headings and by where their units went, then the units of
matched sections aligned in order, as a redline reads them (helper of `anchor`)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

from cop_drafts.text.anchor.units import Doc

# A unit pair counts in the in-order alignment of a section above this.
ORDERED = 0.18
# Sections larger than this (old units times new units) are aligned in the
# stretches between sure pairs only.
MAX_CELLS = 40_000
# Votes for a new section: a heading counts this much more than a unit.
HEADING_VOTE = 2.0
# Candidates below this similarity do not vote for a section.
VOTE_FLOOR = 0.3
# A section goes where this share of its content went, or where its heading
# is this similar to the new heading (for the order of the sections); with
# the larger figures it goes there even out of order (moved).
SECTION_SHARE = 0.2
HEADING_ALONE = 0.45
SURE_SHARE = 0.5
SURE_TITLE = 0.7
SURE_SUM = 0.85
# Sections whose words (idf-weighted) are this similar match; with the
# larger figure, even out of order.
CONTENT = 0.3
SURE_CONTENT = 0.45
CONTENT_FLOOR = 0.2
# Rarest words of a section (or heading) probed, and sections kept.
PROBE_WORDS = 30
PROBE_SECTIONS = 10
# Options (new sections) kept per old section for the order.
OPTIONS = 4
# Headings less similar than this do not vote.
TITLE_FLOOR = 0.3

Candidate = tuple[float, float, int]
Dice = Callable[[int, int], float]
# The similar pairs among given old and new units.
Similar = Callable[[list[int], list[int]], dict[tuple[int, int], float]]


def sections(doc: Doc) -> dict[int, list[int]]:
    """Units of every section, keyed by their heading unit (-1: before any
    heading), in order."""
    out: dict[int, list[int]] = {}
    for unit, heading in enumerate(doc.uheading):
        out.setdefault(heading, []).append(unit)
    return out


def match_sections(
    old: Doc,
    new: Doc,
    candidates: list[list[Candidate]],
    weights: list[float],
    dice: Dice,
    content: dict[tuple[int, int], float],
    headings: list[tuple[int, int]],
) -> dict[int, int]:
    """The new section of each old section: where its heading and its
    units' best candidates point, keeping the order of the sections where
    the evidence is close (a renamed Measure between its renamed
    neighbours)."""
    votes = _votes(old, new, candidates, weights)
    titles: dict[tuple[int, int], float] = {}
    for heading, j in headings:
        d = dice(heading, j)
        if d >= TITLE_FLOOR:
            titles[heading, j] = d
            bucket = votes.setdefault(heading, {})
            bucket[j] = bucket.get(j, 0.0) + HEADING_VOTE * d * weights[heading]
    for key in content:
        votes.setdefault(key[0], {}).setdefault(key[1], 0.0)
    totals: dict[int, float] = {}
    for i, heading in enumerate(old.uheading):
        totals[heading] = totals.get(heading, 0.0) + weights[i]
    options = _options(votes, totals, titles, content)
    out = _in_order(options)
    for heading, target, _, sure in sorted(options, key=lambda o: -o[2]):
        if sure and heading not in out:
            out[heading] = target
    _inherit(old, out)
    if -1 in sections(old) and -1 in sections(new):
        out.setdefault(-1, -1)
    return out


def _votes(
    old: Doc, new: Doc, candidates: list[list[Candidate]], weights: list[float]
) -> dict[int, dict[int, float]]:
    """For each old section, the weight of its units whose best candidates
    sit in each new section."""
    votes: dict[int, dict[int, float]] = {}
    for i, found in enumerate(candidates):
        heading = old.uheading[i]
        if i == heading:
            continue
        for d, _, j in found[:2]:
            if d >= VOTE_FLOOR:
                bucket = votes.setdefault(heading, {})
                target = new.uheading[j]
                bucket[target] = bucket.get(target, 0.0) + d * weights[i]
    return votes


def _options(
    votes: dict[int, dict[int, float]],
    totals: dict[int, float],
    titles: dict[tuple[int, int], float],
    content: dict[tuple[int, int], float],
) -> list[tuple[int, int, float, bool]]:
    """(old section, new section, evidence, sure) of the pairs with enough
    evidence: share of the content voting, likeness of titles and words."""
    named: dict[int, set[int]] = {}
    for h, t in (*titles, *content):
        named.setdefault(h, set()).add(t)
    options = []
    for heading, bucket in votes.items():
        total = totals.get(heading, 0.0) or 1e-9
        if len(bucket) > OPTIONS:
            best = sorted(bucket.items(), key=lambda kv: (-kv[1], kv[0]))[:OPTIONS]
            keep = {t for t, _ in best} | named.get(heading, set())
            bucket = {t: w for t, w in bucket.items() if t in keep}
        for target, weight in bucket.items():
            share = weight / total
            title = titles.get((heading, target), 0.0)
            alike = content.get((heading, target), 0.0)
            if share >= SECTION_SHARE or title >= HEADING_ALONE or alike >= CONTENT:
                sure = (
                    share >= SURE_SHARE
                    or title >= SURE_TITLE
                    or alike >= SURE_CONTENT
                    or title + alike >= SURE_SUM
                )
                options.append((heading, target, share + title + alike, sure))
    return options


def section_similarity(
    old: Doc,
    new: Doc,
    old_sets: list[frozenset[str]],
    new_sets: list[frozenset[str]],
    idf: dict[str, float],
) -> dict[tuple[int, int], float]:
    """Similarity of the words of each old section with the new sections
    that share its rarest words, above a floor."""
    old_bags, new_bags = _bags(old, old_sets), _bags(new, new_sets)
    new_weight = {h: math.fsum(idf[w] for w in b) for h, b in new_bags.items()}
    postings = _postings_of(new_bags, idf)
    out = {}
    for h, bag in old_bags.items():
        weight = math.fsum(idf[w] for w in bag)
        for target in probe(bag, postings, idf, PROBE_WORDS, PROBE_SECTIONS):
            other = new_bags[target]
            shared = math.fsum(idf[w] for w in bag & other)
            value = 2.0 * shared / ((weight + new_weight[target]) or 1e-9)
            if value >= CONTENT_FLOOR:
                out[h, target] = value
    return out


def heading_pairs(
    old: Doc,
    new: Doc,
    old_sets: list[frozenset[str]],
    new_sets: list[frozenset[str]],
    idf: dict[str, float],
) -> list[tuple[int, int]]:
    """(old heading, new heading) pairs worth comparing: those sharing the
    rarest words of the old heading."""
    bags = {u: new_sets[u] for u, _, _ in new.headings}
    postings = _postings_of(bags, idf)
    out = []
    for heading, _, _ in old.headings:
        for target in probe(
            old_sets[heading], postings, idf, PROBE_WORDS, PROBE_SECTIONS
        ):
            out.append((heading, target))
    return out


def probe(
    bag: frozenset[str],
    postings: dict[str, list[int]],
    idf: dict[str, float],
    words: int,
    keep: int,
) -> list[int]:
    """The `keep` keys most voted for by the `words` rarest words of `bag`."""
    rare = heapq.nlargest(
        words, (w for w in bag if w in postings), key=lambda w: (idf[w], w)
    )
    votes: dict[int, float] = {}
    for w in rare:
        for key in postings[w]:
            votes[key] = votes.get(key, 0.0) + idf[w]
    best = heapq.nlargest(keep, votes.items(), key=lambda kv: (kv[1], -kv[0]))
    return [key for key, _ in best]


def _bags(doc: Doc, sets: list[frozenset[str]]) -> dict[int, frozenset[str]]:
    """The stems of every section."""
    out: dict[int, set[str]] = {}
    for unit, heading in enumerate(doc.uheading):
        out.setdefault(heading, set()).update(sets[unit])
    return {h: frozenset(b) for h, b in out.items()}


def _postings_of(
    bags: dict[int, frozenset[str]], idf: dict[str, float]
) -> dict[str, list[int]]:
    """Keys of the bags holding each stem, without stems in too many."""
    postings: dict[str, list[int]] = {}
    for key, bag in bags.items():
        for w in bag:
            postings.setdefault(w, []).append(key)
    cap = max(PROBE_SECTIONS, len(bags) // 8)
    return {w: keys for w, keys in postings.items() if len(keys) <= cap}


def _inherit(old: Doc, out: dict[int, int]) -> None:
    """A section that went nowhere of its own (a "Key Performance
    Indicators" part, a renamed sub-heading) goes where its parent went."""
    parents: list[tuple[int, int]] = []  # (level, heading unit)
    for heading, level, _ in old.headings:
        while parents and parents[-1][0] >= level:
            parents.pop()
        if heading not in out and parents and parents[-1][1] in out:
            out[heading] = out[parents[-1][1]]
        parents.append((level, heading))


def _in_order(options: list[tuple[int, int, float, bool]]) -> dict[int, int]:
    """The heaviest set of section pairs in the order of both texts (a new
    section may take several old ones: merged sections): a weighted longest
    increasing chain, with a tree of prefix maxima over the new order."""
    ranks = {t: r for r, t in enumerate(sorted({o[1] for o in options}))}
    size = len(ranks)
    tree = [(0.0, -1)] * (size + 1)  # Fenwick tree of (best total, option)

    def query(rank: int) -> tuple[float, int]:
        best = (0.0, -1)
        k = rank + 1
        while k > 0:
            best = max(best, tree[k])
            k -= k & -k
        return best

    def update(rank: int, value: tuple[float, int]) -> None:
        k = rank + 1
        while k <= size:
            tree[k] = max(tree[k], value)
            k += k & -k

    ordered = sorted(options)
    best = [0.0] * len(ordered)
    back = [-1] * len(ordered)
    start = 0
    while start < len(ordered):
        stop = start
        while stop < len(ordered) and ordered[stop][0] == ordered[start][0]:
            stop += 1
        for k in range(start, stop):  # one old section: chain from earlier ones
            total, previous = query(ranks[ordered[k][1]])
            best[k], back[k] = total + ordered[k][2], previous
        for k in range(start, stop):
            update(ranks[ordered[k][1]], (best[k], k))
        start = stop
    out: dict[int, int] = {}
    k = max(range(len(ordered)), key=lambda x: (best[x], -x), default=-1)
    while k >= 0:
        out[ordered[k][0]] = ordered[k][1]
        k = back[k]
    return out


def align_in_order(
    olds: list[int],
    news: list[int],
    dice: Dice,
    sure: dict[int, int],
    mergeable: Callable[[int, int], bool],
    similar: Similar,
) -> list[tuple[int, int, float]]:
    """(old, new, similarity) of the units of two matched sections aligned
    in order (each new unit may take two old ones: a merge); large sections
    are cut at the sure pairs inside them."""
    if not olds or not news:
        return []
    if len(olds) * len(news) <= MAX_CELLS:
        return _dp(olds, news, similar(olds, news), mergeable)
    out: list[tuple[int, int, float]] = []
    positions = {j: k for k, j in enumerate(news)}
    cuts = [(a, positions[b]) for a, b in sorted(sure.items()) if b in positions]
    prev_a, prev_b = -1, -1
    index_a = {i: k for k, i in enumerate(olds)}
    for a, kb in [
        *[(index_a[a], kb) for a, kb in cuts if a in index_a],
        (len(olds), len(news)),
    ]:
        if a <= prev_a or kb <= prev_b:
            continue
        part_a, part_b = olds[prev_a + 1 : a], news[prev_b + 1 : kb]
        if len(part_a) * len(part_b) <= MAX_CELLS:
            out.extend(_dp(part_a, part_b, similar(part_a, part_b), mergeable))
        if a < len(olds) and kb < len(news):
            out.append((olds[a], news[kb], dice(olds[a], news[kb])))
        prev_a, prev_b = a, kb
    return out


def _dp(
    olds: list[int],
    news: list[int],
    alike: dict[tuple[int, int], float],
    mergeable: Callable[[int, int], bool],
) -> list[tuple[int, int, float]]:
    """Best in-order alignment by total similarity above ORDERED (`alike`:
    the similar pairs; the others count nothing)."""
    m, n = len(olds), len(news)
    gain = [[0.0] * n for _ in olds]
    row_of = {i: a for a, i in enumerate(olds)}
    col_of = {j: b for b, j in enumerate(news)}
    for (i, j), d in alike.items():
        if d > ORDERED:
            gain[row_of[i]][col_of[j]] = d - ORDERED
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    move = [[0] * (n + 1) for _ in range(m + 1)]  # 1 up, 2 left, 3 pair, 4 merge
    for a in range(1, m + 1):
        row, prev, g = score[a], score[a - 1], gain[a - 1]
        moves = move[a]
        for b in range(1, n + 1):
            best, how = prev[b], 1
            if row[b - 1] > best:
                best, how = row[b - 1], 2
            if g[b - 1] > 0.0:
                if prev[b - 1] + g[b - 1] > best:
                    best, how = prev[b - 1] + g[b - 1], 3
                if (
                    move[a - 1][b] in (3, 4)
                    and prev[b] + g[b - 1] > best
                    and mergeable(olds[a - 1], news[b - 1])
                ):
                    best, how = prev[b] + g[b - 1], 4
            row[b] = best
            moves[b] = how
    out = []
    a, b = m, n
    while a > 0 and b > 0:
        how = move[a][b]
        if how in (3, 4):
            out.append((olds[a - 1], news[b - 1], gain[a - 1][b - 1] + ORDERED))
        if how == 1 or how == 4:
            a -= 1
        elif how == 2:
            b -= 1
        else:
            a, b = a - 1, b - 1
    out.reverse()
    return out
