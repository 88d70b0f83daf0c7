"""The per-pair work of relocation, kept for the texts seen last: the words
and units of each text and the alignment of each pair, keyed by the texts'
hashes (helper of `anchor`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from cop_drafts.text.anchor.place import Placer
from cop_drafts.text.anchor.space import SpaceMap
from cop_drafts.text.anchor.units import Doc

# Pairs and texts kept: a publish carries every section from one iteration
# to the next, a page shows one pair; a few of each are plenty.
MAX_PAIRS = 8
MAX_DOCS = 12

T = TypeVar("T")
Engine = Placer | SpaceMap


class _Lru(Generic[T]):
    """A small least-recently-used map from a text key to a value; the key
    is the texts' hashes and lengths, and the texts are compared on a hit
    (a hash collision must not mix two texts up)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[int, ...], tuple[tuple[str, ...], T]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def get(self, texts: tuple[str, ...]) -> T | None:
        key = _key(texts)
        with self.lock:
            hit = self.items.get(key)
            if hit is None or hit[0] != texts:
                return None
            self.items.move_to_end(key)
            return hit[1]

    def put(self, texts: tuple[str, ...], value: T) -> None:
        with self.lock:
            self.items[_key(texts)] = (texts, value)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


def _key(texts: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(x for t in texts for x in (hash(t), len(t)))


_DOCS: _Lru[Doc] = _Lru(MAX_DOCS)
_PAIRS: _Lru[Engine] = _Lru(MAX_PAIRS)


def doc(text: str) -> Doc:
    """The words and units of `text` (built once while it is recent)."""
    found = _DOCS.get((text,))
    if found is None:
        found = Doc(text)
        _DOCS.put((text,), found)
    return found


def engine(old: str, new: str) -> Engine:
    """What relocates spans of `old` in `new`: a map of whitespace when the
    texts differ in nothing else, else the aligned units of both."""
    found = _PAIRS.get((old, new))
    if found is None:
        space = SpaceMap.of(old, new)
        found = space if space is not None else Placer(doc(old), doc(new))
        _PAIRS.put((old, new), found)
    return found


def clear() -> None:
    """Forget every text and pair (for benchmarks of cold runs)."""
    _DOCS.clear()
    _PAIRS.clear()
