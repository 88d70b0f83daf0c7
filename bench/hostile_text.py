"""Hostile text against the redline, the renderer (the editor's preview) and
the anchoring of comments.

Each case runs in a child process, once with the code of an earlier commit
(--before, default: the last commit before the budgets) and once with this
checkout, in the same run; printed: CPU time of the call, peak memory
(child ru_maxrss, which includes the interpreter and imports, about 60 MB),
the output's size, and whether the output says it degraded. A case stopped
after --limit seconds is shown as "did not finish".

Run: python bench/hostile_text.py [--before REV] [--limit 60] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "ee6cf0b"

CASES = {
    "redline: list nested 300 deep, change at the bottom": ("diff", "nested", 300),
    "redline: paragraph of 10,000 short lines": ("diff", "short_lines", 10_000),
    "redline: paragraph of 20,000 short lines": ("diff", "short_lines", 20_000),
    "redline: paragraph of 100,000 short lines": ("diff", "short_lines", 100_000),
    "redline: one 5 MB line": ("diff", "long_line", 5_000_000),
    "redline: table of 5,000 equal rows, one changed": ("diff", "table", 5_000),
    "redline: table of 5,000 rows x 10 columns, every row changed": (
        "diff",
        "wide_table",
        5_000,
    ),
    "preview: 1 MB of [": ("render", "repeat", "["),
    "preview: 1 MB of ![": ("render", "repeat", "!["),
    "preview: 1 MB of *_": ("render", "repeat", "*_"),
    "preview: 1 MB of &": ("render", "repeat", "&"),
    "preview: 1 MB of lines 'a'": ("render", "repeat", "a\n"),
    "preview: list nested 3,000 deep": ("render", "nested", 3000),
    # Comments carried across texts at the section size limit (2 MB).
    "anchoring: list nested 1,400 deep, 100 comments": ("anchor", "nested", 1400),
    "anchoring: one 2 MB line, 100 comments": ("anchor", "long_line", 2_000_000),
    "anchoring: 140,000 short lines, 100 comments": ("anchor", "short_lines", 140_000),
    "anchoring: table of 5,000 equal rows, 100 comments": ("anchor", "table", 5_000),
}

CHILD = r"""
import json, resource, sys, time
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
sys.path.insert(0, sys.argv[1])
for name in list(sys.modules):
    if name.startswith("cop_drafts"):
        del sys.modules[name]
kind, shape, size = json.loads(sys.argv[2])

def nested(depth):
    old = "\n".join("  " * i + f"- level {i} item" for i in range(depth)) + "\n"
    deep = f"- level {depth - 1} item"
    return old, old.replace(deep, deep + " CHANGED AT THE BOTTOM")

def short_lines(n):
    # short lines that repeat (the shape that made the line diff quadratic)
    old = [f"item {i % 10}" for i in range(n)]
    new = list(old)
    for i in range(0, n, 500):
        new[i] = "changed"
    return "Intro.\n\n" + "\n".join(old) + "\n", "Intro.\n\n" + "\n".join(new) + "\n"

def long_line(size):
    words = [f"word{(i * 7919) % 5000}" for i in range(size // 8)]
    old = " ".join(words)[:size]
    for i in range(0, len(words), 1000):
        words[i] = "CHANGED"
    return old + "\n", " ".join(words)[:size] + "\n"

def table(rows):
    # rows that repeat, one changed: the row diff was quadratic
    head = "| A | B |\n|---|---|\n"
    body = ["| a | b |"] * rows
    new = list(body)
    new[rows // 2] = "| c | d |"
    return head + "\n".join(body) + "\n", head + "\n".join(new) + "\n"

def wide_table(rows):
    head = "| " + " | ".join(f"H{c}" for c in range(10)) + " |\n" + "|---" * 10 + "|\n"
    old = [" | ".join(f"r{r} c{c} text" for c in range(10)) for r in range(rows)]
    new = [line.replace("c3 text", "c3 changed") for line in old]
    return (head + "\n".join(f"| {x} |" for x in old) + "\n",
            head + "\n".join(f"| {x} |" for x in new) + "\n")

if kind == "diff":
    old, new = globals()[shape](size)
    from cop_drafts.text.diff import diff_texts
    start = time.process_time()
    result = diff_texts(old, new)
    seconds = time.process_time() - start
    html = result.redline_html
    shown = "CHANGED AT THE BOTTOM" in html if shape == "nested" else None
elif kind == "anchor":
    old, new = globals()[shape](size)
    from cop_drafts.text.anchor import Anchor, relocate_many
    step = max(1, len(old) // 100)
    anchors = [Anchor.from_span(old, a, min(len(old), a + 40))
               for a in range(0, len(old) - 1, step)][:100]
    start = time.process_time()
    found = relocate_many(anchors, old, new)
    seconds = time.process_time() - start
    html = "".join(f.status.value[0] for f in found)
    shown = None
else:
    text = (shape and size * (1_000_000 // len(size))) if shape == "repeat" else (
        "\n".join("  " * i + f"- level {i}" for i in range(size)) + "\n")
    from cop_drafts.text.render import render
    start = time.process_time()
    html = render(text).html
    seconds = time.process_time() - start
    shown = f"level {size - 1}" in html if shape == "nested" else None
print(json.dumps({
    "seconds": seconds,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "out_mb": len(html) / 1e6,
    "note": any(n in html for n in ("md-note", "rl-budget", "line by line")),
    "shown": shown,
}))
"""


def run(code: Path, case: tuple[object, ...], limit: float) -> dict[str, object]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(code), json.dumps(case)],
            capture_output=True,
            text=True,
            timeout=limit,
            cwd=tempfile.gettempdir(),
        )
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout))


def describe(figures: dict[str, object], limit: float) -> str:
    if figures.get("timeout"):
        return f"did not finish in {limit:g} s"
    if "error" in figures:
        return f"error {figures['error']}"
    text = (
        f"{figures['seconds']:6.2f} s {figures['rss_mb']:5.0f} MB "
        f"out {figures['out_mb']:5.2f} MB"
    )
    if figures.get("note"):
        text += " note"
    if figures.get("shown") is not None:
        text += " deepest shown" if figures["shown"] else " DEEPEST LOST"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "cop_drafts"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        print(f"before = {args.before}, after = this checkout; CPU s, peak RSS")
        for name, case in CASES.items():
            if args.only and args.only not in name:
                continue
            before = describe(run(old, case, args.limit), args.limit)
            after = describe(run(ROOT, case, args.limit), args.limit)
            print(f"{name}\n    before: {before}\n    after:  {after}", flush=True)


if __name__ == "__main__":
    main()
