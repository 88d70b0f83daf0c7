"""Indexes of a whole text, built once for many anchors: its words by
offset, its lines by rare words and word pairs, and the places of a quote
(helper of `anchor.py`)."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right

from cop_drafts.text._anchor_diff import WORD_RE
from cop_drafts.text._anchor_text import Pattern, occurrences, word_runs

# Rarest quote words (and context words) that vote for candidate lines.
VOTING_WORDS = 16
VOTING_CONTEXT = 8
# A candidate line needs this share of the voting weight.
MIN_VOTE = 0.3
# Quotes looked for by scanning the whole text before its words are indexed
# (indexing costs some hundreds of scans).
SCANS = 256

# Word offsets and lower-cased words of a stretch of text.
Words = tuple[list[tuple[int, int]], list[str]]


class WordTable:
    """The words of a whole text, scanned once: the words of any stretch
    of it are then two bisections and a slice, not a scan."""

    __slots__ = ("text", "starts", "ends", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        spans = [m.span() for m in WORD_RE.finditer(text)]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]
        self.words = [text[a:b].lower() for a, b in spans]

    def within(self, lo: int, hi: int) -> Words:
        """Offsets and lower-cased words of text[lo:hi], as a scan bounded
        to it finds them (words cut by the bounds are cut too)."""
        lo, hi = max(lo, 0), min(hi, len(self.text))
        if lo >= hi:
            return [], []
        i = bisect_right(self.ends, lo)
        j = bisect_left(self.starts, hi)
        spans = list(zip(self.starts[i:j], self.ends[i:j], strict=True))
        words = self.words[i:j]
        if spans and spans[0][0] < lo:
            spans[0] = (lo, spans[0][1])
            words[0] = self.text[lo : spans[0][1]].lower()
        if spans and spans[-1][1] > hi:
            spans[-1] = (spans[-1][0], hi)
            words[-1] = self.text[spans[-1][0] : hi].lower()
        return spans, words


# -- finding candidate lines -----------------------------------------------


def _shingles(words: list[str]) -> list[str]:
    """Words and word pairs: pairs tell passages apart, words survive edits."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class WordIndex:
    """Which lines of a text contain which lower-cased words and word pairs."""

    __slots__ = ("lines", "count", "common", "_df", "_idf")

    def __init__(self, text: str, skip: set[int]) -> None:
        self.lines: dict[str, list[int]] = {}
        all_lines = text.lower().split("\n")
        for number, line in enumerate(all_lines):
            if number not in skip:
                for key in set(_shingles(WORD_RE.findall(line))):
                    self.lines.setdefault(key, []).append(number)
        self.count = len(all_lines)
        # Keys in more lines than this are too common to point at a passage.
        self.common = max(24, self.count // 40)
        self._df = {key: len(lines) for key, lines in self.lines.items()}
        # Weight of a key found in `df` lines (rarer: heavier), for each df
        # that can vote; a key absent from the text weighs as a unique one.
        self._idf = [
            math.log(1.0 + self.count / max(df, 1)) for df in range(self.common + 1)
        ]

    def _weights(self, pattern: Pattern) -> dict[str, float]:
        """Inverse-frequency weights of the rarest quote and context keys
        (keys absent from the text count too: they make a line less likely)."""
        words, lo, hi = pattern.words, pattern.lo, pattern.hi
        pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        quote = set(words[lo:hi])
        quote.update(pairs[lo : hi - 1])
        context = set(words)
        context.update(pairs)
        context -= quote
        get, common, idf = self._df.get, self.common, self._idf
        weights: dict[str, float] = {}
        for keys, keep, factor in (
            (quote, VOTING_WORDS, 1.0),
            (context, VOTING_CONTEXT, 0.5),
        ):
            # The `keep` rarest keys, without those too common to vote
            # (sorted on (df, key), so the choice does not depend on hashing).
            rare = sorted([(df, k) for k in keys if (df := get(k, 0)) <= common])
            for df, key in rare[:keep]:
                weights[key] = factor * idf[df]
        return weights

    def vote(self, pattern: Pattern, limit: int) -> list[int]:
        """Up to `limit` lines (0-based) holding at least MIN_VOTE of the
        weight of the pattern's rare keys, best first."""
        weights = self._weights(pattern)
        floor = MIN_VOTE * sum(weights.values())
        present = {k: w for k, w in weights.items() if k in self.lines}
        if sum(present.values()) < floor:
            return []  # most rare words are gone: no line can qualify
        votes: dict[int, float] = {}
        get = votes.get
        for key, weight in present.items():
            for line in self.lines[key]:
                votes[line] = get(line, 0.0) + weight
        best = heapq.nsmallest(
            limit, ((-v, line) for line, v in votes.items() if v >= floor)
        )
        return [line for _, line in best]


class QuoteFinder:
    """Where quotes occur word for word in a text: a scan of the text at
    first, then (once the scans add up) the places of the quote's rarest
    word, checked one by one."""

    __slots__ = ("text", "runs", "places", "_sorted", "_reversed", "_scanned")

    def __init__(self, text: str) -> None:
        self.text = text
        self.runs = set(word_runs(WORD_RE.findall(text)))
        self.places: dict[str, list[int]] = {}
        # Distinct words, and the same reversed, sorted: the words starting
        # (ending) with a given string are a run of neighbours.
        self._sorted: list[str] = []
        self._reversed: list[str] = []
        self._scanned = 0

    def find(self, quote: str, limit: int) -> list[int]:
        """Offsets of `quote` in the text, in order, at most `limit`."""
        # Inner words are whole words wherever the quote occurs (its end
        # words may be cut): their runs must occur in the text.
        if not self.runs.issuperset(word_runs(WORD_RE.findall(quote)[1:-1])):
            return []
        text = self.text
        if self._scanned <= SCANS * len(text):
            self._scanned += len(text)
            if self._scanned <= SCANS * len(text):
                return occurrences(text, quote, 0, len(text), limit)
            self._index()
        found = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(quote)]
        starts = self._starts(quote, found, len(text) >> 8)
        if starts is None:
            # A single word, or only common ones: a scan is cheaper.
            return occurrences(text, quote, 0, len(text), limit)
        out = []
        for pos in starts:
            if pos >= 0 and text.startswith(quote, pos):
                out.append(pos)
                if len(out) == limit:
                    break
        return out

    def _index(self) -> None:
        """Index the text's words by offset, and sort them both ways."""
        for m in WORD_RE.finditer(self.text):
            self.places.setdefault(m.group(), []).append(m.start())
        self._sorted = sorted(self.places)
        self._reversed = sorted(w[::-1] for w in self.places)

    def _starts(
        self, quote: str, found: list[tuple[int, int, str]], most: int
    ) -> list[int] | None:
        """Possible offsets of `quote`, in order, from its rarest word: a
        word with a non-word character before it in the quote starts a word
        of the text there, one with a non-word character after it ends one.
        None when every word of the quote is unbounded or in over `most`
        places."""
        best: tuple[int, list[str], int, bool] | None = None
        for start, end, word in found:
            if start > 0 and end < len(quote):
                kin = [word] if word in self.places else []
            elif start > 0:
                kin = _kin(self._sorted, word)
            elif end < len(quote):
                kin = [w[::-1] for w in _kin(self._reversed, word[::-1])]
            else:
                continue
            count = sum(len(self.places[w]) for w in kin)
            if count <= most and (best is None or count < best[0]):
                best = (count, kin, start if start > 0 else end, start > 0)
        if best is None:
            return None
        _, kin, offset, leading = best
        if leading:  # the text's word starts `offset` into the quote
            out = [p - offset for w in kin for p in self.places[w]]
        else:  # the text's word ends `offset` into the quote
            out = [p + len(w) - offset for w in kin for p in self.places[w]]
        return sorted(out) if len(kin) > 1 else out


def _kin(ordered: list[str], word: str) -> list[str]:
    """The strings of sorted `ordered` that start with `word`."""
    out = []
    i = bisect_left(ordered, word)
    while i < len(ordered) and ordered[i].startswith(word):
        out.append(ordered[i])
        i += 1
    return out
