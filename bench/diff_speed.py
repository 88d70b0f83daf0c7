"""Figures for the diff layer: speed, memory, how the redline reads, and the
comparison pages served through the app (first view and from the cache).

Run: python bench/diff_speed.py  (prints; not a test). Uses the real iterations
in ../shared/corpus when present, and synthetic 1.5 MB / 2 MB pairs always.
Times are medians; "cpu" is this process's CPU time (children's for git),
which a busy machine inflates less than wall-clock time; its minimum is
printed too, the steadiest figure to compare changes by.
"""

from __future__ import annotations

import gc
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from difflib import SequenceMatcher
from html.parser import HTMLParser
from pathlib import Path

from diff_match_patch import diff_match_patch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop_drafts.text.diff import ChangeKind, DiffResult, diff_texts  # noqa: E402
from cop_drafts.text.diff.blocks import clean_text, split_version  # noqa: E402
from cop_drafts.text.render import parse_blocks  # noqa: E402

CORPUS = ROOT / "../shared/corpus"
PAIRS = [("draft2", "draft3"), ("draft3", "final")]
RUNS = 7
_WORD = re.compile(r"\w+")


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `action` in milliseconds (one warm-up run first)."""
    action()
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def median_cpu_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median CPU time of `action` in this process, in milliseconds."""
    return cpu_ms(action, runs)[0]


