"""Speed of re-anchoring many comments with relocate_many, beside the
previous implementation (loaded from git) in the same run.

Run: python bench/anchor_speed.py [--anchors N] [--seed N] [--runs N] [--no-old]

Every figure is the minimum and the median of --runs runs (5), wall clock;
this code starts cold each run (its per-pair cache emptied) unless marked
warm. Besides the batches below: a single relocate() on a pair seen before
(the alignment cached), and a single relocate() on texts that differ only in
line endings or in spacing (no alignment needed).

Pairs (from ../shared/corpus): draft3 -> final and draft2 -> draft3 of the
Safety and Security section (~120-165 KB each; real rewrites: renumbered,
restructured, most passages reworded, so most comments end fuzzy or
orphaned), and draft3 -> draft3 with light edits (the common case of a
revision: one word changed in a third of the paragraphs, one paragraph
moved). Anchors are distinct random spans of the old text (4-20 words,
sentences, whole lines, 1-3 words). Also: 100 anchors on 2 MB texts to show the work
stays bounded: distinct text (AI Act and Code drafts, then the same with
every word reversed), and four identical copies of the AI Act, where no
word is unique and the diff cannot anchor anything.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anchor_cases import CORPUS, anchor_in, old_anchor, prose  # noqa: E402

from cop_drafts.text.anchor import Anchor, relocate, relocate_many  # noqa: E402
from cop_drafts.text.anchor import cache as anchor_cache  # noqa: E402

D3 = "draft3/safety-security.md"


def random_anchors(rng: random.Random, text: str, n: int) -> list[Anchor]:
    """`n` random anchors on prose blocks of `text`, all on different spans
    (relocate_many relocates a span once however many comments share it, so
    repeated spans would flatter the timing)."""
    blocks = prose(text, 4)
    spans: dict[tuple[int, int], None] = {}
    while len(spans) < n:
        got = anchor_in(rng, text, *rng.choice(blocks))
        if got is not None:
            spans[(got[0], got[1])] = None
    return [Anchor.from_span(text, a, b) for a, b in spans]


def light_edit(rng: random.Random, text: str) -> str:
    """Change one word in one paragraph in three, and move one paragraph."""
    out = []
    for para in text.split("\n\n"):
        words = para.split(" ")
        if len(words) > 8 and rng.random() < 0.33:
            words[rng.randrange(len(words))] = "amended"
        out.append(" ".join(words))
    para = out.pop(len(out) // 3)
    out.insert(2 * len(out) // 3, para)
    return "\n\n".join(out)


def timed(
    runs: int,
    work: Callable[[], object],
    cold: bool = True,
    cpu: list[float] | None = None,
) -> list[float]:
    """Wall-clock seconds of `runs` calls of `work` (cache emptied first
    when `cold`); their CPU seconds are appended to `cpu` when given (on a
    shared machine other work inflates the wall clock, not the CPU time)."""
    out = []
    for _ in range(runs):
        if cold:
            anchor_cache.clear()
        began, began_cpu = time.perf_counter(), time.process_time()
        work()
        out.append(time.perf_counter() - began)
        if cpu is not None:
            cpu.append(time.process_time() - began_cpu)
    return out


def figures(times: list[float], unit: float = 1.0, suffix: str = "s") -> str:
    """'min x / median y' of `times` (scaled by `unit`)."""
    return (
        f"min {min(times) * unit:.3g} {suffix} / "
        f"median {statistics.median(times) * unit:.3g} {suffix}"
    )


def measure(
    label: str,
    old: str,
    new: str,
    anchors: list[Anchor],
    runs: int,
    previous: ModuleType | None,
) -> None:
    """Relocate `anchors` from `old` to `new` with this code and the
    previous one; print times and statuses."""
    results: list[Any] = []

    def this() -> None:
        results[:] = relocate_many(anchors, old, new)

    print(label)
    mine_cpu: list[float] = []
    mine = timed(runs, this, cpu=mine_cpu)
    counts = Counter(str(r.status) for r in results)
    shares = "  ".join(
        f"{s} {counts[s] / len(results):.0%}"
        for s in ("exact", "moved", "fuzzy", "orphaned")
    )
    print(
        f"  {len(old) / 1000:.0f} KB -> {len(new) / 1000:.0f} KB, "
        f"{len(anchors)} anchors"
    )
    print(f"  this code     {figures(mine)}, CPU {figures(mine_cpu)}  ({shares})")
    if previous is not None:
        theirs = [a.to_dict() for a in anchors]
        converted = [previous.Anchor.from_dict(a) for a in theirs]
        before: list[Any] = []

        def that() -> None:
            before[:] = previous.relocate_many(converted, old, new)

        prior_cpu: list[float] = []
        prior = timed(runs, that, cold=False, cpu=prior_cpu)
        counts = Counter(str(r.status) for r in before)
        shares = "  ".join(
            f"{s} {counts[s] / len(before):.0%}"
            for s in ("exact", "moved", "fuzzy", "orphaned")
        )
        print(f"  previous code {figures(prior)}, CPU {figures(prior_cpu)}  ({shares})")


def single_calls(
    label: str, old: str, new: str, anchors: list[Anchor], runs: int
) -> None:
    """Per-call time of relocate() on one anchor: on a pair seen before
    (warm: the alignment is cached) and on a pair never seen (cold)."""
    relocate_many(anchors[:1], old, new)  # the pair is now cached
    warm = [
        min(timed(1, lambda a=a: relocate(a, old, new), cold=False))
        for a in anchors[:200]
    ]
    print(f"{label}: a single relocate() on a pair seen before")
    print(f"  {figures(warm, 1000, 'ms')} per call over {len(warm)} anchors")


def spacing_calls(d3: str, anchors: list[Anchor], runs: int) -> None:
    """A single relocate() (cold) between texts that differ only in line
    endings, and only in spacing."""
    crlf = d3.replace("\n", "\r\n")
    spaced = re.sub(r"(?<=[.;:]) (?=\S)", "  ", d3).replace("\n\n", "\n \n\n")
    for label, new in (("line endings (LF -> CRLF)", crlf), ("spacing only", spaced)):
        times = timed(runs, lambda new=new: relocate(anchors[0], d3, new))
        print(f"draft3 -> same text, {label}: a single relocate(), cold")
        print(f"  {figures(times, 1000, 'ms')} per call")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--anchors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-old", action="store_true", help="skip the previous code")
    args = parser.parse_args()
    previous = None if args.no_old else old_anchor()
    root = CORPUS.resolve()
    if not root.is_dir():
        print(f"corpus not found at {root}: nothing to measure")
        return 0
    rng = random.Random(args.seed)
    read = {
        name: (root / name).read_text(encoding="utf-8")
        for name in (
            "draft2/safety-security.md",
            "draft3/safety-security.md",
            "final/safety-security.md",
            "other/ai-act/regulation-eu-2024-1689.md",
            "draft3/companion-faq-explainer.md",
            "draft3/transparency.md",
            "draft3/front-matter.md",
        )
    }
    d2, d3, final = (
        read["draft2/safety-security.md"],
        read["draft3/safety-security.md"],
        read["final/safety-security.md"],
    )
    n, runs = args.anchors, args.runs
    d3_anchors = random_anchors(rng, d3, n)
    measure("draft3 -> final (real rewrite)", d3, final, d3_anchors, runs, previous)
    single_calls("draft3 -> final", d3, final, d3_anchors, runs)
    spacing_calls(d3, d3_anchors, runs)
    measure(
        "draft2 -> draft3 (real rewrite)",
        d2,
        d3,
        random_anchors(rng, d2, n),
        runs,
        previous,
    )
    measure(
        "draft3 -> light edits",
        d3,
        light_edit(rng, d3),
        random_anchors(rng, d3, n),
        runs,
        previous,
    )
    act = read["other/ai-act/regulation-eu-2024-1689.md"]
    others = [read[n] for n in read if n.startswith("draft3/") and n != D3]
    big = big_text([act, d3, d2, final, *others])
    anchors = random_anchors(rng, big, 100)
    few = min(runs, 3)
    measure("2 MB text, light edits", big, light_edit(rng, big), anchors, few, previous)
    heavier = light_edit(rng, light_edit(rng, light_edit(rng, big)))
    measure("2 MB text, three rounds of edits", big, heavier, anchors, few, previous)
    copies = "\n\n".join([act] * 4)  # no word is unique: worst case for the diff
    measure(
        "2 MB of four identical copies, light edits",
        copies,
        light_edit(rng, copies),
        random_anchors(rng, copies, 100),
        few,
        previous,
    )
    return 0


def big_text(texts: list[str], size: int = 2_100_000) -> str:
    """About `size` characters of distinct text: the texts, then the same
    texts with every word reversed (new words, same structure)."""
    parts = list(texts)
    parts += [re.sub(r"\w+", lambda m: m.group()[::-1], t) for t in texts]
    out = "\n\n".join(parts)
    return out[: out.rfind("\n\n", 0, size)] if len(out) > size else out


if __name__ == "__main__":
    raise SystemExit(main())
