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

Run: python bench/anchor_evidence.py [--rows]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from bisect import bisect_left
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from anchor_cases import Judged, load_judged  # noqa: E402

from cop_drafts.text.anchor.cache import engine  # noqa: E402
from cop_drafts.text.anchor.place import Placer  # noqa: E402


def evidence(
    case: Judged, old: str, new: str
) -> tuple[float, bool, float, bool] | None:
    """(best share, best is the successor, best share in the mapped section,
    that one is the successor), or None when the code does not orphan it."""
    placer = engine(old, new)
    assert isinstance(placer, Placer)
    if placer.locate(case.start, case.end) is not None:
        return None
    before, after, units = placer.old, placer.new, placer.units
    idf = units.idf
    first = bisect_left(before.wend, case.start + 1)
    last = bisect_left(before.wstart, case.end) - 1
    stems = set(before.stems[first : last + 1])
    total = sum(idf.get(s, 0.0) for s in stems) or 1e-9
    section = units.section_map.get(
        before.uheading[before.unit_at(before.wstart[first])]
    )
    scored = []
    for unit in range(after.units):
        lo, hi = after.unit_words(unit)
        held = stems & set(after.stems[lo:hi])
        scored.append((sum(idf.get(s, 0.0) for s in held) / total, unit))
    scored.sort(reverse=True)

    def successor(unit: int) -> bool:
        span = case.expected
        return (
            span is not None
            and after.ustart[unit] < span[1]
            and after.uend[unit] > span[0]
        )

    share, unit = scored[0]
    inside = [s for s in scored if after.uheading[s[1]] == section]
    in_share, in_unit = inside[0] if inside else (0.0, -1)
    return share, successor(unit), in_share, in_unit >= 0 and successor(in_unit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", action="store_true", help="one line per passage")
    args = parser.parse_args()
    loaded = load_judged()
    if isinstance(loaded, str):
        print(f"judged real revisions skipped: {loaded}")
        return 0
    cases, texts = loaded
    gone: list[tuple[float, float]] = []
    kept: list[tuple[float, bool, float, bool]] = []
    for case in cases:
        found = evidence(case, texts[case.old], texts[case.new])
        if found is None:
            continue
        if args.rows:
            judged = "gone" if case.expected is None else "survives"
            print(f"{case.id:6} {case.kind:14} {judged:9} " + " ".join(map(str, found)))
        if case.expected is None:
            gone.append((found[0], found[2]))
        elif not case.either:
            kept.append(found)
    print(f"orphaned by the code: {len(gone)} gone, {len(kept)} that survive")

    def spread(values: list[float]) -> str:
        values = sorted(values)
        if not values:
            return "-"
        return (
            f"{values[0]:.2f}-{values[-1]:.2f} (median {statistics.median(values):.2f})"
        )

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