def cpu_ms(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(median, minimum) CPU time of `action` in this process, in milliseconds.

    The minimum is the figure to compare on a shared machine: load adds to
    CPU time too (caches, frequency), never takes from it.
    """
    action()
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000, min(times) * 1000


def git_cpu_ms(old: Path, new: Path, runs: int = RUNS) -> float:
    """Median CPU time (user + system) of `git diff --no-index --word-diff`."""
    git_word_diff(old, new)
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        git_word_diff(old, new)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        )
    return statistics.median(times) * 1000


def git_word_diff(old: Path, new: Path, porcelain: bool = False) -> str:
    mode = "--word-diff=porcelain" if porcelain else "--word-diff"
    done = subprocess.run(
        ["git", "diff", "--no-index", mode, str(old), str(new)],
        capture_output=True,
        check=False,
    )
    return done.stdout.decode("utf-8", "replace")


# ---- how the output reads ---------------------------------------------------


class _Runs(HTMLParser):
    """Walks redline HTML: text in <ins>/<del> is change, the rest unchanged."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = {"ins": 0, "del": 0}
        self.pieces: list[tuple[bool, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.depth:
            self.depth[tag] -= 1

    def handle_data(self, data: str) -> None:
        self.pieces.append((any(self.depth.values()), data))


def change_runs(pieces: list[tuple[bool, str]]) -> tuple[int, float]:
    """(separate changes, median unchanged words between consecutive changes).

    Marked pieces separated by nothing but spaces count as one change.
    """
    changes = 0
    gaps: list[int] = []
    unchanged = 0
    in_change = False
    for marked, text in pieces:
        if marked:
            if not in_change:
                if changes:
                    gaps.append(unchanged)
                changes += 1
                in_change = True
            unchanged = 0
            continue
        words = len(_WORD.findall(text))
        if words:
            in_change = False
            unchanged += words
    return changes, statistics.median(gaps) if gaps else 0.0


def redline_runs(result: DiffResult) -> tuple[int, float]:
    parser = _Runs()
    parser.feed(result.redline_html)
    return change_runs(parser.pieces)


def git_runs(porcelain: str) -> tuple[int, float]:
    pieces: list[tuple[bool, str]] = []
    for line in porcelain.split("\n"):
        if line.startswith(("+++", "---", "@@", "diff ", "index ")):
            continue
        if line.startswith(("+", "-")):
            pieces.append((True, line[1:]))
        elif line.startswith(" "):
            pieces.append((False, line[1:]))
    return change_runs(pieces)


# ---- synthetic pairs ----------------------------------------------------------


def corpus_paragraphs() -> list[str]:
    texts = sorted(CORPUS.glob("*/*.md")) if CORPUS.is_dir() else []
    paragraphs = [
        p.strip()
        for path in texts
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if p.strip()
    ]
    if paragraphs:
        return paragraphs
    rng = random.Random(7)
    vocabulary = [f"word{n}" for n in range(3000)]
    return [
        " ".join(rng.choices(vocabulary, k=rng.randint(8, 120))) for _ in range(800)
    ]


def _mutate_words(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4:
            words[at] = rng.choice(vocabulary)
        elif action < 0.7:
            words.insert(at, " ".join(rng.choices(vocabulary, k=rng.randint(1, 4))))
        elif len(words) > 3:
            del words[at : at + rng.randint(1, 3)]
    return " ".join(words)


def synthetic_pair(size: int, seed: int = 42) -> tuple[str, str]:
    """Old/new texts of about `size` characters: edits, moves, ins/del, renumbers."""
    rng = random.Random(seed)
    source = corpus_paragraphs()
    vocabulary = sorted({w for p in source[:400] for w in p.split() if w.isalpha()})
    old: list[str] = []
    copy = 0
    total = 0
    while total < size:
        copy += 1
        for paragraph in source:
            # every copy differs a little, so no paragraph repeats verbatim
            old.append(_mutate_words(paragraph, rng, vocabulary) + f" ({copy})")
            total += len(old[-1]) + 2
            if total >= size:
                break
    new: list[str] = []
    moved: list[str] = []
    for paragraph in old:
        roll = rng.random()
        if roll < 0.08:
            new.append(_mutate_words(paragraph, rng, vocabulary))
        elif roll < 0.10:
            continue  # deleted
        elif roll < 0.12:
            new.append(paragraph)
            new.append(rng.choice(source))  # inserted
        elif roll < 0.14:
            moved.append(paragraph)  # taken out, put back later
        else:
            new.append(paragraph)
        if moved and rng.random() < 0.02:
            new.append(moved.pop(0))
    new.extend(moved)
    return "\n\n".join(old) + "\n", "\n\n".join(new) + "\n"


def rewritten_pair(size: int, seed: int = 9) -> tuple[str, str]:
    """A text and the same text with every paragraph's words shuffled."""
    old, _ = synthetic_pair(size, seed)
    rng = random.Random(seed)
    new = []
    for paragraph in old.split("\n\n"):
        words = paragraph.split()
        rng.shuffle(words)
        new.append(" ".join(words))
    return old, "\n\n".join(new)


# ---- the report ------------------------------------------------------------------


def line_diff_ms(old: str, new: str) -> tuple[float, float, float]:
    """Line diffs in ms: difflib (autojunk off) plain, with blank lines as junk
    (what the source view uses), and diff-match-patch line mode."""
    old_lines, new_lines = old.split("\n"), new.split("\n")

    def difflib_plain() -> object:
        return SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()

    def difflib_lines() -> object:
        blank = lambda line: not line.strip()  # noqa: E731
        return SequenceMatcher(
            blank, old_lines, new_lines, autojunk=False
        ).get_opcodes()

    def dmp_lines() -> object:
        engine = diff_match_patch()
        engine.Diff_Timeout = 5
        a, b, lines = engine.diff_linesToChars(old, new)
        diffs = engine.diff_main(a, b, False)
        engine.diff_charsToLines(diffs, lines)
        return diffs

    return (
        median_ms(difflib_plain, 1),
        median_ms(difflib_lines, 3),
        median_ms(dmp_lines, 3),
    )


def real_pairs() -> None:
    if not CORPUS.is_dir():
        print("(a) corpus not found at", CORPUS, "- real pairs skipped")
        return
    print("(a) real pairs, redline built in-process, uncached; median of", RUNS)
    for old_name, new_name in PAIRS:
        old_path = CORPUS / old_name / "safety-security.md"
        new_path = CORPUS / new_name / "safety-security.md"
        if not (old_path.is_file() and new_path.is_file()):
            print("   ", old_name, "->", new_name, ": files missing, skipped")
            continue
        old, new = old_path.read_text("utf-8"), new_path.read_text("utf-8")
        ours = median_ms(lambda: diff_texts(old, new))  # noqa: B023
        git = median_ms(lambda: git_word_diff(old_path, new_path))  # noqa: B023
        ours_cpu, ours_min = cpu_ms(lambda: diff_texts(old, new), 2 * RUNS)  # noqa: B023
        git_cpu = git_cpu_ms(old_path, new_path)
        source = median_ms(lambda: diff_texts(old, new).source_html("split"), 3)  # noqa: B023
        plain, sm, dmp = line_diff_ms(old, new)
        verdict = "ok" if ours < 100 else "OVER 100 ms"
        print(
            f"    {old_name} -> {new_name}: redline {ours:.1f} ms wall ({verdict}); "
            f"git --word-diff {git:.1f} ms; ratio {ours / git:.1f}x "
            f"({'within' if ours <= 3 * git else 'NOT within'} 3x)"
        )
        print(
            f"      cpu: redline {ours_cpu:.1f} ms, min {ours_min:.1f} ms "
            f"({'ok' if ours_cpu < 100 else 'OVER 100 ms'}); git {git_cpu:.1f} ms; "
            f"ratio {ours_cpu / max(git_cpu, 0.1):.1f}x"
        )
        print(
            f"      source view (split, incl. diff) {source:.1f} ms; line diff alone: "
            f"difflib {plain:.0f} ms, with blank lines as junk {sm:.1f} ms (used), "
            f"diff-match-patch line mode {dmp:.1f} ms"
        )
        result = diff_texts(old, new)
        summary = result.summary
        moved = sum(
            1
            for b in result.blocks
            if b.kind in (ChangeKind.MOVED, ChangeKind.MOVED_EDITED)
        )
        runs, gap = redline_runs(result)
        git_count, git_gap = git_runs(git_word_diff(old_path, new_path, porcelain=True))
        print(f"      {result.summary_line()}")
        print(
            f"      redline: {runs} marked changes, median {gap:g} unchanged words "
            f"between them; {summary.changes} block changes; {moved} blocks moved "
            f"({summary.moved_edited} of them edited)"
        )
        print(
            f"      git --word-diff: {git_count} changes, median {git_gap:g} "
            "unchanged words between them"
        )


def memory(old: str, new: str) -> None:
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    diff_texts(old, new)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    diff_texts(old, new)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"(d) memory, 1.5 MB redline: tracemalloc peak {peak / 2**20:.1f} MiB; "
        f"maxrss grew {(after - before) / 1024:.1f} MiB "
        f"(to {after / 1024:.0f} MiB for the whole process)"
    )


def synthetic() -> None:
    old, new = synthetic_pair(1_500_000)
    memory(old, new)
    ms = median_ms(lambda: diff_texts(old, new), 3)
    cpu, cpu_min = cpu_ms(lambda: diff_texts(old, new), 5)
    result = diff_texts(old, new)
    print(
        f"(b) synthetic {len(old) / 1e6:.2f} MB -> {len(new) / 1e6:.2f} MB: "
        f"{ms:.0f} ms wall, {cpu:.0f} ms cpu (min {cpu_min:.0f}) "
        f"({'ok' if cpu < 600 else 'OVER 600 ms'}); {result.summary_line()}"
    )
    old_side = split_version(clean_text(old))
    parse = median_cpu_ms(lambda: parse_blocks(clean_text(old), {}, inline=False), 3)
    print(
        f"    of which markdown-it's block parse alone: {parse:.0f} ms per side "
        f"({len(old_side.blocks)} blocks)"
    )
    with tempfile.TemporaryDirectory() as folder:
        old_path, new_path = Path(folder, "old.md"), Path(folder, "new.md")
        old_path.write_text(old, "utf-8")
        new_path.write_text(new, "utf-8")
        git = median_ms(lambda: git_word_diff(old_path, new_path), 3)
    print(f"    git --word-diff on the same pair: {git:.0f} ms")
    old, new = rewritten_pair(2_000_000)
    ms = median_ms(lambda: diff_texts(old, new), 1)
    result = diff_texts(old, new)
    print(
        f"(c) 2 MB rewritten completely (every paragraph's words shuffled): "
        f"{ms / 1000:.2f} s; {result.summary_line()}"
    )
    giant_old = " ".join(f"w{n % 5000}" for n in range(60_000))
    giant_new = " ".join(f"w{n % 5000}" if n % 7 else "x" for n in range(60_000))
    ms = median_ms(lambda: diff_texts(giant_old, giant_new), 1)
    notes = [b.note for b in diff_texts(giant_old, giant_new).blocks if b.note]
    print(
        f"    one {len(giant_old) / 1e3:.0f} KB paragraph, edited throughout: "
        f"{ms:.0f} ms; note shown: {notes[0] if notes else 'none'}"
    )


# ---- through the app: first view, then from the cache -------------------------


def _bench_app(folder: Path, old: str, new: str) -> tuple[object, str]:
    """An app on a fresh store holding `old` as draft-1 and `new` as draft-2."""
    from cop_drafts.app import create_app
    from cop_drafts.config import load_settings
    from cop_drafts.db.models import Iteration
    from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade
    from cop_drafts.services import codes
    from cop_drafts.store.repo import DraftStore, Person

    source = folder / "source"
    source.mkdir()
    (source / "code.toml").write_text(
        'title = "Bench"\n[[sections]]\nfile = "section.md"\ntitle = "Safety"\n'
        "wg = 2\n",
        "utf-8",
    )
    (source / "section.md").write_text(old, "utf-8")
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    settings = load_settings({"data_dir": folder / "data", "database_url": url})
    person = Person("Bench", "bench@example.org")
    with make_sessionmaker(make_engine(url))() as db:
        code = codes.create_code(db, settings, "bench", source, author=person,
                                 message="draft 1")  # fmt: skip
        with DraftStore.open(codes.store_path(settings, "bench")) as store:
            for n, text in ((1, None), (2, new)):
                if text is not None:
                    store.commit_files("main", {"section.md": text}, person, "d2")
                tag = store.publish(
                    f"draft-{n}", base=store.resolve("main"), tagger=person,
                    message=str(n),
                )  # fmt: skip
                db.add(
                    Iteration(
                        code_id=code.id, tag=tag.name, commit_id=tag.commit_id,
                        published_at=tag.time, is_public=True,
                    )
                )  # fmt: skip
        db.commit()
    app = create_app({"data_dir": folder / "data", "database_url": url,
                      "testing": True})  # fmt: skip
    return app, "/c/bench/changes/section.md?from=draft-1&to=draft-2"


def served() -> None:
    if not CORPUS.is_dir():
        print("(e) corpus not found - app figures skipped")
        return
    old = (CORPUS / "draft3" / "safety-security.md").read_text("utf-8")
    new = (CORPUS / "final" / "safety-security.md").read_text("utf-8")
    with tempfile.TemporaryDirectory() as name:
        app, url = _bench_app(Path(name), old, new)
        client = app.test_client()  # type: ignore[attr-defined]
        started = time.perf_counter()
        first = client.get(url)
        first_ms = (time.perf_counter() - started) * 1000
        assert first.status_code == 200, first.status_code
        views = {}
        for view in ("", "&view=split", "&view=unified"):
            client.get(url + view)
            views[view or "redline"] = median_ms(lambda: client.get(url + view))  # noqa: B023
        whole = url.replace("/section.md", "")
        client.get(whole)
        whole_ms = median_ms(lambda: client.get(whole))
        size = len(first.get_data()) / 1024
    print(
        f"(e) app, draft3 -> final section page: first view {first_ms:.0f} ms "
        f"(diff computed, cached by blob ids); from the cache: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in views.items())
        + f"; whole-Code page {whole_ms:.1f} ms; page {size:.0f} KiB "
        f"({'ok' if views['redline'] < 10 else 'OVER 10 ms'})"
    )
    from cop_drafts.services import diffs as diff_service
    from cop_drafts.services.codes import Version
    from cop_drafts.store.repo import DraftStore

    with tempfile.TemporaryDirectory() as name:
        app, _ = _bench_app(Path(name), old, new)
        from cop_drafts.cache import FileCache

        cache = FileCache(Path(name) / "cache")
        with DraftStore.open(Path(name) / "data" / "codes" / "bench.git") as store:
            pair = [
                Version(tag, store.resolve(tag), tag, True)
                for tag in ("draft-1", "draft-2")
            ]

            def compare() -> object:
                return diff_service.compare(store, cache, *pair, path="section.md")

            compare()
            cached = median_ms(compare, 21)
    print(
        f"    the comparison service alone, from the cache: {cached:.2f} ms "
        "(manifests, cached blob ids, cached summary and redline; no git blob read)"
    )


if __name__ == "__main__":
    real_pairs()
    synthetic()
    served()
