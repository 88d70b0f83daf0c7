"""DraftStore on fresh bare repositories: save, merge, conflict, history, tags."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pygit2
import pytest

from cop_drafts.store.errors import (
    Conflict,
    InvalidContent,
    InvalidPath,
    InvalidRev,
    NoChange,
    NotFound,
    StaleBase,
    TagExists,
)
from cop_drafts.store.repo import DraftStore, Person, import_folder

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALICE = Person("Alice Chair", "alice@example.org", T0)
BOB = Person("Bob Vice", "bob@example.org", T0 + timedelta(hours=1))
MANIFEST = """title = "Test Code"
[[sections]]
file = "a.md"
title = "Section A"
wg = 1
[[sections]]
file = "b.md"
title = "Section B"
"""
TEXT = "".join(f"Line {n} of section A.\n" for n in range(1, 21))


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    s = DraftStore.init(tmp_path / "code.git")
    s.commit_files(
        "main", {"code.toml": MANIFEST, "a.md": TEXT, "b.md": "B\n"}, ALICE, "Initial"
    )
    s.create_branch("wg/1", "main")
    return s


def replace_line(text: str, n: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[n - 1] = new + "\n"
    return "".join(lines)


def test_read_and_manifest(store: DraftStore) -> None:
    assert store.read("main", "a.md").text == TEXT
    assert [s.path for s in store.sections("main")] == ["a.md", "b.md"]
    assert store.get_section("main", "a.md").wg == 1
    assert store.get_section("main", "b.md").wg is None
    with pytest.raises(NotFound):
        store.get_section("main", "c.md")


def test_a_text_read_again_is_kept_and_a_branch_read_follows_the_branch(
    store: DraftStore,
) -> None:
    first = store.read("main", "a.md")
    assert store.read(first.commit_id, "a.md") is first  # kept: commits never change
    store.save(
        "main",
        "a.md",
        TEXT + "More.\n",
        base=first.commit_id,
        author=ALICE,
        message="More",
    )
    assert store.read("main", "a.md").text == TEXT + "More.\n"
    assert store.read(first.commit_id, "a.md").text == TEXT
    for bad in ("../a.md", "a.md/", ""):
        with pytest.raises(InvalidPath):
            store.read(first.commit_id, bad)
    with pytest.raises(NotFound):
        store.read(first.commit_id, "c.md")


def test_save_fast_forward(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    result = store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 3, "Three."),
        base=base,
        author=BOB,
        message="Reword line 3",
    )
    assert not result.merged
    assert store.resolve("wg/1") == result.commit_id
    info = store.commit_info(result.commit_id)
    assert info.parent_ids == (base,)
    assert info.author_name == "Bob Vice"
    assert store.read("wg/1", "a.md").text.splitlines()[2] == "Three."
    assert store.read("main", "a.md").text == TEXT


def test_save_clean_merge_keeps_both(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 2, "Two by Alice."),
        base=base,
        author=ALICE,
        message="Alice",
    )
    result = store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 18, "Eighteen by Bob."),
        base=base,
        author=BOB,
        message="Bob",
    )
    assert result.merged
    lines = store.read("wg/1", "a.md").text.splitlines()
    assert lines[1] == "Two by Alice." and lines[17] == "Eighteen by Bob."


def test_conflict_carries_all_sides_and_writes_nothing(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    first = store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 5, "Alice five."),
        base=base,
        author=ALICE,
        message="Alice",
    )
    with pytest.raises(Conflict) as caught:
        store.save(
            "wg/1",
            "a.md",
            replace_line(TEXT, 5, "Bob five."),
            base=base,
            author=BOB,
            message="Bob",
        )
    side = caught.value.sides[0]
    assert side.base == TEXT
    assert "Alice five." in side.theirs and "Bob five." in side.ours
    assert side.theirs_commit_id == first.commit_id
    assert store.resolve("wg/1") == first.commit_id


def test_no_change_and_stale_base(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    with pytest.raises(NoChange):
        store.save("wg/1", "a.md", TEXT, base=base, author=ALICE, message="x")
    other = store.commit_files("main", {"b.md": "B2\n"}, ALICE, "main moves")
    with pytest.raises(StaleBase):
        store.save("wg/1", "a.md", "new\n", base=other, author=ALICE, message="x")


def test_crlf_is_normalised(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    store.save(
        "wg/1",
        "a.md",
        TEXT.replace("\n", "\r\n") + "Extra.\r\n",
        base=base,
        author=ALICE,
        message="CRLF",
    )
    assert "\r" not in store.read("wg/1", "a.md").text


@pytest.mark.parametrize(
    "rev",
    [
        "HEAD~1",
        "main^",
        "@{-1}",
        ":/Initial",
        "wg/1..main",
        "../main",
        "",
        "a" * 41,
        "refs/heads/main",
        "deadbeef0",
    ],
)
def test_bad_revs_are_refused(store: DraftStore, rev: str) -> None:
    with pytest.raises(InvalidRev):
        store.read(rev, "a.md")


@pytest.mark.parametrize(
    "path",
    [
        "../a.md",
        "/a.md",
        "a/../a.md",
        "./a.md",
        ".git",
        "a.md\x00",
        "dir\\a.md",
        "",
        "a//b.md",
    ],
)
def test_path_traversal_is_refused(store: DraftStore, path: str) -> None:
    with pytest.raises(InvalidPath):
        store.read("main", path)


def test_short_ids_tags_and_branches_resolve(store: DraftStore) -> None:
    full = store.resolve("main")
    assert store.resolve(full[:10]) == full
    store.create_tag("draft-1", "main", ALICE, "First draft")
    assert store.resolve("draft-1") == full
    assert [t.name for t in store.tags()] == ["draft-1"]
    with pytest.raises(TagExists):
        store.create_tag("draft-1", "main", ALICE, "again")
    branches = {b.name: b for b in store.branches()}
    assert list(branches) == ["main", "wg/1"]
    assert (branches["wg/1"].ahead, branches["wg/1"].behind) == (0, 0)


def test_history_and_blame(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    c1 = store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 4, "Four."),
        base=base,
        author=BOB,
        message="Four",
    ).commit_id
    store.commit_files("wg/1", {"b.md": "B changed\n"}, ALICE, "Only B")
    history = store.history("wg/1", "a.md")
    assert [h.commit_id for h in history] == [c1, base]
    assert history[0].author_name == "Bob Vice"
    blame = store.blame("wg/1", "a.md")
    assert len(blame) == 20
    assert blame[3].commit_id == c1 and blame[3].text == "Four."
    assert blame[0].commit_id == base


def test_non_utf8_blob_is_read_with_replacement(
    store: DraftStore, tmp_path: Path
) -> None:
    repo = pygit2.Repository(str(store.path))
    tip = repo.references["refs/heads/main"].peel(pygit2.Commit)
    builder = repo.TreeBuilder(tip.tree)
    builder.insert("a.md", repo.create_blob(b"caf\xe9\n"), pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("X", "x@example.org", 1700000000, 0)
    repo.create_commit(
        "refs/heads/main", sig, sig, "latin-1", builder.write(), [tip.id]
    )
    version = store.read("main", "a.md")
    assert not version.is_utf8 and version.text == "caf\ufffd\n"


def test_import_folder_refuses_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "code.toml").write_text(MANIFEST)
    (tmp_path / "a.md").write_bytes(b"\xff\xfe")
    (tmp_path / "b.md").write_text("ok")
    with pytest.raises(InvalidContent, match="a.md is not UTF-8"):
        import_folder(tmp_path)


def test_racing_saves_lose_nothing(store: DraftStore) -> None:
    """8 threads, each appending its own line; every acknowledged save survives."""
    acknowledged: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        with DraftStore.open(store.path) as mine:
            for i in range(5):
                while True:
                    version = mine.read("wg/1", "a.md")
                    line = f"Writer {n} save {i}."
                    try:
                        mine.save(
                            "wg/1",
                            "a.md",
                            version.text + line + "\n",
                            base=version.commit_id,
                            author=ALICE,
                            message=line,
                        )
                    except Conflict:
                        continue
                    with lock:
                        acknowledged.append(line)
                    break

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.read("wg/1", "a.md").text
    assert len(acknowledged) == 40
    assert all(line in final for line in acknowledged)


def test_blame_through_a_merge_keeps_each_author(store: DraftStore) -> None:
    """Lines merged from a Working Group branch keep their author, not the merge."""
    base = store.resolve("wg/1")
    wg = store.save(
        "wg/1",
        "a.md",
        replace_line(TEXT, 3, "Three by Bob."),
        base=base,
        author=BOB,
        message="Bob on wg/1",
    ).commit_id
    main = store.save(
        "main",
        "a.md",
        replace_line(TEXT, 17, "Seventeen by Alice."),
        base=store.resolve("main"),
        author=ALICE,
        message="Alice harmonises main",
    ).commit_id
    merge = store.merge("wg/1", "main", author=ALICE, message="Consolidate").commit_id
    assert store.commit_info(merge).parent_ids == (main, wg)
    blame = {b.line: b.commit_id for b in store.blame("main", "a.md")}
    assert blame[3] == wg and blame[17] == main and blame[1] == base
    assert merge not in blame.values()


def test_blame_state_cache_gives_the_same_answer(
    store: DraftStore, tmp_path: Path
) -> None:
    from cop_drafts.cache import FileCache

    cache = FileCache(tmp_path / "cache")
    text = TEXT
    for n in range(1, 6):
        text = replace_line(text, n * 3, f"Edit {n}.")
        store.save(
            "wg/1",
            "a.md",
            text,
            base=store.resolve("wg/1"),
            author=BOB,
            message=f"edit {n}",
        )
        assert store.blame("wg/1", "a.md", cache) == store.blame("wg/1", "a.md")
