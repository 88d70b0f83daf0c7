"""Merges a person resolves (settled conflicts, expected tips), in-memory merge
previews, commit ranges, and harmonisation flowing from main to a branch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cop_drafts.store.errors import Conflict, NoChange, StaleBase
from cop_drafts.store.repo import DraftStore, Person

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALICE = Person("Alice Chair", "alice@example.org", T0)
COORD = Person("Cora Ordinator", "cora@example.org", T0)
MANIFEST = """title = "Test Code"
[[sections]]
file = "a.md"
title = "A"
wg = 1
[[sections]]
file = "b.md"
title = "B"
wg = 2
"""
PARAS = [f"Paragraph {n} of the section." for n in range(1, 7)]
TEXT = "\n\n".join(PARAS) + "\n"


def edit(text: str, n: int, new: str) -> str:
    parts = text.rstrip("\n").split("\n\n")
    parts[n] = new
    return "\n\n".join(parts) + "\n"


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    s = DraftStore.init(tmp_path / "code.git")
    s.commit_files(
        "main", {"code.toml": MANIFEST, "a.md": TEXT, "b.md": TEXT}, COORD, "Initial"
    )
    s.create_branch("wg/1", "main")
    s.create_branch("wg/2", "main")
    return s


def save(store: DraftStore, branch: str, path: str, n: int, new: str) -> str:
    text = edit(store.read(branch, path).text, n, new)
    base = store.resolve(branch)
    return store.save(
        branch, path, text, base=base, author=ALICE, message=new
    ).commit_id


def clash(store: DraftStore) -> None:
    save(store, "wg/1", "a.md", 2, "Working Group wording.")
    save(store, "main", "a.md", 2, "Harmonised wording.")


def test_merge_settles_conflicts_with_the_resolved_text(store: DraftStore) -> None:
    clash(store)
    main, wg = store.resolve("main"), store.resolve("wg/1")
    with pytest.raises(Conflict) as caught:
        store.merge("wg/1", "main", author=COORD, message="Consolidate")
    (side,) = caught.value.sides
    assert (side.ours, side.theirs) == (
        edit(TEXT, 2, "Harmonised wording."),
        edit(TEXT, 2, "Working Group wording."),
    )
    resolved = edit(TEXT, 2, "Agreed wording.")
    result = store.merge(
        "wg/1",
        "main",
        author=COORD,
        message="Consolidate",
        resolved={"a.md": resolved},
        expected=(main, wg),
    )
    info = store.commit_info("main")
    assert info.commit_id == result.commit_id and info.parent_ids == (main, wg)
    assert store.read("main", "a.md").text == resolved
    assert store.read("main", "b.md").text == TEXT


def test_a_resolution_must_cover_every_conflict(store: DraftStore) -> None:
    clash(store)
    before = store.resolve("main")
    with pytest.raises(Conflict) as caught:
        store.merge(
            "wg/1",
            "main",
            author=COORD,
            message="M",
            resolved={"b.md": "Not the conflicting file.\n"},
        )
    assert [s.path for s in caught.value.sides] == ["a.md"]
    assert store.resolve("main") == before


def test_a_resolution_against_moved_tips_is_stale(store: DraftStore) -> None:
    clash(store)
    main, wg = store.resolve("main"), store.resolve("wg/1")
    save(store, "wg/1", "a.md", 5, "Later change.")
    with pytest.raises(StaleBase):
        store.merge(
            "wg/1",
            "main",
            author=COORD,
            message="M",
            resolved={"a.md": "x\n"},
            expected=(main, wg),
        )
    assert store.resolve("main") == main


def test_preview_merge_writes_nothing_and_reports_conflicts(store: DraftStore) -> None:
    save(store, "wg/2", "b.md", 0, "WG2 change.")
    clash(store)
    refs = {b: store.resolve(b) for b in ("main", "wg/1", "wg/2")}
    preview = store.preview_merge(["wg/1", "wg/2"], "main")
    assert preview.merged == ("wg/2",)
    assert preview.merged_commit_ids == (refs["wg/2"],)
    assert [s.path for s in preview.conflicts] == ["a.md"]
    assert preview.files["b.md"].startswith("WG2 change.")
    assert preview.files["a.md"] == store.read("main", "a.md").text
    assert {b: store.resolve(b) for b in refs} == refs
    assert store.preview_merge(["main"], "main").merged == ()  # nothing new


def test_preview_of_several_sources_combines_them(store: DraftStore) -> None:
    save(store, "wg/1", "a.md", 0, "One.")
    save(store, "wg/2", "b.md", 5, "Two.")
    save(store, "main", "a.md", 5, "Main.")
    preview = store.preview_merge(["wg/1", "wg/2"], "main")
    assert preview.merged == ("wg/1", "wg/2") and not preview.conflicts
    assert preview.files["a.md"] == edit(edit(TEXT, 0, "One."), 5, "Main.")
    assert preview.files["b.md"] == edit(TEXT, 5, "Two.")
    store.merge("wg/1", "main", author=COORD, message="1")
    store.merge("wg/2", "main", author=COORD, message="2")
    assert store.read("main", "a.md").text == preview.files["a.md"]
    assert store.read("main", "b.md").text == preview.files["b.md"]


def test_log_range_lists_what_a_branch_has_that_main_lacks(store: DraftStore) -> None:
    one = save(store, "wg/1", "a.md", 0, "One.")
    two = save(store, "wg/1", "b.md", 0, "Two.")
    ids = [c.commit_id for c in store.log_range("wg/1", "main")]
    assert ids == [two, one]
    assert [c.commit_id for c in store.log_range("wg/1", "main", path="a.md")] == [one]
    assert store.log_range("main", "wg/1") == []


def test_a_save_that_re_makes_the_branch_text_is_no_change(store: DraftStore) -> None:
    base = store.resolve("wg/1")
    save(store, "wg/1", "a.md", 1, "Same edit.")
    with pytest.raises(NoChange):
        store.save(
            "wg/1",
            "a.md",
            edit(TEXT, 1, "Same edit."),
            base=base,
            author=ALICE,
            message="Again",
        )
    with pytest.raises(NoChange):
        store.save("wg/1", "a.md", TEXT, base=base, author=ALICE, message="Untouched")


def test_harmonisation_flows_back_merged_or_kept_on_conflict(store: DraftStore) -> None:
    save(store, "wg/1", "a.md", 0, "WG1 opening.")
    save(store, "wg/2", "a.md", 2, "WG2 would not, but here it touches a.md.")
    save(store, "main", "a.md", 2, "Harmonised paragraph three.")
    merged = store.sync("wg/1", source="main", author=COORD, message="Flow back")
    assert merged is not None and merged.merged
    text = store.read("wg/1", "a.md").text
    assert "WG1 opening." in text and "Harmonised paragraph three." in text
    tip = store.resolve("wg/2")
    with pytest.raises(Conflict):
        store.sync("wg/2", source="main", author=COORD, message="Flow back")
    assert store.resolve("wg/2") == tip
    # The next consolidation of wg/1 does not undo the harmonisation.
    store.merge("wg/1", "main", author=COORD, message="Consolidate")
    assert "Harmonised paragraph three." in store.read("main", "a.md").text
