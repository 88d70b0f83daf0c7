"""The shared sequence helpers: difflib's answers, faster; one increasing chain."""

from __future__ import annotations

import random
from difflib import SequenceMatcher
from itertools import combinations
from operator import itemgetter

from cop_drafts.text.sequence import (
    longest_increasing,
    sequence_blocks,
    sequence_opcodes,
)


def _brute_longest(values: list[int]) -> int:
    for size in range(len(values), 0, -1):
        for picked in combinations(values, size):
            if all(x < y for x, y in zip(picked, picked[1:], strict=False)):
                return size
    return 0


def test_longest_increasing_is_longest_strictly_increasing_and_in_order() -> None:
    rng = random.Random(7)
    for _ in range(300):
        pairs = [(i, rng.randrange(12)) for i in range(rng.randrange(10))]
        chain = longest_increasing(pairs, itemgetter(1))
        assert len(chain) == _brute_longest([j for _, j in pairs])
        assert [i for i, _ in chain] == sorted(i for i, _ in chain)
        assert all(a[1] < b[1] for a, b in zip(chain, chain[1:], strict=False))
        assert set(chain) <= set(pairs)


def test_matcher_gives_difflibs_blocks_and_opcodes_on_lines() -> None:
    rng = random.Random(11)
    for _ in range(500):
        a = [rng.choice(["", "x", "y", "z", "a b"]) for _ in range(rng.randrange(40))]
        b = [rng.choice(["", "x", "y", "q"]) for _ in range(rng.randrange(40))]
        expected = SequenceMatcher(None, a, b, autojunk=False)
        blocks = [tuple(m) for m in expected.get_matching_blocks()]
        for exact in (False, True):
            assert sequence_blocks(a, b, exact=exact) == blocks
            assert sequence_opcodes(a, b, exact=exact) == expected.get_opcodes()
