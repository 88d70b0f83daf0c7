"""The per-pair work of relocation, kept for the texts seen last: the words
and units of each text and the alignment of each pair, keyed by the texts
themselves (helper of `anchor`)."""

from __future__ import annotations

from cop_drafts.cache import Memo
from cop_drafts.text.anchor import large
from cop_drafts.text.anchor.large import LargeText
from cop_drafts.text.anchor.place import Placer
from cop_drafts.text.anchor.space import SpaceMap
from cop_drafts.text.anchor.units import Doc

# Pairs and texts kept: a publish carries every section from one iteration
# to the next, a page shows one pair; a few of each are plenty.
MAX_PAIRS = 8
MAX_DOCS = 12

Engine = Placer | SpaceMap | LargeText

# Keyed by the texts themselves: a dict compares keys on a hash match, so
# two texts whose hashes collide are never mixed up.
_DOCS: Memo[str, Doc] = Memo(MAX_DOCS)
_PAIRS: Memo[tuple[str, str], Engine] = Memo(MAX_PAIRS)


def doc(text: str) -> Doc:
    """The words and units of `text` (built once while it is recent)."""
    return _DOCS.value(text, lambda: Doc(text))


def engine(old: str, new: str) -> Engine:
    """What relocates spans of `old` in `new`: a map of whitespace when the
    texts differ in nothing else, the aligned units of both, or past the
    budget the changed part's alone (`large`)."""

    def compute() -> Engine:
        space = SpaceMap.of(old, new)
        if space is not None:
            return space
        if len(old) + len(new) > large.BUDGET:
            return LargeText(old, new, _window)
        return Placer(doc(old), doc(new))

    return _PAIRS.value((old, new), compute)


def _window(old: str, new: str) -> Placer | SpaceMap:
    """The full engine for the changed part of a large pair (not kept apart:
    the large pair's engine keeps it)."""
    return SpaceMap.of(old, new) or Placer(Doc(old), Doc(new))


def clear() -> None:
    """Forget every text and pair (for benchmarks of cold runs)."""
    _DOCS.clear()
    _PAIRS.clear()
