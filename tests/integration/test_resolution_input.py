"""Bad input through the resolution forms (a save that clashed, a merge on the
board) and the board's own forms: a missing or malformed choice, a choice for
a passage the page does not have, a wording larger than a section may be.
Each is refused with a plain message on the page and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import CheckSetting
from cop_drafts.store.repo import DraftStore

from .test_consolidation import BOARD, diverge, post
from .test_editing import RESOLVE, clashing_saves, page, resolution_form, shown

AsUser = Callable[[str | None], FlaskClient]
MERGE = BOARD + "/resolution"
TOO_LONG = "a" * (2 * 1024 * 1024 + 1)


def editor_clash(as_user: AsUser) -> tuple[FlaskClient, dict[str, str]]:
    """The Vice-Chair's clashing save: their client and the choice form."""
    vice, _, _, response = clashing_saves(as_user)
    assert response.status_code == 409
    return vice, resolution_form(page(response))


def board_clash(as_user: AsUser, store: DraftStore) -> tuple[FlaskClient, dict]:
    """The coordinating Chair's clashing consolidation of Working Group 2."""
    diverge(store, "WG wording.", "Harmonised wording.")
    client = as_user("coordinator")
    response = post(client, BOARD, wg=["2"], message="Consolidate")
    assert response.status_code == 409
    return client, {**resolution_form(page(response)), "message": "Resolve"}


def refused(response: Any, testid: str) -> str:
    """The message a refused resolution shows (400, the choice form kept)."""
    assert response.status_code == 400, response.get_data(as_text=True)[:1000]
    doc = page(response)
    assert doc.find("form", data_testid="resolve-form") is not None
    shown_message = doc.find(data_testid=testid)
    assert shown_message is not None
    return " ".join(shown_message.text.split())


# -- a choice that is none of the four ------------------------------------------
@pytest.mark.parametrize("choice", [None, "", "keep-all", "MINE", "mine "])
def test_an_editor_passage_without_a_valid_choice_is_refused(
    as_user: AsUser, seeded_store: DraftStore, choice: str | None
) -> None:
    vice, form = editor_clash(as_user)
    before = seeded_store.resolve("wg/2")
    data = {**form, "action": "save", "message": "M"}
    if choice is not None:
        data["choice-0-1"] = choice
    message = refused(vice.post(RESOLVE, data=data), "clash-error")
    assert message == "Passage 1: choose what to keep."
    assert seeded_store.resolve("wg/2") == before


@pytest.mark.parametrize("choice", [None, "keep-all"])
def test_a_board_passage_without_a_valid_choice_is_refused(
    as_user: AsUser, seeded_store: DraftStore, choice: str | None
) -> None:
    client, form = board_clash(as_user, seeded_store)
    before = seeded_store.resolve("main")
    data = {**form, "action": "save"}
    if choice is not None:
        data["choice-0-1"] = choice
    message = refused(client.post(MERGE, data=data), "clash-error")
    assert message == "Passage 1: choose what to keep."
    assert seeded_store.resolve("main") == before


# -- a choice for a passage the page does not have --------------------------------
@pytest.mark.parametrize(
    "extra", [{"choice-0-2": "mine"}, {"choice-1-1": "theirs"}, {"edit-0-9": "X."}]
)
def test_an_editor_choice_for_a_passage_it_lacks_is_refused(
    as_user: AsUser, seeded_store: DraftStore, extra: dict[str, str]
) -> None:
    vice, form = editor_clash(as_user)
    before = seeded_store.resolve("wg/2")
    both = {**form, "choice-0-1": "both", "message": "Both"}
    ready = shown(vice, RESOLVE, both, "The Chair's wording.")
    response = vice.post(RESOLVE, data={**ready, **extra})
    message = refused(response, "resolve-error")
    assert "a passage this page does not have" in message
    assert "nothing was saved" in message
    assert seeded_store.resolve("wg/2") == before
    # What was chosen stays chosen; the same form without it saves.
    checked = page(response).find("input", data_testid="choice-both")
    assert checked.attrs.get("checked") is not None
    assert vice.post(RESOLVE, data=ready).status_code == 302
    assert seeded_store.resolve("wg/2") != before


def test_a_board_choice_for_a_passage_it_lacks_is_refused(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client, form = board_clash(as_user, seeded_store)
    before = seeded_store.resolve("main")
    ready = shown(client, MERGE, {**form, "choice-0-1": "theirs"}, "WG wording.")
    response = client.post(MERGE, data={**ready, "choice-0-5": "mine"})
    assert "a passage this page does not have" in refused(response, "resolve-error")
    assert seeded_store.resolve("main") == before
    assert client.post(MERGE, data=ready).status_code == 302
    assert "WG wording." in seeded_store.read("main", "risk-assessment.md").text


# -- a wording larger than a section may be --------------------------------------
def test_an_editor_wording_over_the_limit_is_refused(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    vice, form = editor_clash(as_user)
    before = seeded_store.resolve("wg/2")
    data = {**form, "choice-0-1": "edit", "edit-0-1": TOO_LONG, "message": "Big"}
    response = vice.post(RESOLVE, data={**data, "action": "save"})
    message = refused(response, "clash-error")
    assert message == (
        "Passage 1: your wording is 2.0 MB; a section may be at most 2 MB. "
        "Nothing was saved."
    )
    assert seeded_store.resolve("wg/2") == before
    assert page(response).find(data_testid="preview") is None  # no text built


def test_a_board_wording_over_the_limit_is_refused(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client, form = board_clash(as_user, seeded_store)
    before = seeded_store.resolve("main")
    data = {**form, "choice-0-1": "edit", "edit-0-1": TOO_LONG, "action": "save"}
    message = refused(client.post(MERGE, data=data), "resolve-error")
    assert "a section may be at most 2 MB" in message
    assert seeded_store.resolve("main") == before


# -- the board's own forms ---------------------------------------------------------
@pytest.mark.parametrize("chosen", [["two"], ["9"], ["-1"], []])
def test_working_groups_that_are_not_on_the_board_are_refused(
    as_user: AsUser, seeded_store: DraftStore, chosen: list[str]
) -> None:
    diverge(seeded_store, "WG wording.", "Harmonised wording.")
    client = as_user("coordinator")
    before = seeded_store.resolve("main")
    response = post(client, BOARD, wg=chosen, message="Consolidate")
    assert response.status_code == 400
    error = page(response).find(data_testid="board-error").text
    assert "at least one Working Group" in error
    assert seeded_store.resolve("main") == before


def test_an_unknown_check_is_refused_and_no_setting_changes(
    as_user: AsUser, db: Session
) -> None:
    client = as_user("coordinator")
    response = post(client, BOARD + "/checks", block=["no-such-check"])
    assert response.status_code == 400
    assert "Unknown check: no-such-check." in page(response).find("main").text
    assert db.scalar(select(func.count()).select_from(CheckSetting)) == 0
