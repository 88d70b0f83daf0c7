"""Word diff of two short texts with diff-match-patch, read as phrases.

Words are encoded one character each (the lines-to-chars trick applied to
words), diffed, cleaned up semantically, and tiny unchanged islands between
two changes are folded into the change so that the redline reads as phrases.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import compress
from operator import itemgetter

from diff_match_patch import diff_match_patch  # type: ignore[import-untyped]

from cop_drafts.text.sequence import opcodes

#: A unit is a word, a link target or one punctuation mark, with the
#: whitespace after it. Link targets stay whole so a marker never splits a URL.
#: No unit's core (the unit without that whitespace) holds or ends in a space.
_UNIT = re.compile(
    r"(?:\]\([^)\s]*\)|<[A-Za-z][A-Za-z0-9+.-]*:[^>\s]*>|https?://[^\s<>()\]]+"
    r"|\w+(?:['’]\w+)*|[^\w\s])\s*"
)
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+(?:['’]\w+)*")
#: Byte tables for ASCII text: every byte that \w does not match as a space,
#: and (WORD_RUNS) every one it does as "a". On ASCII text,
#: text.encode().translate(SPACE_NON_WORD).split() are the runs of \w, found
#: about five times faster than by a regex.
_ASCII_WORD = [c < 128 and (chr(c).isalnum() or c == 95) for c in range(256)]
SPACE_NON_WORD = bytes(c if word else 32 for c, word in enumerate(_ASCII_WORD))
WORD_RUNS = bytes(97 if word else 32 for word in _ASCII_WORD)
#: Unchanged runs of at most this many words (and characters) between two
#: changes are shown as part of the change.
ISLAND_WORDS = 2
ISLAND_CHARS = 16
#: Up to this product of sizes the diff itself is difflib's (six times faster
#: than diff-match-patch's bisection on the corpus, same words kept); larger
#: blocks go to diff-match-patch, whose timeout bounds them.
_MATCHER_CELLS = 250_000
#: Words this long carry a paragraph's meaning; sharing fewer than this share
#: of them means a redline would shred it (never wrong on the corpus pairs).
_CONTENT_WORD = 4
#: Share of adjacent unit pairs in common below which a redline would shred.
_PAIR_FLOOR = 0.2


class Op(IntEnum):
    """Operation of a diff segment (the values diff-match-patch uses)."""

    DELETE = -1
    EQUAL = 0
    INSERT = 1


@dataclass(frozen=True, slots=True)
class WordDiff:
    """A word diff as segments, with word counts and word-level similarity."""

    ops: tuple[tuple[Op, str], ...]
    words_added: int
    words_removed: int
    words_equal: int

    @property
    def similarity(self) -> float:
        """Share of words kept: 2 * kept / (old words + new words)."""
        total = 2 * self.words_equal + self.words_added + self.words_removed
        return 1.0 if total == 0 else 2 * self.words_equal / total


class Vocabulary:
    """Maps each distinct word to one character, shared across one diff run."""

    __slots__ = ("_chars",)

    def __init__(self) -> None:
        self._chars: dict[str, str] = {}

    def encode(self, cores: Sequence[str]) -> str:
        """One character per unit; equal units get equal characters."""
        chars = self._chars
        for core in dict.fromkeys(cores):  # new units numbered in order of first use
            if core not in chars:
                code = 0x100 + len(chars)
                if code >= 0xD800:  # skip the surrogate range
                    code += 0x800
                chars[core] = chr(code)
        return "".join(map(chars.__getitem__, cores))


def units(text: str) -> tuple[str, list[str], list[str]]:
    """(leading whitespace, unit cores, unit texts with trailing whitespace)."""
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    texts = _UNIT.findall(stripped)
    return lead, [unit.rstrip() for unit in texts], texts


def count_words(text: str) -> int:
    """Number of words (runs with a letter or digit) in a text."""
    if text.isascii() and "'" not in text:  # then a word is a run of \w
        runs = text.encode("ascii").translate(WORD_RUNS)  # counted where they start
        return runs.count(b" a") + runs.startswith(b"a")
    return len(_WORDS.findall(text))


def similarity_bound(old_cores: list[str], new_cores: list[str]) -> float:
    """Estimate of WordDiff.similarity from shared content words (a multiset).

    The words a diff keeps are a common subsequence, never more than the
    multiset intersection; counting only longer words drops the "the" and
    "of" that a redline would not keep between changes anyway.
    """
    old_words = [c.lower() for c in old_cores if len(c) >= _CONTENT_WORD]
    new_words = [c.lower() for c in new_cores if len(c) >= _CONTENT_WORD]
    total = len(old_words) + len(new_words)
    return 1.0 if total == 0 else 2 * _shared(old_words, new_words) / total


def _similarity_above(old_cores: list[str], new_cores: list[str]) -> float:
    """A bound WordDiff.similarity never exceeds: the words it keeps unchanged
    are a common subsequence, so no more than the words both sides share."""
    old_words = list(compress(old_cores, map(_WORD.match, old_cores)))
    new_words = list(compress(new_cores, map(_WORD.match, new_cores)))
    total = len(old_words) + len(new_words)
    return 1.0 if total == 0 else 2 * _shared(old_words, new_words) / total


def _shared(old: list[str], new: list[str]) -> int:
    """Size of the multiset intersection of two lists (Counter & Counter's
    total), with every loop in C."""
    old_counts, new_counts = Counter(old), Counter(new)
    common = old_counts.keys() & new_counts.keys()
    return sum(
        map(
            min,
            map(old_counts.__getitem__, common),
            map(new_counts.__getitem__, common),
        )
    )


def shredded(old_cores: list[str], new_cores: list[str], floor: float) -> bool:
    """True when a word redline would shred the text: shown as a rewrite instead.

    Either too few content words are shared, or the shared words no longer
    stand next to each other (few common word pairs), so what a word diff
    kept would be single words between changes.
    """
    # The pair test first: it runs in C and settles most rewrites.
    old_pairs = set(zip(old_cores, old_cores[1:], strict=False))
    new_pairs = set(zip(new_cores, new_cores[1:], strict=False))
    total = len(old_pairs) + len(new_pairs)
    if total > 0 and 2 * len(old_pairs & new_pairs) / total < _PAIR_FLOOR:
        return True
    return similarity_bound(old_cores, new_cores) < floor


@dataclass(slots=True)
class _Run:
    """A stretch of units: unchanged (same length both sides) or one change."""

    changed: bool
    old_start: int
    old_end: int
    new_start: int
    new_end: int


def _runs(diffs: list[tuple[int, str]]) -> list[_Run]:
    """Diff-match-patch output as runs; adjacent deletions and insertions join."""
    runs: list[_Run] = []
    old = new = 0
    for op, chars in diffs:
        size = len(chars)
        if op == Op.EQUAL:
            runs.append(_Run(False, old, old + size, new, new + size))
            old, new = old + size, new + size
            continue
        old_step = size if op == Op.DELETE else 0
        new_step = size if op == Op.INSERT else 0
        if runs and runs[-1].changed:
            runs[-1].old_end += old_step
            runs[-1].new_end += new_step
        else:
            runs.append(_Run(True, old, old + old_step, new, new + new_step))
        old, new = old + old_step, new + new_step
    return runs


def _diff(engine: diff_match_patch, old: str, new: str) -> list[tuple[int, str]] | None:
    """Diff of two encoded strings; None when diff-match-patch timed out."""
    head = engine.diff_commonPrefix(old, new)
    tail = engine.diff_commonSuffix(old[head:], new[head:])
    old_mid, new_mid = old[head : len(old) - tail], new[head : len(new) - tail]
    if len(old_mid) * len(new_mid) <= _MATCHER_CELLS:
        middle = _matcher_diffs(old_mid, new_mid)
    else:
        started = time.perf_counter()
        middle = engine.diff_main(old_mid, new_mid, False)
        if time.perf_counter() - started >= engine.Diff_Timeout:
            return None
    diffs: list[tuple[int, str]] = [(Op.EQUAL, old[:head])] if head else []
    diffs.extend(middle)
    if tail:
        diffs.append((Op.EQUAL, old[len(old) - tail :]))
    return diffs


def _matcher_diffs(old: str, new: str) -> list[tuple[int, str]]:
    """difflib's diff of two encoded strings in diff-match-patch's format."""
    diffs: list[tuple[int, str]] = []
    for tag, i1, i2, j1, j2 in opcodes(old, new):
        if tag == "equal":
            diffs.append((Op.EQUAL, new[j1:j2]))
            continue
        if i2 > i1:
            diffs.append((Op.DELETE, old[i1:i2]))
        if j2 > j1:
            diffs.append((Op.INSERT, new[j1:j2]))
    return diffs


def _is_island(cores: list[str], start: int, end: int) -> bool:
    """True when an unchanged run is short enough to read as part of a change."""
    words = sum(1 for core in cores[start:end] if _WORD.match(core))
    size = sum(len(core) for core in cores[start:end])
    return words <= ISLAND_WORDS and size <= ISLAND_CHARS


def _is_replace(run: _Run) -> bool:
    return run.old_end > run.old_start and run.new_end > run.new_start


def _merge_islands(runs: list[_Run], cores: list[str]) -> list[_Run]:
    """Fold short unchanged runs between two changes into one change.

    Only next to a replacement: between two plain insertions (or deletions)
    the island reads fine as it is and folding it would invent a change.
    """
    merged: list[_Run] = []
    for run in runs:
        if (
            run.changed
            and len(merged) >= 2
            and merged[-2].changed
            and (_is_replace(run) or _is_replace(merged[-2]))
            and _is_island(cores, merged[-1].old_start, merged[-1].old_end)
        ):
            first = merged[-2]
            del merged[-2:]
            run = _Run(True, first.old_start, run.old_end, first.new_start, run.new_end)
        merged.append(run)
    return merged


def diff_words(
    old: str,
    new: str,
    vocabulary: Vocabulary,
    *,
    timeout: float,
    max_units: int,
    floor: float = 0.0,
    below: float = 0.0,
) -> WordDiff | None:
    """Word diff of `old` to `new`; None when it would pass the budget.

    The budget is `max_units` words and marks per side and `timeout` seconds
    of diff-match-patch time; past it the caller shows the block by lines.
    When the similarity cannot reach `floor`, the diff is skipped and the
    result is one deletion and one insertion; so it is when the similarity
    is sure to stay under `below` (and the diff could not have timed out).
    """
    _, old_cores, old_texts = units(old)
    new_lead, new_cores, new_texts = units(new)
    if max(len(old_cores), len(new_cores)) > max_units:
        return None
    if old_cores == new_cores:
        diffs: list[tuple[int, str]] = [(Op.EQUAL, "x" * len(new_cores))]
    elif floor and shredded(old_cores, new_cores, floor):
        diffs = [(Op.DELETE, "x" * len(old_cores)), (Op.INSERT, "x" * len(new_cores))]
    elif (
        below
        and len(old_cores) * len(new_cores) <= _MATCHER_CELLS
        and _similarity_above(old_cores, new_cores) < below
    ):
        # Encoded all the same: the characters later blocks get must not
        # depend on this shortcut (diff-match-patch's cleanup reads them).
        vocabulary.encode(old_cores)
        vocabulary.encode(new_cores)
        diffs = [(Op.DELETE, "x" * len(old_cores)), (Op.INSERT, "x" * len(new_cores))]
    else:
        engine = diff_match_patch()
        engine.Diff_Timeout = timeout
        found = _diff(
            engine, vocabulary.encode(old_cores), vocabulary.encode(new_cores)
        )
        # Only diff-match-patch's path is timed: difflib's is bounded by
        # _MATCHER_CELLS, and timing it would make a loaded machine show
        # ordinary paragraphs line by line (and cache that).
        if found is None:
            return None  # diff-match-patch gave up and returned a coarse diff
        if len(found) > 3:  # one change in place has nothing to clean up
            engine.diff_cleanupSemantic(found)
        diffs = found
    runs = _merge_islands(_runs(diffs), old_cores)
    return _to_ops(runs, new_lead, old_cores, old_texts, new_cores, new_texts)


def _to_ops(
    runs: list[_Run],
    lead: str,
    old_cores: list[str],
    old_texts: list[str],
    new_cores: list[str],
    new_texts: list[str],
) -> WordDiff:
    ops: list[tuple[Op, str]] = [(Op.EQUAL, lead)] if lead else []
    added = removed = equal = 0
    # First characters of the units: a unit is a word when its first is \w,
    # and one regex call counts the words of a run.
    old_firsts = "".join(map(itemgetter(0), old_cores))
    new_firsts = "".join(map(itemgetter(0), new_cores))
    for run in runs:
        if not run.changed:
            ops.append((Op.EQUAL, "".join(new_texts[run.new_start : run.new_end])))
            equal += len(_WORD.findall(new_firsts, run.new_start, run.new_end))
            continue
        if run.old_end > run.old_start:
            ops.append((Op.DELETE, "".join(old_texts[run.old_start : run.old_end])))
            removed += len(_WORD.findall(old_firsts, run.old_start, run.old_end))
        if run.new_end > run.new_start:
            ops.append((Op.INSERT, "".join(new_texts[run.new_start : run.new_end])))
            added += len(_WORD.findall(new_firsts, run.new_start, run.new_end))
    return WordDiff(tuple(ops), added, removed, equal)
