"""Many saves racing on one branch, from threads and from processes: every
acknowledged change is in the history, none is lost, the repository stays
valid (git fsck) and no lock is left behind."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cop_drafts.store import (
    LOCK_NAME,
    Conflict,
    DraftStore,
    Person,
    is_durable,
    set_durable,
)

BRANCH = "wg/1"
PATH = "section.md"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MANIFEST = """title = "Race"
[[sections]]
file = "section.md"
title = "Section"
wg = 1
"""


def paragraph(writer: int, round_: int) -> str:
    return f"Writer {writer} paragraph, version {round_}."


def initial_text(writers: int) -> str:
    # Paragraphs separated by blank lines: each writer owns one, so every
    # racing save merges cleanly with the others.
    return "\n\n".join(paragraph(w, -1) for w in range(writers)) + "\n"


def make_store(path: Path, writers: int) -> None:
    with DraftStore.init(path) as store:
        store.commit_files(
            "main",
            {"code.toml": MANIFEST, PATH: initial_text(writers)},
            Person("Setup", "setup@example.org", T0),
            "Initial",
        )
        store.create_branch(BRANCH, "main")


def write_rounds(repo: str, writer: int, rounds: int) -> list[str]:
    """One writer: `rounds` saves of its own paragraph; acknowledged commit ids.

    Each save starts from the branch tip it last read, so writers race: the
    store fast-forwards or merges three-way under its lock.
    """
    acknowledged = []
    author = Person(f"Writer {writer}", f"w{writer}@example.org")
    with DraftStore.open(repo) as store:
        for round_ in range(rounds):
            while True:
                base = store.resolve(BRANCH)
                current = store.read(base, PATH).text
                parts = current.rstrip("\n").split("\n\n")
                parts[writer] = paragraph(writer, round_)
                try:
                    result = store.save(
                        BRANCH,
                        PATH,
                        "\n\n".join(parts) + "\n",
                        base=base,
                        author=author,
                        message=f"writer {writer} round {round_}",
                    )
                except Conflict:  # not expected: paragraphs are apart
                    continue
                acknowledged.append(result.commit_id)
                break
    return acknowledged


@dataclass
class RaceResult:
    acknowledged: list[str]
    lost: int
    missing_commits: int
    final_text: str


def check_race(repo: Path, writers: int, rounds: int, acked: list[str]) -> RaceResult:
    """Count lost updates: a paragraph not at its last version, a commit gone."""
    with DraftStore.open(repo) as store:
        history = {c.commit_id for c in store.log(BRANCH, limit=1_000_000)}
        text = store.read(BRANCH, PATH).text
    parts = text.rstrip("\n").split("\n\n")
    lost = sum(1 for w in range(writers) if parts[w] != paragraph(w, rounds - 1)) + max(
        0, len(acked) - writers * rounds
    )
    return RaceResult(acked, lost, sum(1 for c in acked if c not in history), text)


def race_threads(repo: Path, writers: int, rounds: int) -> list[str]:
    results: list[list[str]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def run(w: int) -> None:
        try:
            results[w] = write_rounds(str(repo), w, rounds)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [c for r in results for c in r]


def race_processes(repo: Path, writers: int, rounds: int) -> list[str]:
    context = multiprocessing.get_context("spawn")
    # A spawned process starts with libgit2's default (no fsync): give it ours.
    with context.Pool(writers, set_durable, (is_durable(),)) as pool:
        results = pool.starmap(
            write_rounds, [(str(repo), w, rounds) for w in range(writers)]
        )
    return [c for r in results for c in r]


def assert_clean_repository(repo: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git CLI not installed (used only to run fsck)")
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    done = subprocess.run(
        [git, "--git-dir", str(repo), "fsck", "--full", "--strict"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if not line.startswith(("dangling", "Checking", "notice"))
    ]
    assert not problems, problems
    # No lock left: nobody holds the store lock and no ref lock files remain.
    fd = os.open(repo / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    assert [p.name for p in repo.rglob("*.lock")] == [LOCK_NAME]


Racer = Callable[[Path, int, int], list[str]]


@pytest.mark.parametrize(
    "race", [race_threads, race_processes], ids=["threads", "processes"]
)
def test_racing_saves_lose_nothing(tmp_path: Path, race: Racer) -> None:
    writers, rounds = 8, 25
    repo = tmp_path / "race.git"
    make_store(repo, writers)
    acknowledged = race(repo, writers, rounds)
    assert len(acknowledged) == writers * rounds == 200
    assert len(set(acknowledged)) == len(acknowledged)
    result = check_race(repo, writers, rounds, acknowledged)
    assert result.missing_commits == 0
    assert result.lost == 0, result.final_text
    with DraftStore.open(repo) as store:
        messages = [c.message for c in store.log(BRANCH, limit=10_000)]
    for w in range(writers):
        for r in range(rounds):
            assert f"writer {w} round {r}" in messages
    assert_clean_repository(repo)
