"""Counts that mean what they say: a Working Group's own changes not yet in
the consolidated text leave out the merges that only brought it back (issue
13, item 5); a merge that resolved a clash counts only when it wrote text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from cop_drafts.services.consolidation import own_changes, waiting_changes
from cop_drafts.store.errors import Conflict
from cop_drafts.store.repo import DraftStore

from .test_consolidation import CHAIR, SECTIONS, chair_edit, diverge
from .test_editing import EDIT, page


def consolidate(store: DraftStore, wg: int) -> None:
    """Merge wg/<n> into main and bring main back into every branch that
    merges cleanly, as the board does."""
    store.merge(f"wg/{wg}", "main", author=CHAIR, message=f"Consolidate {wg}")
    for n in SECTIONS:
        try:
            store.sync(f"wg/{n}", source="main", author=CHAIR, message="Bring")
        except Conflict:
            continue


def ahead(store: DraftStore, wg: int) -> int:
    return {b.name: b.ahead for b in store.branches()}[f"wg/{wg}"]


def test_a_flow_back_merge_is_not_a_change_of_the_working_group(
    seeded_store: DraftStore,
) -> None:
    assert own_changes(seeded_store, 2) == 0
    chair_edit(seeded_store, 2, "Two's own words.")
    chair_edit(seeded_store, 3, "Three's words.")
    consolidate(seeded_store, 3)
    # wg/2 now holds its own change and the merge that brought main back.
    assert ahead(seeded_store, 2) == 2
    assert own_changes(seeded_store, 2) == 1
    assert waiting_changes(seeded_store, 2) == 0
    assert own_changes(seeded_store, 3) == 0
    chair_edit(seeded_store, 4, "Four's words.")
    consolidate(seeded_store, 4)
    assert own_changes(seeded_store, 2) == 1
    chair_edit(seeded_store, 1, "One's words.")
    seeded_store.merge("wg/1", "main", author=CHAIR, message="Consolidate 1")
    # main holds wg/1's change (and the merge that wrote no text): one waits.
    assert waiting_changes(seeded_store, 2) == 1
    assert own_changes(seeded_store, 9) == 0  # no such branch


@pytest.mark.parametrize(
    ("resolution", "counted"),
    [("theirs", 0), ("both", 0), ("edit", 1)],
)
def test_a_resolved_clash_counts_only_when_it_wrote_text(
    seeded_store: DraftStore, resolution: str, counted: int
) -> None:
    path = diverge(seeded_store, "WG wording.", "Harmonised wording.")
    chair = seeded_store.read("wg/2", path).text
    main = seeded_store.read("main", path).text
    texts = {
        "theirs": main,
        "both": chair.replace("WG wording.", "WG wording.\n\nHarmonised wording."),
        "edit": chair.replace("WG wording.", "Agreed wording."),
    }
    seeded_store.merge(
        "main",
        "wg/2",
        author=CHAIR,
        message="Resolve",
        resolved={path: texts[resolution]},
    )
    assert ahead(seeded_store, 2) == 2  # the chair's save and the merge
    assert own_changes(seeded_store, 2) == 1 + counted


def test_the_editor_counts_waiting_changes_as_the_board_does(
    as_user: Callable[[str | None], FlaskClient], seeded_store: DraftStore
) -> None:
    chair_edit(seeded_store, 3, "Three's words.")
    # Consolidated without bringing it back: main holds the change and the
    # merge that took it in, which wrote no text.
    seeded_store.merge("wg/3", "main", author=CHAIR, message="Consolidate 3")
    notice = page(as_user("wg2-chair").get(EDIT)).find(data_testid="waiting")
    assert notice is not None
    text = " ".join(notice.text.split())
    assert "1 change of the consolidated text has not reached" in text
    board = page(as_user("coordinator").get("/c/gpai-code/consolidation"))
    waiting = " ".join(board.find(data_testid="flow-back-2").text.split())
    assert "The consolidated text has 1 change this draft does not have yet" in waiting
