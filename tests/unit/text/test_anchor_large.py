"""Relocation within its budget on large and hostile texts (text.anchor.large):
the common beginning and end map by offset, the changed middle is aligned
in full when it fits, by exact words when not, and such an orphan says so.

Times are CPU time with generous bounds for a busy CI machine;
bench/hostile_text.py prints the figures before and after.
"""

from __future__ import annotations

import time

import pytest

from cop_drafts.text.anchor import (
    Anchor,
    AnchorStatus,
    Relocation,
    large,
    relocate_many,
)
from cop_drafts.text.anchor import cache as anchor_cache

#: Each case takes under 0.2 s here; the bound allows for a slow CI machine.
SECONDS = 4.0
PARAGRAPH = (
    "Signatories shall keep a register of serious incidents and report each "
    "one to the AI Office within fifteen days of becoming aware of it."
)


def _relocated(old: str, new: str, spans: list[tuple[int, int]]) -> list[Relocation]:
    anchor_cache.clear()
    anchors = [Anchor.from_span(old, a, b) for a, b in spans]
    started = time.process_time()
    found = relocate_many(anchors, old, new)
    took = time.process_time() - started
    assert took < SECONDS, f"took {took:.1f} s of CPU"
    return found


def _numbered(count: int) -> str:
    return "".join(
        f"## Measure {n}\n\nMeasure {n} requires record number {n} to be kept.\n\n"
        for n in range(count)
    )


def test_common_beginning_and_end_are_measured_exactly() -> None:
    assert large.common_prefix("abcdef", "abcxef") == 3
    assert large.common_suffix("abcdef", "abcxef", 6) == 2
    assert large.common_suffix("aaaa", "aaaa", 1) == 1  # at most the limit
    assert large.common_prefix("", "abc") == 0


def test_a_large_text_maps_the_unchanged_parts_and_aligns_the_changed_one() -> None:
    body = _numbered(12_000)  # about 0.7 MB: the pair is past the budget
    old = body + PARAGRAPH + "\n\n" + body
    new = body + PARAGRAPH.replace("fifteen days", "two weeks") + "\n\n" + body
    assert len(old) + len(new) > large.BUDGET
    early = old.index("record number 17 ")
    late = old.rindex("record number 17 ")
    inside = old.index(PARAGRAPH)
    found = _relocated(
        old,
        new,
        [(early, early + 20), (late, late + 20), (inside, inside + len(PARAGRAPH))],
    )
    shift = len(new) - len(old)
    assert (found[0].status, found[0].start) == (AnchorStatus.EXACT, early)
    assert (found[1].status, found[1].start) == (AnchorStatus.EXACT, late + shift)
    assert found[1].line_start == new[: late + shift].count("\n") + 1
    # The reworded sentence is aligned in the changed middle's window.
    assert found[2].status is AnchorStatus.FUZZY
    assert found[2].quote is not None and "two weeks" in found[2].quote
    assert not found[2].limited
    # A passage reaching past the window's context is found by its words, and
    # when they are gone it says it was looked for by its words alone.
    long_start = inside - large.MARGIN - 100
    reaching = _relocated(
        old, new, [(long_start, inside + 10), (long_start, inside + len(PARAGRAPH))]
    )
    assert reaching[0].status is AnchorStatus.EXACT
    assert (reaching[1].status, reaching[1].limited) == (AnchorStatus.ORPHANED, True)


def test_past_the_budget_the_middle_is_searched_by_exact_words_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(large, "BUDGET", 20_000)
    old = _numbered(400) + PARAGRAPH + "\n\nA closing line.\n"
    # Everything changes: the numbered part is rewritten and moved after.
    moved = _numbered(400).replace("requires", "asks for")
    new = "Opening words.\n\n" + PARAGRAPH + "\n\n" + moved + "A closing line.\n"
    inside = old.index(PARAGRAPH)
    gone = old.index("Measure 7 requires")
    found = _relocated(old, new, [(inside, inside + len(PARAGRAPH)), (gone, gone + 30)])
    assert found[0].status is AnchorStatus.MOVED
    assert found[0].start == new.index(PARAGRAPH)
    assert (found[1].status, found[1].limited) == (AnchorStatus.ORPHANED, True)
    assert Relocation.from_dict(found[1].to_dict()) == found[1]


def test_words_that_recur_are_told_apart_by_their_context_or_not_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(large, "BUDGET", 100)
    tail = "\n\nThe end of the text, with enough words after the passage.\n"
    old = "Intro A.\n\n" + PARAGRAPH + "\n\nAfter one.\n\n" + PARAGRAPH + tail
    second = old.rindex(PARAGRAPH)
    # Both ends changed, the second copy's context kept: that copy, in its
    # place among the same words.
    kept = old.replace("Intro A.", "Intro B.").replace("passage.", "passage!")
    found = _relocated(old, kept, [(second, second + len(PARAGRAPH))])
    assert (found[0].status, found[0].start) == (
        AnchorStatus.EXACT,
        kept.rindex(PARAGRAPH),
    )
    # Its context changed too: no copy can be chosen.
    lost = kept.replace("After one.", "After one!")
    found = _relocated(old, lost, [(second, second + len(PARAGRAPH))])
    assert (found[0].status, found[0].limited) == (AnchorStatus.ORPHANED, True)


@pytest.mark.parametrize(
    "shape",
    ["a list nested 1,400 deep", "one 2 MB line", "140,000 short lines", "2 MB alike"],
)
def test_hostile_texts_at_the_size_limit_relocate_within_the_budget(shape: str) -> None:
    if shape == "a list nested 1,400 deep":
        old = "\n".join("  " * i + f"- level {i}" for i in range(1_400)) + "\n"
    elif shape == "one 2 MB line":
        old = "word " * 400_000
    elif shape == "140,000 short lines":
        old = "\n".join(f"line {i} text" for i in range(140_000)) + "\n"
    else:
        old = ("The same sentence again. " * 40 + "\n\n") * 2_000
    middle = len(old) // 2
    new = old[:middle] + " CHANGED " + old[middle:]
    step = len(old) // 100
    spans = [(at, at + 12) for at in range(0, len(old) - 20, step)]
    found = _relocated(old, new, spans)
    assert len(found) == len(spans)
    kept = [f for (a, b), f in zip(spans, found, strict=True) if b <= middle]
    assert kept and all(f.status is AnchorStatus.EXACT for f in kept)
