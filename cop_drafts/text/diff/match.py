"""Match the blocks of two versions: unchanged, changed, moved, inserted, deleted.

Exact keys (text without numbering) anchor the two sequences; between anchors,
blocks with the same key elsewhere are moves, and similar blocks (shared rare
words, then word-set similarity) are changes in place when they keep their
order, moved-and-edited otherwise.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter

from cop_drafts.text.diff.blocks import FAMILY, Block, BlockKind
from cop_drafts.text.diff.words import SPACE_NON_WORD
from cop_drafts.text.sequence import longest_increasing, sequence_opcodes

#: Word-set similarity needed to pair two blocks in place, and elsewhere.
PAIR_IN_PLACE = 0.3
PAIR_MOVED = 0.5
#: Short blocks (headings, list labels) share half their words by chance.
PAIR_MOVED_SHORT = 0.7
_SHORT = 6
#: Rarest words of a block used to find candidate partners, and how many.
_PROBE_WORDS = 10
_CANDIDATES = 4
#: A word in more blocks than this is no clue to where a block came from.
_RARE = 24
_WORDS = re.compile(r"\w+")
#: SPACE_NON_WORD that also lowercases ASCII letters.
_LOWER_WORDS = SPACE_NON_WORD.lower()


class ChangeKind(StrEnum):
    """What happened to a block between two versions."""

    UNCHANGED = "unchanged"
    RENUMBERED = "renumbered"  # same text, new number
    CHANGED = "changed"
    MOVED = "moved"
    MOVED_EDITED = "moved_edited"
    INSERTED = "inserted"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Step:
    """One row of the redline in reading order.

    `away` marks the old place of a moved block (shown as "moved to ...").
    """

    kind: ChangeKind
    old: int | None
    new: int | None
    away: bool = False


def _word_set(block: Block) -> frozenset[bytes]:
    """The block's words in UTF-8: bytes are cheaper to split out than str,
    and compare (equal, ordered) as their text does."""
    # The key, not the content: numbering ("Measure 2.3") must not make two
    # unrelated headings look alike.
    text = block.key.partition(":")[2]
    if text.isascii():  # lowercased by the same table (A-Z only, as str.lower)
        return frozenset(text.encode("ascii").translate(_LOWER_WORDS).split())
    words = _WORDS.findall(text.lower())
    return frozenset(w.encode("utf-8", "surrogatepass") for w in words)


def _dice(a: frozenset[bytes], b: frozenset[bytes]) -> float:
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))


def _similar_pairs(
    old: Sequence[Block],
    new: Sequence[Block],
    free_old: list[int],
    free_new: list[int],
    sets: dict[tuple[int, int], frozenset[bytes]],
) -> list[tuple[float, int, int]]:
    """Candidate (similarity, old, new) pairs found through shared rare words.

    Ties are broken by the words themselves, never by set iteration order
    (which follows string hashes and so changes from process to process).
    """
    postings: dict[bytes, list[int]] = defaultdict(list)
    for i in free_old:
        for word in sets[0, i]:
            postings[word].append(i)
    common = max(4, min(_RARE, len(free_old) // 8))
    # (posting size, word): the order in which a block's rare words are probed
    rank = {w: (len(p), w) for w, p in postings.items() if len(p) <= common}
    families = {i: FAMILY[old[i].kind] for i in free_old}
    pairs: list[tuple[float, int, int]] = []
    for j in free_new:
        words = sets[1, j]
        found = sorted([rank[w] for w in words & rank.keys()])
        ids: list[int] = []
        for _, word in found[:_PROBE_WORDS]:
            ids += postings[word]
        # Most hits first, ties in the order first seen (as most_common does)
        hits = sorted(Counter(ids).items(), key=itemgetter(1), reverse=True)
        family = FAMILY[new[j].kind]
        for i, _ in hits[:_CANDIDATES]:
            if families[i] == family:
                other = sets[0, i]  # _dice, inline; `words` is not empty here
                score = 2 * len(words & other) / (len(words) + len(other))
                if score >= PAIR_IN_PLACE:
                    pairs.append((score, i, j))
    return pairs


def _movable(old: frozenset[bytes], new: frozenset[bytes]) -> bool:
    """True when two blocks are alike enough to call one a moved, edited other."""
    short = min(len(old), len(new)) < _SHORT
    return _dice(old, new) >= (PAIR_MOVED_SHORT if short else PAIR_MOVED)


def _longest_chain(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Largest subset of (old, new) pairs increasing in both (sorted by new)."""
    by_new = sorted(pairs, key=itemgetter(1))
    return set(longest_increasing(by_new, itemgetter(0)))


