"""Time what editing and consolidating cost, and count lost updates.

Usage: python bench/edit_speed.py [--commits N] [--trials N] [--rounds N]

1. A save that needs a clean three-way merge, on a branch with 2,000 commits
   (median; goal under 20 ms), beside a plain fast-forward save.
2. The consistency checks over a Code the size of ../shared/corpus/draft3
   (goal under 200 ms): check_code alone, and as the board runs them (an
   in-memory merge of a Working Group branch into main, then the checks).
3. Racing saves on one branch: 8 writers, as threads and as processes, each
   saving its own paragraph from the tip it last read; saves per second and
   lost updates (must be 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checks_speed import load  # noqa: E402

from cop_drafts.services.consistency import sections_of  # noqa: E402
from cop_drafts.store import DraftStore, Person, set_durable  # noqa: E402
from cop_drafts.text.checks import check_code  # noqa: E402
from tests.unit.store.test_concurrency import check_race, make_store  # noqa: E402

AUTHOR = Person("Bench Chair", "bench@example.org")
CORPUS = ROOT.parent / "shared" / "corpus" / "draft3"
SECTION = ROOT / "drafts" / "draft-3" / "risk-assessment.md"


def ms(seconds: float) -> float:
    return seconds * 1000


def edit(text: str, n: int, new: str) -> str:
    parts = text.split("\n\n")
    parts[n] = new
    return "\n\n".join(parts)


def long_branch(folder: Path, commits: int) -> DraftStore:
    """wg/1 with `commits` commits, each rewording one of 40 paragraphs."""
    store = DraftStore.init(folder / "long.git")
    text = SECTION.read_text(encoding="utf-8")
    manifest = 'title = "Bench"\n[[sections]]\nfile = "s.md"\ntitle = "S"\nwg = 1\n'
    store.commit_files("main", {"code.toml": manifest, "s.md": text}, AUTHOR, "Init")
    store.create_branch("wg/1", "main")
    for n in range(commits - 1):
        text = edit(text, 2 + n % 40, f"Paragraph reworded in commit {n}.")
        store.save(
            "wg/1",
            "s.md",
            text,
            base=store.resolve("wg/1"),
            author=AUTHOR,
            message=f"commit {n}",
        )
    return store


def bench_merge_save(folder: Path, commits: int, trials: int) -> None:
    start = time.perf_counter()
    store = long_branch(folder, commits)
    built = time.perf_counter() - start
    count = len(store.log("wg/1", limit=1_000_000))
    fast, merged = [], []
    for trial in range(trials):
        base = store.resolve("wg/1")
        text = store.read(base, "s.md").text
        # A plain save (fast-forward) by one Chair, then another Chair's save
        # from the same base in another paragraph: a clean three-way merge.
        for times, n, merge in ((fast, 50, False), (merged, 60, True)):
            new = edit(text, n, f"Paragraph {n}, trial {trial}.")
            t0 = time.perf_counter()
            result = store.save(
                "wg/1", "s.md", new, base=base, author=AUTHOR, message=f"{n}"
            )
            times.append(time.perf_counter() - t0)
            assert result.merged is merge
    print(
        f"1. save on a branch with {count:,} commits (built in {built:.1f} s), "
        f"{trials} trials, {SECTION.stat().st_size / 1024:.0f} KB section:"
    )
    print(f"   fast-forward save   median {ms(statistics.median(fast)):6.2f} ms")
    print(
        f"   three-way merge     median {ms(statistics.median(merged)):6.2f} ms "
        f"(p90 {ms(sorted(merged)[int(len(merged) * 0.9)]):.2f} ms; goal < 20 ms)"
    )
    store.close()


def bench_checks(folder: Path, runs: int) -> None:
    if not CORPUS.is_dir():
        print(f"2. checks: {CORPUS} not found, skipped")
        return
    sections, glossary = load(CORPUS)
    size = sum(len(s.text.encode()) for s in sections)
    alone = []
    for _ in range(runs):
        t0 = time.perf_counter()
        findings = check_code(sections, glossary_path=glossary)
        alone.append(time.perf_counter() - t0)
    # The board's way: the Code in a store, a WG branch merged in memory.
    toml = 'title = "Corpus draft 3"\n' + "".join(
        f'[[sections]]\nfile = "{s.path}"\ntitle = "{s.title.replace(chr(34), "")}"\n'
        + ("" if s.path == glossary else "wg = 1\n")
        for s in sections
    )
    files = {"code.toml": toml, **{s.path: s.text for s in sections}}
    store = DraftStore.init(folder / "corpus.git")
    store.commit_files("main", files, AUTHOR, "Corpus")
    store.create_branch("wg/1", "main")
    first = sections[1]
    store.save(
        "wg/1",
        first.path,
        first.text + "\nA new paragraph.\n",
        base=store.resolve("wg/1"),
        author=AUTHOR,
        message="edit",
    )
    board = []
    for _ in range(runs):
        t0 = time.perf_counter()
        preview = store.preview_merge(["wg/1"], "main")
        merged, glossary_path = sections_of(preview.files)
        check_code(merged, glossary_path)
        board.append(time.perf_counter() - t0)
    print(
        f"2. checks on corpus draft3: {len(sections)} sections, {size / 1024:.0f} KB, "
        f"{len(findings)} findings, {runs} runs:"
    )
    print(
        f"   check_code             median {ms(statistics.median(alone)):6.1f} ms "
        "(goal < 200 ms)"
    )
    print(f"   merge preview + checks median {ms(statistics.median(board)):6.1f} ms")
    store.close()


def timed_rounds(repo: str, writer: int, rounds: int) -> tuple[list[str], float, float]:
    """One racing writer; its acknowledged commits and when it started and ended."""
    from tests.unit.store.test_concurrency import write_rounds

    set_durable(True)  # a spawned process starts with libgit2's default (off)
    with DraftStore.open(repo) as store:
        store.resolve("wg/1")  # open the repository before the clock starts
    started = time.time()
    acknowledged = write_rounds(repo, writer, rounds)
    return acknowledged, started, time.time()


def bench_race(folder: Path, rounds: int) -> None:
    writers = 8
    print(
        f"3. racing saves on one branch: {writers} writers x {rounds} saves "
        "(timed from the first writer's start to the last one's end):"
    )
    for name in ("threads", "processes"):
        repo = folder / f"race-{name}.git"
        make_store(repo, writers)
        jobs = [(str(repo), w, rounds) for w in range(writers)]
        if name == "threads":
            with ThreadPoolExecutor(writers) as pool:
                results = list(pool.map(lambda job: timed_rounds(*job), jobs))
        else:
            with multiprocessing.get_context("spawn").Pool(writers) as pool:
                results = pool.starmap(timed_rounds, jobs)
        acknowledged = [c for acked, _, _ in results for c in acked]
        elapsed = max(r[2] for r in results) - min(r[1] for r in results)
        result = check_race(repo, writers, rounds, acknowledged)
        lost = result.lost + result.missing_commits
        print(
            f"   {name:9} {len(acknowledged)} saves in {elapsed:5.2f} s = "
            f"{len(acknowledged) / elapsed:6.0f} saves/s; lost updates: {lost}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    set_durable(True)  # git writes fsynced, as served (the store leaves it off)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_merge_save(folder, args.commits, args.trials)
        bench_checks(folder, args.runs)
        bench_race(folder, args.rounds)


if __name__ == "__main__":
    main()
