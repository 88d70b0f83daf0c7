"""Time the Code consistency checks on a real draft and show what they find.

Usage: python bench/checks_speed.py [draft3|draft2|final|DIR] [--runs N] [--all]

DIR may also be a demo draft with a code.toml (drafts/draft-3), read in its order.

Loads every Markdown file of the draft as one section of one Code (in Code
order: front matter, transparency, copyright, safety and security, companion
material), splits the safety-and-security glossary off into its own section,
runs `check_code` N times (default 20), prints the median and minimum time and
the findings per check id with three examples each (--all: every finding).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop_drafts.text.checks import CHECKS, Finding, SectionText, check_code  # noqa: E402

CORPUS = ROOT / "../shared/corpus"
ORDER = ["front-matter", "transparency", "copyright", "safety-security"]
GLOSSARY_HEADING = re.compile(r"^#{1,6} .*\bGlossary\s*$", re.M)


def load(folder: Path) -> tuple[list[SectionText], str | None]:
    """Sections of the draft in `folder`, and the glossary section's path."""
    manifest = folder / "code.toml"
    if manifest.is_file():
        return load_manifest(manifest)
    files = sorted(
        folder.glob("*.md"),
        key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else len(ORDER), p.name),
    )
    sections: list[SectionText] = []
    glossary: str | None = None
    for path in files:
        text = path.read_text(encoding="utf-8")
        title = next(
            (ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")),
            path.stem,
        )
        m = GLOSSARY_HEADING.search(text)
        if m and path.stem == "safety-security":
            glossary = f"{path.stem}-glossary.md"
            level = len(m.group(0)) - len(m.group(0).lstrip("#"))
            after = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, m.end())
            end = after.start() if after else len(text)
            sections.append(SectionText(path.name, title, text[: m.start()]))
            sections.append(SectionText(glossary, "Glossary", text[m.start() : end]))
            if after:
                sections.append(
                    SectionText(f"{path.stem}-appendices.md", "Appendices", text[end:])
                )
        else:
            sections.append(SectionText(path.name, title, text))
    return sections, glossary


def load_manifest(manifest: Path) -> tuple[list[SectionText], str | None]:
    """Sections in the order `code.toml` lists them (a demo draft in drafts/)."""
    entries = tomllib.loads(manifest.read_text(encoding="utf-8"))["sections"]
    sections = [
        SectionText(
            e["file"], e["title"], (manifest.parent / e["file"]).read_text("utf-8")
        )
        for e in entries
    ]
    glossary = next((s.path for s in sections if s.title == "Glossary"), None)
    return sections, glossary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("draft", nargs="?", default="draft3")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--all", action="store_true", help="print every finding")
    args = parser.parse_args()
    folder = Path(args.draft)
    if not folder.is_dir():
        folder = CORPUS / args.draft
    sections, glossary = load(folder)
    size = sum(len(s.text.encode()) for s in sections)
    timings: list[float] = []
    findings: list[Finding] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        findings = check_code(sections, glossary_path=glossary)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"{folder.resolve().name}: {len(sections)} sections, {size / 1024:.0f} KB, "
        f"glossary={glossary}"
    )
    print(
        f"check_code x{args.runs}: median {statistics.median(timings):.1f} ms, "
        f"min {min(timings):.1f} ms"
    )
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_check[finding.check].append(finding)
    print(f"{len(findings)} findings")
    for check in CHECKS:
        found = by_check.get(check, [])
        print(f"\n{check}: {len(found)}")
        for finding in found if args.all else found[:3]:
            print(f"  {finding.path}:{finding.line_start}  {finding.message}")


if __name__ == "__main__":
    main()
