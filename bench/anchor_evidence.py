"""How much word evidence there is for the judged passages that relocation
reports on removed text: can words tell a restated passage from a deleted one?

For every hand-judged real passage (bench/anchor_judged.json) that the
current code orphans, it scores each sentence-sized unit of the new text by
the share of the passage's idf-weighted words the unit holds, and prints the
best unit's share, whether that unit is the judged successor, and the same
within the section the passage's own section went to. Then, per group
(passages judged gone, passages that survive), the spread of those shares.
Where the gone passages' best shares reach as high as the survivors'
successors', no threshold on words separates them.

With --embeddings, the same by meaning as a static embedding model sees it:
WordLlama's 256-dimension token vectors, whose weights ship inside its wheel
on PyPI (`pip install wordllama`; not a dependency of the project, and no
model hub is reachable here): the cosine of the passage and each unit.

Run: python bench/anchor_evidence.py [--rows] [--embeddings]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from anchor_cases import Judged, load_judged  # noqa: E402

from cop_drafts.text.anchor.cache import engine  # noqa: E402
from cop_drafts.text.anchor.place import Placer  # noqa: E402


@dataclass(frozen=True, slots=True)
class Orphan:
    """A judged passage the code orphans: its words in the old text, the new
    text's units, and the new section its own section went to."""

    placer: Placer
    first: int  # old word indexes, inclusive
    last: int
    section: int | None

    def successor(self, case: Judged, unit: int) -> bool:
        """Whether new `unit` overlaps the judged successor of `case`."""
        after, span = self.placer.new, case.expected
        return (
            span is not None
            and after.ustart[unit] < span[1]
            and after.uend[unit] > span[0]
        )

    def in_section(self) -> list[int]:
        """The new units of the section the passage's own went to."""
        after = self.placer.new
        return [u for u in range(after.units) if after.uheading[u] == self.section]


def orphan(case: Judged, old: str, new: str) -> Orphan | None:
    """`case` as the code orphans it, or None when the code places it."""
    placer = engine(old, new)
    assert isinstance(placer, Placer)
    if placer.locate(case.start, case.end) is not None:
        return None
    before = placer.old
    first = bisect_left(before.wend, case.start + 1)
    last = bisect_left(before.wstart, case.end) - 1
    heading = before.uheading[before.unit_at(before.wstart[first])]
    return Orphan(placer, first, last, placer.units.section_map.get(heading))


def evidence(case: Judged, found: Orphan) -> tuple[float, bool, float, bool]:
    """(best share, best is the successor, best share in the mapped section,
    that one is the successor)."""
    before, after, idf = found.placer.old, found.placer.new, found.placer.units.idf
    stems = set(before.stems[found.first : found.last + 1])
    total = sum(idf.get(s, 0.0) for s in stems) or 1e-9
    scored = []
    for unit in range(after.units):
        lo, hi = after.unit_words(unit)
        held = stems & set(after.stems[lo:hi])
        scored.append((sum(idf.get(s, 0.0) for s in held) / total, unit))
    scored.sort(reverse=True)
    share, unit = scored[0]
    section = set(found.in_section())
    inside = [s for s in scored if s[1] in section]
    in_share, in_unit = inside[0] if inside else (0.0, -1)
    return (
        share,
        found.successor(case, unit),
        in_share,
        in_unit >= 0 and found.successor(case, in_unit),
    )


def by_meaning(case: Judged, found: Orphan, model: Any) -> tuple[float, bool]:
    """(cosine of the passage with the most similar unit of the section its
    own went to, whether that unit is the judged successor)."""
    inside, after = found.in_section(), found.placer.new
    if not inside:
        return 0.0, False
    texts = [after.text[after.ustart[u] : after.uend[u]] for u in inside]
    quote = found.placer.old.text[case.start : case.end]
    vectors = model.embed([quote, *texts], norm=True)
    cosines = vectors[1:] @ vectors[0]
    best = int(cosines.argmax())
    return float(cosines[best]), found.successor(case, inside[best])


def embeddings(cases: list[Judged], texts: dict[str, str]) -> None:
    """The --embeddings report: can meaning, as static vectors see it, tell
    the survivors from the gone?"""
    try:
        import wordllama  # type: ignore[import-not-found]
    except ImportError:
        print("--embeddings needs `pip install wordllama`")
        return
    # The wheel holds the weights and tokenizer under its own folder; as the
    # cache folder, nothing is downloaded.
    folder = Path(wordllama.__file__).parent
    model = wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
    gone, hits, misses = [], [], []
    for case in cases:
        lost = orphan(case, texts[case.old], texts[case.new])
        if lost is None or (case.either and case.expected is not None):
            continue
        cosine, hit = by_meaning(case, lost, model)
        if case.expected is None:
            gone.append(cosine)
        else:
            (hits if hit else misses).append((cosine, case.id))
    print("by meaning (WordLlama, the most similar unit in the mapped section):")
    print(f"  gone: {spread(gone)}")
    print(
        f"  survive: the most similar unit is the successor for {len(hits)} of "
        f"{len(hits) + len(misses)}, at {spread([h[0] for h in hits])}; "
        f"another unit for the rest, at {spread([m[0] for m in misses])}"
    )
    for cut in (0.5, 0.6, 0.65, 0.7):
        right = sum(h[0] >= cut for h in hits)
        wrong = sum(m[0] >= cut for m in misses) + sum(g >= cut for g in gone)
        print(f"  placing from {cut:.2f}: {right} more right, {wrong} wrong")


def spread(values: list[float]) -> str:
    """'low-high (median m)' of `values`, or '-'."""
    values = sorted(values)
    if not values:
        return "-"
    return f"{values[0]:.2f}-{values[-1]:.2f} (median {statistics.median(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", action="store_true", help="one line per passage")
    parser.add_argument(
        "--embeddings", action="store_true", help="also by meaning (needs wordllama)"
    )
    args = parser.parse_args()
    loaded = load_judged()
    if isinstance(loaded, str):
        print(f"judged real revisions skipped: {loaded}")
        return 0
    cases, texts = loaded
    gone: list[tuple[float, float]] = []
    kept: list[tuple[float, bool, float, bool]] = []
    for case in cases:
        lost = orphan(case, texts[case.old], texts[case.new])
        if lost is None:
            continue
        found = evidence(case, lost)
        if args.rows:
            judged = "gone" if case.expected is None else "survives"
            print(f"{case.id:6} {case.kind:14} {judged:9} " + " ".join(map(str, found)))
        if case.expected is None:
            gone.append((found[0], found[2]))
        elif not case.either:
            kept.append(found)
    print(f"orphaned by the code: {len(gone)} gone, {len(kept)} that survive")

    print(f"gone: best unit holds {spread([g[0] for g in gone])} of their words")
    print(
        f"  in the section theirs went to: {spread([g[1] for g in gone])}; "
        f"{sum(g[1] >= 0.5 for g in gone)} of them 0.5 or more"
    )
    print(
        f"survive: the best unit is the successor for {sum(k[1] for k in kept)} "
        f"of {len(kept)}; in the mapped section for {sum(k[3] for k in kept)}"
    )
    hits = [k[2] for k in kept if k[3]]
    print(f"  where it is, the successor holds {spread(hits)} of their words")
    if args.embeddings:
        embeddings(cases, texts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
