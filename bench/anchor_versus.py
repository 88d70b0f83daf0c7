"""Re-anchoring 10,000 comments draft-3 -> final (Safety and Security) with
this working tree and with an earlier revision, timed in the same run.

Run: python bench/anchor_versus.py [REV] [--anchors N] [--runs N] [--seed N]

REV (default HEAD) is checked out with `git worktree add` into a temporary
folder (removed afterwards); each side runs in its own process (both are
the package `cop_drafts`), alternately, `--runs` times, cold (the per-pair
cache emptied) on the same anchors: the random spans of bench/anchor_speed.py.
Prints min and median wall clock and CPU seconds of each side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run inside one tree: time relocate_many on the spans given on stdin.
CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from cop_drafts.text import anchor
try:
    from cop_drafts.text.anchor import cache
    clear = cache.clear
except ImportError:
    from cop_drafts.text import _anchor_cache
    clear = _anchor_cache.clear
spans, old_path, new_path = json.load(sys.stdin)
old = open(old_path, encoding="utf-8").read()
new = open(new_path, encoding="utf-8").read()
anchors = [anchor.Anchor.from_span(old, a, b) for a, b in spans]
clear()
began, cpu = time.perf_counter(), time.process_time()
found = anchor.relocate_many(anchors, old, new)
wall, cpu = time.perf_counter() - began, time.process_time() - cpu
print(json.dumps([wall, cpu, sum(f.start is None for f in found)]))
"""


def spans(count: int, seed: int, old: str) -> list[tuple[int, int]]:
    """The random spans bench/anchor_speed.py times."""
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    import random

    from anchor_speed import random_anchors

    return [(a.start, a.end) for a in random_anchors(random.Random(seed), old, count)]


def run(tree: Path, payload: str) -> list[float]:
    """[wall, CPU, orphans] of one cold run in `tree`."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(tree))],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return [float(x) for x in json.loads(out.stdout)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev", nargs="?", default="HEAD")
    parser.add_argument("--anchors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = (ROOT / "../shared/corpus").resolve()
    old_path = corpus / "draft3/safety-security.md"
    new_path = corpus / "final/safety-security.md"
    if not old_path.is_file():
        print(f"corpus not found at {corpus}: nothing to measure")
        return 0
    old = old_path.read_text(encoding="utf-8")
    payload = json.dumps(
        [spans(args.anchors, args.seed, old), str(old_path), str(new_path)]
    )
    folder = Path(tempfile.mkdtemp(prefix="anchor-versus-")) / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(folder), args.rev],
        cwd=ROOT,
        check=True,
    )
    try:
        sides: dict[str, list[list[float]]] = {"this tree": [], args.rev: []}
        for _ in range(args.runs):
            sides["this tree"].append(run(ROOT, payload))
            sides[args.rev].append(run(folder, payload))
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False
        )
        shutil.rmtree(folder.parent, ignore_errors=True)
    print(f"{args.anchors} comments draft3 -> final safety-security, {args.runs} runs")
    for name, got in sides.items():
        wall = [g[0] for g in got]
        cpu = [g[1] for g in got]
        print(
            f"  {name:<12} wall min {min(wall):.3f} s / median "
            f"{statistics.median(wall):.3f} s, CPU min {min(cpu):.3f} s / median "
            f"{statistics.median(cpu):.3f} s, orphaned {int(got[0][2])}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
