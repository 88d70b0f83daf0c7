"""The resolution view, the editor and the consolidation board speak plain
words in every state a person meets them in (a clash on save, the text shown
before saving, a consolidation or a flow-back that clashes, changes waiting):
git's vocabulary (services.glossary) only inside "Advanced", and no conflict
marker anywhere."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from cop_drafts.services.glossary import git_words
from cop_drafts.store.repo import DraftStore

from ..conftest import csrf_token
from .html import Node
from .test_consolidation import BOARD, chair_edit, diverge, post
from .test_editing import (
    EDIT,
    RESOLVE,
    S,
    assert_no_markers,
    clash,
    clashing_saves,
    page,
    resolution_form,
)

AsUser = Callable[[str | None], FlaskClient]
# The Code's own text (passages, redlines) says what it says; text boxes and
# the Advanced disclosure are not read by default.
_HIDDEN_CLASSES = {"doc", "lines"}


def visible(node: Node) -> str:
    """The words a reader sees by default in `node`."""
    out: list[str] = []

    def walk(current: Node) -> None:
        for part in current.parts:
            if not isinstance(part, Node):
                out.append(part)
                continue
            classes = set(part.attrs.get("class", "").split())
            if part.tag in {"textarea", "script", "style"}:
                continue
            if (part.tag == "details" and "advanced" in classes) or (
                classes & _HIDDEN_CLASSES
            ):
                continue
            walk(part)

    walk(node)
    return " ".join("".join(out).split())


def plain(doc: Node) -> None:
    main = doc.find("main")
    assert main is not None
    assert git_words(visible(main)) == [], visible(main)
    assert doc.find("details", class_="advanced") is not None
    assert_no_markers(doc)


def test_a_clash_on_save_and_its_preview_in_plain_words(as_user: AsUser) -> None:
    vice, _, _, response = clashing_saves(as_user)
    doc = page(response)
    plain(doc)
    form = {**resolution_form(doc), "choice-0-1": "both", "action": "preview"}
    plain(page(vice.post(RESOLVE, data=form)))
    review = vice.post(
        f"/c/gpai-code/review/{S}",
        data={**form, "text": "New text.\n", "base": form["theirs"], "message": "R"},
    )
    plain(page(review))


def test_consolidation_clashes_and_waiting_changes_in_plain_words(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    diverge(seeded_store, "WG wording.", "Harmonised wording.")
    chair_edit(seeded_store, 3, "Clean three.")
    coordinator = as_user("coordinator")
    plain(page(coordinator.get(BOARD)))
    doc = page(post(coordinator, BOARD, wg=["2", "3"], message="Consolidate"))
    plain(doc)
    form = {**resolution_form(doc), "choice-0-1": "mine", "action": "preview"}
    plain(page(coordinator.post(BOARD + "/resolution", data=form)))
    board = page(coordinator.get(BOARD))
    plain(board)
    assert board.find(data_testid="own-changes") is not None


def test_a_flow_back_clash_and_the_editor_notice_in_plain_words(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair, coordinator = as_user("wg2-chair"), as_user("coordinator")
    clash(chair, coordinator, seeded_store)
    plain(page(coordinator.get(BOARD)))
    editor = page(chair.get(EDIT))
    assert editor.find(data_testid="waiting") is not None
    plain(editor)
    token = csrf_token(chair, EDIT)
    conflict = chair.post(
        "/c/gpai-code/consolidation/flow-back/2", data={"csrf_token": token, "back": S}
    )
    assert conflict.status_code == 409
    plain(page(conflict))