def _in_place_kind(old: Block, new: Block) -> ChangeKind:
    if old.key != new.key or old.level != new.level:
        return ChangeKind.CHANGED
    if old.number != new.number:
        return ChangeKind.RENUMBERED
    return ChangeKind.UNCHANGED


def align(old: Sequence[Block], new: Sequence[Block]) -> list[Step]:
    """The redline's rows in reading order: deletions before insertions."""
    opcodes = sequence_opcodes([b.key for b in old], [b.key for b in new])
    in_place: dict[int, int] = {}  # new -> old
    gap_of_old: dict[int, int] = {}
    gap_of_new: dict[int, int] = {}
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            in_place.update((j1 + k, i1 + k) for k in range(i2 - i1))
            continue
        gap_of_old.update((i, number) for i in range(i1, i2))
        gap_of_new.update((j, number) for j in range(j1, j2))
    sets = {(0, i): _word_set(old[i]) for i in gap_of_old}
    sets.update(((1, j), _word_set(new[j])) for j in gap_of_new)
    pairs = _pair_free(old, new, sorted(gap_of_old), sorted(gap_of_new), sets)
    by_gap: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in pairs.items():
        if gap_of_old[i] == gap_of_new[j]:
            by_gap[gap_of_new[j]].append((i, j))
    for candidates in by_gap.values():
        in_place.update((j, i) for i, j in _longest_chain(candidates))
    moved = {j: i for i, j in pairs.items() if in_place.get(j) != i}
    moved = {
        j: i
        for j, i in moved.items()
        if old[i].key == new[j].key or _movable(sets[0, i], sets[1, j])
    }
    return _steps(old, new, in_place, moved)


def _pair_free(
    old: Sequence[Block],
    new: Sequence[Block],
    free_old: list[int],
    free_new: list[int],
    sets: dict[tuple[int, int], frozenset[bytes]],
) -> dict[int, int]:
    """Pairs (old -> new) among unanchored blocks: same key first, then similar."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in free_old:
        by_key[old[i].key].append(i)
    pairs: dict[int, int] = {}
    for j in free_new:
        waiting = by_key.get(new[j].key)
        if waiting:
            pairs[waiting.pop(0)] = j
    taken_new = set(pairs.values())
    rest_old = [i for i in free_old if i not in pairs]
    rest_new = [j for j in free_new if j not in taken_new]
    for _, i, j in sorted(
        _similar_pairs(old, new, rest_old, rest_new, sets), reverse=True
    ):
        if i not in pairs and j not in taken_new:
            pairs[i] = j
            taken_new.add(j)
    return pairs


def _steps(
    old: Sequence[Block],
    new: Sequence[Block],
    in_place: dict[int, int],
    moved: dict[int, int],
) -> list[Step]:
    moved_away = {i: j for j, i in moved.items()}
    steps: list[Step] = []
    sync = sorted((i, j) for j, i in in_place.items())
    previous_old = previous_new = -1
    for i, j in [*sync, (len(old), len(new))]:
        for gone in range(previous_old + 1, i):
            if gone in moved_away:
                kind = _moved_kind(old[gone], new[moved_away[gone]])
                steps.append(Step(kind, gone, moved_away[gone], away=True))
            else:
                steps.append(Step(ChangeKind.DELETED, gone, None))
        for came in range(previous_new + 1, j):
            if came in moved:
                steps.append(
                    Step(_moved_kind(old[moved[came]], new[came]), moved[came], came)
                )
            else:
                steps.append(Step(ChangeKind.INSERTED, None, came))
        if i < len(old):
            steps.append(Step(_in_place_kind(old[i], new[j]), i, j))
        previous_old, previous_new = i, j
    return steps


def _moved_kind(old: Block, new: Block) -> ChangeKind:
    if old.key == new.key and old.kind is new.kind:
        return ChangeKind.MOVED
    return ChangeKind.MOVED_EDITED


__all__ = ["BlockKind", "ChangeKind", "Step", "align"]
