"""Time the document exports of a Code the size of the real third draft.

Usage: python bench/export_speed.py [DIR] [--runs N]

Builds a Document from ../shared/corpus/draft3/*.md (front matter,
transparency, copyright, safety and security; the companion FAQ is left out)
and prints the median time of to_markdown, to_zip and to_html over N runs
(default 5), of to_pdf over 2 runs, of to_docx when cop_drafts.export.docx
exists, the sizes, and the PDF's peak memory measured in a child process
(its maximum resident set, then the tracemalloc peak of Python objects).
"""

from __future__ import annotations

import argparse
import importlib
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop_drafts.export import html as export_html  # noqa: E402
from cop_drafts.export.model import Document, Section  # noqa: E402

CORPUS = ROOT / "../shared/corpus/draft3"
ORDER = (
    ("front-matter.md", "Front matter"),
    ("transparency.md", "Transparency"),
    ("copyright.md", "Copyright"),
    ("safety-security.md", "Safety and security"),
)
GOALS = {"to_html": 1.0, "to_pdf": 15.0, "to_docx": 15.0}


def load(folder: Path) -> Document:
    """The draft in `folder` as a published iteration."""
    sections = tuple(
        Section(name, title, "Working Group", (folder / name).read_text("utf-8"))
        for name, title in ORDER
        if (folder / name).is_file()
    )
    manifest = "".join(
        f'[[sections]]\nfile = "{s.path}"\ntitle = "{s.title}"\n\n' for s in sections
    )
    files = (("code.toml", manifest.encode()),) + tuple(
        (s.path, s.text.encode()) for s in sections
    )
    return Document(
        code_slug="gpai-code",
        code_title="General-Purpose AI Code of Practice",
        subtitle="Third draft (corpus copy, for the export benchmark)",
        iteration="draft-3",
        published_at=datetime(2025, 3, 11, 11, 0, tzinfo=UTC),
        commit_id="0123456789abcdef0123456789abcdef01234567",
        notes="Third draft of the Code, published on 11 March 2025.",
        sections=sections,
        files=files,
    )


def timed(
    build: Callable[[Document], bytes], doc: Document, runs: int
) -> tuple[float, int]:
    """Median seconds of `runs` builds, and the size of the output."""
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(build(doc))
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def formats() -> list[tuple[str, Callable[[Document], bytes], bool]]:
    """(name, function, slow) of every export present."""
    from cop_drafts.export import pdf

    found = [
        ("to_markdown", export_html.to_markdown, False),
        ("to_zip", export_html.to_zip, False),
        ("to_html", export_html.to_html, False),
        ("to_pdf", pdf.to_pdf, True),
    ]
    try:
        docx = importlib.import_module("cop_drafts.export.docx")
    except ImportError:
        print("to_docx      (cop_drafts.export.docx is not there yet: skipped)")
    else:
        found.append(("to_docx", docx.to_docx, True))
    return found


def child_pdf(folder: Path, trace: bool) -> None:
    """In a child process: one PDF; with `trace`, print the tracemalloc peak."""
    from cop_drafts.export.pdf import to_pdf

    doc = load(folder)
    if trace:
        tracemalloc.start()
    to_pdf(doc)
    if trace:
        print(tracemalloc.get_traced_memory()[1])


def pdf_memory(folder: Path) -> tuple[float, float]:
    """(max resident set MB, tracemalloc peak MB) of one PDF export."""
    command = [sys.executable, __file__, str(folder), "--child"]
    subprocess.run(command, check=True)
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    out = subprocess.run(
        [*command, "--trace"], check=True, capture_output=True, text=True
    )
    return rss_kb / 1024, int(out.stdout.strip()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.folder.is_dir():
        print(f"{args.folder} is absent: nothing to measure (skipped)")
        return
    if args.child:
        child_pdf(args.folder, args.trace)
        return
    doc = load(args.folder)
    chars = sum(len(s.text) for s in doc.sections)
    print(f"{len(doc.sections)} sections, {chars:,} characters of Markdown")
    for name, build, slow in formats():
        seconds, size = timed(build, doc, 2 if slow else args.runs)
        goal = f"   goal < {GOALS[name]:g} s" if name in GOALS else ""
        runs = 2 if slow else args.runs
        median = f"{seconds:8.3f} s  (median of {runs})"
        print(f"{name:<12} {median}  {size / 1024:9.1f} KB{goal}")
    rss, peak = pdf_memory(args.folder)
    print(f"to_pdf peak memory: {rss:.0f} MB resident (child), {peak:.0f} MB traced")


if __name__ == "__main__":
    main()
