"""Speed of re-anchoring many comments with relocate_many.

Run: python bench/anchor_speed.py [--anchors N] [--seed N]

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
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anchor_cases import CORPUS, anchor_in, prose  # noqa: E402

from cop_drafts.text._anchor_match import Locator  # noqa: E402
from cop_drafts.text.anchor import Anchor, relocate_many  # noqa: E402

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


def measure(label: str, old: str, new: str, anchors: list[Anchor]) -> None:
    """Relocate `anchors` from `old` to `new`; print times and statuses.
    CPU time is printed too: other work on a shared machine inflates the
    wall clock, not the CPU time."""
    began = time.perf_counter()
    Locator(old, new)
    diff_time = time.perf_counter() - began
    began, began_cpu = time.perf_counter(), time.process_time()
    results = relocate_many(anchors, old, new)
    total = time.perf_counter() - began
    cpu = time.process_time() - began_cpu
    counts = Counter(str(r.status) for r in results)
    shares = "  ".join(
        f"{s} {counts[s]} ({counts[s] / len(results):.0%})"
        for s in ("exact", "moved", "fuzzy", "orphaned")
    )
    print(f"{label}")
    print(
        f"  {len(old) / 1000:.0f} KB -> {len(new) / 1000:.0f} KB, "
        f"{len(anchors)} anchors: {total:.2f} s total ({cpu:.2f} s CPU; "
        f"diff alone {diff_time:.2f} s; {1e6 * total / len(anchors):.0f} us/anchor)"
    )
    print(f"  {shares}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--anchors", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
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
    n = args.anchors
    measure("draft3 -> final (real rewrite)", d3, final, random_anchors(rng, d3, n))
    measure("draft2 -> draft3 (real rewrite)", d2, d3, random_anchors(rng, d2, n))
    measure(
        "draft3 -> light edits", d3, light_edit(rng, d3), random_anchors(rng, d3, n)
    )
    act = read["other/ai-act/regulation-eu-2024-1689.md"]
    others = [read[n] for n in read if n.startswith("draft3/") and n != D3]
    big = big_text([act, d3, d2, final, *others])
    anchors = random_anchors(rng, big, 100)
    measure("2 MB text, light edits", big, light_edit(rng, big), anchors)
    heavier = light_edit(rng, light_edit(rng, light_edit(rng, big)))
    measure("2 MB text, three rounds of edits", big, heavier, anchors)
    copies = "\n\n".join([act] * 4)  # no word is unique: worst case for the diff
    measure(
        "2 MB of four identical copies, light edits",
        copies,
        light_edit(rng, copies),
        random_anchors(rng, copies, 100),
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
