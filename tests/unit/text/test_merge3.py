"""Three-way chunks for the conflict view, and the marker check."""

from __future__ import annotations

from cop_drafts.text.merge3 import ChunkKind, marker_lines, merge3

BASE = "a\nb\nc\nd\ne\nf\ng\n"


def test_changes_apart_merge_and_clashes_are_numbered() -> None:
    ours = "a\nB-ours\nc\nd\ne\nF\ng\n"
    theirs = "a\nB-theirs\nc\nD\ne\nf\ng\n"
    merge = merge3(BASE, ours, theirs)
    kinds = [c.kind for c in merge.chunks]
    assert ChunkKind.CONFLICT in kinds and ChunkKind.THEIRS in kinds
    assert ChunkKind.OURS in kinds
    (clash,) = merge.conflicts
    assert (clash.number, clash.base, clash.ours, clash.theirs) == (
        1,
        ("b",),
        ("B-ours",),
        ("B-theirs",),
    )
    assert (clash.base_start, clash.ours_start, clash.theirs_start) == (2, 2, 2)
    text = merge.merged_text("yours", "theirs")
    assert text == (
        "a\n<<<<<<< #1 yours\nB-ours\n======= #1\nB-theirs\n>>>>>>> #1 theirs\n"
        "c\nD\ne\nF\ng\n"
    )
    assert marker_lines(text) == [2, 6]


def test_the_same_change_on_both_sides_is_not_a_conflict() -> None:
    same = BASE.replace("d", "D")
    merge = merge3(BASE, same, same)
    assert not merge.conflicts
    assert merge.merged_text("y", "t") == same


def test_adjacent_changes_clash_like_git() -> None:
    merge = merge3(BASE, BASE.replace("c", "C"), BASE.replace("d", "D"))
    (clash,) = merge.conflicts
    assert clash.ours == ("C", "d") and clash.theirs == ("c", "D")


def test_without_a_base_every_difference_is_a_conflict() -> None:
    merge = merge3(None, "a\nmine\nc\n", "a\ntheirs\nc\nextra\n")
    assert [c.ours for c in merge.conflicts] == [("mine",), ()]
    assert [c.theirs for c in merge.conflicts] == [("theirs",), ("extra",)]
    assert not merge.has_base


def test_deletions_and_insertions_at_the_ends() -> None:
    merge = merge3(BASE, "start\n" + BASE, BASE.replace("g\n", ""))
    assert not merge.conflicts
    assert merge.merged_text("y", "t") == "start\na\nb\nc\nd\ne\nf\n"


def test_marker_lines_ignore_markdown_lookalikes() -> None:
    text = "Title\n=======\n> quote\n>> nested\n<<<<<<< #1 yours\n>>>>>>>\n"
    assert marker_lines(text) == [5, 6]
