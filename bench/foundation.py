"""Figures for the foundation: render, save, read, history, blame, served page.

Run: .venv/bin/python bench/foundation.py [--http]   (prints its numbers)

Uses the real third draft from ../shared/corpus when present (else the demo
text, repeated) to make a 300 KB section, and a store with 2,000 commits.
With --http it also serves the demo under gunicorn and loads one cached
section page with wrk (Debian package `wrk`), 16 connections on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop_drafts.cache import FileCache  # noqa: E402
from cop_drafts.services import codes as code_service  # noqa: E402
from cop_drafts.services.codes import Version  # noqa: E402
from cop_drafts.store.repo import DraftStore, Person, set_durable  # noqa: E402
from cop_drafts.text.render import render  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
MANIFEST = 'title = "Bench"\n[[sections]]\nfile = "s.md"\ntitle = "S"\nwg = 1\n'


def big_text(size: int = 300_000) -> str:
    source = CORPUS / "draft3" / "safety-security.md"
    base = (
        source.read_text()
        if source.exists()
        else (ROOT / "drafts" / "draft-3" / "risk-assessment.md").read_text()
    )
    text = base
    while len(text) < size:
        text += "\n" + base
    return text[:size].rsplit("\n", 1)[0] + "\n"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, samples: list[float], goal: str) -> None:
    samples = sorted(samples)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(
        f"{name:<52} median {statistics.median(samples):8.2f} ms  "
        f"p90 {p(0.9):8.2f}  min {samples[0]:8.2f}   goal {goal}"
    )


def bench_text_and_store(tmp: Path) -> None:
    text = big_text()
    print(f"section size: {len(text) / 1000:.0f} KB, {text.count(chr(10))} lines")
    report(
        "render 300 KB (cold, in-process)", timed(lambda: render(text), 10), "< 100 ms"
    )

    store = DraftStore.init(tmp / "b.git")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    store.commit_files(
        "main",
        {"code.toml": MANIFEST, "s.md": text, "other.md": "x\n"},
        Person("A", "a@example.org", t0),
        "init",
    )
    store.create_branch("wg/1", "main")
    lines = text.splitlines(keepends=True)
    first = store.resolve("wg/1")
    for n in range(2000):
        # Most commits touch another file, one in five edits the section.
        when = Person("A", "a@example.org", t0 + timedelta(minutes=n))
        if n % 5 == 0:
            lines[(n * 37) % len(lines)] = f"Edited line {n}.\n"
            base = store.resolve("wg/1")
            store.save(
                "wg/1",
                "s.md",
                "".join(lines),
                base=base,
                author=when,
                message=f"edit {n}",
            )
        else:
            store.commit_files("wg/1", {"other.md": f"{n}\n"}, when, f"other {n}")
    print("store: 2,000 commits on wg/1 (git writes fsynced, as served)")

    def save_plain() -> None:
        base = store.resolve("wg/1")
        lines[5] = f"Plain save {time.perf_counter_ns()}.\n"
        store.save(
            "wg/1",
            "s.md",
            "".join(lines),
            base=base,
            author=Person("B", "b@example.org"),
            message="save",
        )

    report(
        "save (fast-forward) on a 2,000-commit branch, fsync",
        timed(save_plain, 30),
        "< 10 ms",
    )
    set_durable(False)
    report("  the same without fsync (COP_DRAFTS_FSYNC=0)", timed(save_plain, 30), "")
    set_durable(True)

    merge_samples = []
    for _ in range(20):
        base = store.resolve("wg/1")
        store.commit_files(
            "wg/1",
            {"other.md": f"{time.perf_counter_ns()}\n"},
            Person("C", "c@example.org"),
            "moves the branch",
        )
        mine = store.read(base, "s.md").text.splitlines(keepends=True)
        mine[-3] = f"Merged save {time.perf_counter_ns()}.\n"
        data = "".join(mine)
        start = time.perf_counter()
        store.save(
            "wg/1",
            "s.md",
            data,
            base=base,
            author=Person("B", "b@example.org"),
            message="merge save",
        )
        merge_samples.append((time.perf_counter() - start) * 1000)
    report(
        "save with three-way merge (branch moved)", merge_samples, "(issue 5: < 20 ms)"
    )

    report(
        "read the section at the first commit",
        timed(lambda: store.read(first, "s.md"), 50),
        "< 5 ms",
    )
    report(
        "history of the section over 2,000+ commits",
        timed(lambda: store.history("wg/1", "s.md"), 10),
        "< 20 ms",
    )
    head = store.resolve("wg/1")
    version = Version("wg/1", head, "wg/1", False)
    cache = FileCache(tmp / "cache")
    report(
        "blame, cold: full replay, no state cached",
        timed(lambda: store.blame(head, "s.md"), 3),
        "< 150 ms",
    )
    import pygit2

    raw = pygit2.Repository(str(store.path))
    report(
        "  for comparison: libgit2's own blame",
        timed(lambda: raw.blame("s.md", newest_commit=head), 1),
        "",
    )
    if shutil.which("git"):
        report(
            "  for comparison: git blame (command line)",
            timed(
                lambda: subprocess.run(
                    [
                        "git",
                        "--git-dir",
                        str(store.path),
                        "blame",
                        "--porcelain",
                        head,
                        "--",
                        "s.md",
                    ],
                    capture_output=True,
                    check=True,
                ),
                3,
            ),
            "",
        )
    states = FileCache(tmp / "states")
    store.blame(head, "s.md", states)

    after_save = []
    for _ in range(10):
        save_plain()  # not timed: only the blame of the version it made
        start = time.perf_counter()
        store.blame("wg/1", "s.md", states)
        after_save.append((time.perf_counter() - start) * 1000)
    report(
        "blame of a new version (origins of earlier ones kept)", after_save, "< 150 ms"
    )
    code_service.blame(store, cache, version, "s.md")
    report(
        "blame page data (cached per commit and path)",
        timed(lambda: code_service.blame(store, cache, version, "s.md"), 20),
        "< 10 ms",
    )
    code_service.section_page(store, cache, version, "s.md")
    report(
        "section page data (render cached per blob)",
        timed(lambda: code_service.section_page(store, cache, version, "s.md"), 50),
        "< 5 ms",
    )
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_public(data_dir: Path) -> None:
    """Mark every iteration public, so the page is what a visitor reads."""
    from sqlalchemy import update

    from cop_drafts.config import load_settings
    from cop_drafts.db.models import Iteration
    from cop_drafts.db.session import make_engine

    engine = make_engine(load_settings({"data_dir": data_dir}).database_url)
    with engine.begin() as connection:
        connection.execute(update(Iteration).values(is_public=True))
    engine.dispose()


def bench_http(tmp: Path) -> None:
    if not shutil.which("wrk"):
        print("wrk not installed (apt-get install wrk): skipping the HTTP figure")
        return
    env = dict(os.environ, COP_DRAFTS_DATA=str(tmp / "data"))
    cli = [sys.executable, "-m", "cop_drafts.cli"]
    subprocess.run(cli + ["demo"], env=env, check=True, capture_output=True)
    subprocess.run(cli + ["users", "list"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        cli + ["serve", "--port", str(port), "--workers", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Make draft-3 public so the page is the one a public visitor reads.
        make_public(tmp / "data")
        url = f"{base}/c/gpai-code/s/risk-assessment.md?rev=draft-3"
        subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=False)
        out = subprocess.run(
            ["wrk", "-t2", "-c16", "-d10s", "--latency", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        print(
            "served section page (public, cached), gunicorn 4 workers, "
            "wrk -t2 -c16 -d10s:"
        )
        for line in out.splitlines():
            if any(
                k in line for k in ("Requests/sec", "99%", "50%", "Non-2xx", "Latency ")
            ):
                print("   ", line.strip())
        print("    goal: >= 1,000 requests/s, p99 < 50 ms")
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http", action="store_true", help="also load-test gunicorn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_text_and_store(Path(tmp))
        if args.http:
            bench_http(Path(tmp))


if __name__ == "__main__":
    main()
