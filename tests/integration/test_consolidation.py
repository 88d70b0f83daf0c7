"""The consolidation board through the test client: Working Groups ahead of
main with their commits and redlines, merging chosen ones, conflicts resolved
without markers reaching main, flow-back, checks and the ones set to block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import AuditEvent
from cop_drafts.store.repo import DraftStore, Person

from ..conftest import T0, csrf_token
from .test_editing import assert_no_markers, page, raw, resolution_form, shown

AsUser = Callable[[str | None], FlaskClient]
BOARD = "/c/gpai-code/consolidation"
SECTIONS = {
    1: "transparency-copyright.md",
    2: "risk-assessment.md",
    3: "risk-mitigation.md",
    4: "governance.md",
}
CHAIR = Person("Ana Ruiz", "wg2-chair@demo.cop-drafts.eu", T0)


def first_paragraph(text: str) -> str:
    return next(p for p in text.split("\n\n") if p.strip() and not p.startswith("#"))


def chair_edit(store: DraftStore, wg: int, addition: str, who: Person = CHAIR) -> str:
    """A save on wg/<n> as its Chair would make it; returns the new commit id."""
    path, branch = SECTIONS[wg], f"wg/{wg}"
    text = store.read(branch, path).text
    first = first_paragraph(text)
    new = text.replace(first, f"{first} {addition}", 1)
    base = store.resolve(branch)
    return store.save(
        branch, path, new, base=base, author=who, message=addition
    ).commit_id


def diverge(store: DraftStore, wg_words: str, main_words: str) -> str:
    """wg/2 and main reword the same paragraph differently; returns the path."""
    path = SECTIONS[2]
    text = store.read("main", path).text
    first = first_paragraph(text)
    for branch, words in (("wg/2", wg_words), ("main", main_words)):
        new = text.replace(first, words)
        base = store.resolve(branch)
        store.save(branch, path, new, base=base, author=CHAIR, message=words)
    return path


def post(client: FlaskClient, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, BOARD), **data})


def test_board_shows_each_working_group_ahead_with_commits_and_redline(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair_edit(seeded_store, 2, "Board sentence two.")
    chair_edit(
        seeded_store,
        3,
        "Board sentence three.",
        Person("Wei Chen", "wg3-chair@demo.cop-drafts.eu", T0),
    )
    response = as_user("coordinator").get(BOARD)
    assert response.status_code == 200
    doc = page(response)
    wg2 = doc.find(data_testid="wg-2")
    own = wg2.find(data_testid="own-changes").text
    assert " ".join(own.split()) == "1 change not yet in the consolidated text"
    assert "Ana Ruiz" in wg2.find(data_testid="wg-status").text
    assert "Board sentence two." in wg2.find(data_testid="commits-2").text
    redline = wg2.find(data_testid="redline-2")
    assert "Board sentence two." in " ".join(i.text for i in redline.find_all("ins"))
    assert wg2.find("input", data_testid="choose-wg-2").attrs.get("checked") is not None
    wg1 = doc.find(data_testid="wg-1")
    assert "everything is in the consolidated text" in wg1.text
    assert (
        wg1.find("input", data_testid="choose-wg-1").attrs.get("disabled") is not None
    )
    scope = doc.find(data_testid="checks-scope").text
    assert "Working Group 2, Working Group 3" in scope
    rows = doc.find("form", data_testid="check-settings").find_all("tr")
    assert len(rows) > 10


def test_consolidating_two_working_groups_makes_merge_commits(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    wg2 = chair_edit(seeded_store, 2, "Merged two.")
    wg3 = chair_edit(seeded_store, 3, "Merged three.")
    before = seeded_store.resolve("main")
    client = as_user("coordinator")
    response = post(client, BOARD, wg=["2", "3"], message="Consolidate WG2 and WG3")
    assert response.status_code == 302
    log = seeded_store.log("main", limit=2)
    assert [c.parent_ids for c in log] == [(log[1].commit_id, wg3), (before, wg2)]
    assert log[0].author_email == "coordinator@demo.cop-drafts.eu"
    assert log[0].message.startswith("Consolidate WG2 and WG3")
    assert "Merged two." in seeded_store.read("main", SECTIONS[2]).text
    assert "Merged three." in seeded_store.read("main", SECTIONS[3]).text
    # main flows back: every branch now holds both.
    for wg in (1, 2, 3, 4):
        assert "Merged two." in seeded_store.read(f"wg/{wg}", SECTIONS[2]).text
    actions = list(db.scalars(select(AuditEvent.action)))
    assert actions.count("consolidation.merge") == 2
    board = page(client.get(BOARD))
    for wg in (2, 3):
        text = board.find(data_testid=f"wg-{wg}").text
        assert "everything is in the consolidated text" in text
    main_page = page(client.get("/c/gpai-code?rev=main"))
    assert main_page.find("a", data_testid="board-link") is not None


def test_only_the_coordinating_chair_sees_the_board_link(as_user: AsUser) -> None:
    doc = page(as_user("wg2-chair").get("/c/gpai-code?rev=main"))
    assert doc.find("a", data_testid="board-link") is None


def test_message_and_choice_are_required(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair_edit(seeded_store, 2, "Pending.")
    before = seeded_store.resolve("main")
    client = as_user("coordinator")
    response = post(client, BOARD, wg=["2"], message=" ")
    assert response.status_code == 400
    assert "note is required" in page(response).find(data_testid="board-error").text
    response = post(client, BOARD, message="Nothing chosen")
    assert response.status_code == 400
    doc = page(response)
    assert "at least one Working Group" in doc.find(data_testid="board-error").text
    assert raw(doc.find("textarea", data_testid="message")) == "Nothing chosen"
    assert seeded_store.resolve("main") == before


def test_nothing_to_consolidate_says_so(as_user: AsUser) -> None:
    client = as_user("coordinator")
    response = post(client, BOARD, wg=["1"], message="Nothing")
    assert response.status_code == 302
    assert "already holds" in page(client.get(BOARD)).find(class_="flashes").text


def test_a_consolidation_conflict_is_resolved_and_main_gets_no_markers(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    path = diverge(seeded_store, "WG wording.", "Harmonised wording.")
    wg3 = chair_edit(seeded_store, 3, "Clean three.")
    client = as_user("coordinator")
    board = page(client.get(BOARD))
    assert "changed the same passages" in board.find(data_testid="wg-2").text

    response = post(client, BOARD, wg=["2", "3"], message="Consolidate")
    assert response.status_code == 409
    doc = page(response)
    assert_no_markers(doc)
    success = doc.find(class_="success").text  # the clean one went in
    assert "Working Group 3's working draft" in success
    assert seeded_store.commit_info("main").parent_ids[1] == wg3
    clash = doc.find(data_testid="clash")
    assert "Harmonised wording." in clash.find(class_="side-ours").text
    assert "The consolidated text" in clash.find(class_="side-ours").text
    assert "WG wording." in clash.find(class_="side-theirs").text
    assert "Working Group 2's working draft" in clash.find(class_="side-theirs").text
    fields = resolution_form(doc)
    assert (fields["source"], fields["into"]) == ("wg/2", "main")
    assert doc.find(data_testid="conflict-file").attrs["data-path"] == path
    url = BOARD + "/resolution"

    main_before = seeded_store.resolve("main")
    marked = "<<<<<<< #1 main\nA.\n=======\nB.\n>>>>>>> #1 wg/2\n"
    still = client.post(
        url,
        data={**fields, "choice-0-1": "edit", "edit-0-1": marked, "action": "save"},
    )
    assert still.status_code == 400
    assert "conflict markers" in page(still).find(data_testid="clash-error").text
    assert seeded_store.resolve("main") == main_before

    chosen = {**fields, "choice-0-1": "theirs", "message": "Resolve WG2"}
    unseen = client.post(url, data={**chosen, "action": "save"})  # not shown yet
    assert unseen.status_code == 200
    assert "WG wording." in page(unseen).find(data_testid="preview").text
    assert seeded_store.resolve("main") == main_before

    done = client.post(
        url,
        data={**chosen, "previewed": resolution_form(page(unseen))["previewed"]}
        | {"action": "save"},
    )
    assert done.status_code == 302
    main = seeded_store.commit_info("main")
    assert main.parent_ids == (main_before, fields["source_commit"])
    final = seeded_store.read("main", path).text
    assert "WG wording." in final and "Harmonised wording." not in final
    assert "<<<<<<<" not in final and ">>>>>>>" not in final
    assert final == seeded_store.read("wg/2", path).text  # flowed back


def test_a_resolution_against_moved_branches_is_refused(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    diverge(seeded_store, "WG.", "Main.")
    client = as_user("coordinator")
    doc = page(post(client, BOARD, wg=["2"], message="Consolidate"))
    fields = {**resolution_form(doc), "choice-0-1": "both", "message": "R"}
    url = BOARD + "/resolution"
    fields = shown(client, url, fields, "WG.")
    chair_edit(seeded_store, 2, "Later.")  # wg/2 moves on meanwhile
    main_before = seeded_store.resolve("main")
    done = client.post(url, data=fields)
    assert done.status_code == 302
    flashes = page(client.get(BOARD)).find(class_="flashes").text
    assert "While you were choosing" in flashes and "Nothing was saved" in flashes
    assert seeded_store.resolve("main") == main_before


def test_markers_on_a_working_draft_never_reach_the_consolidated_text(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    path = SECTIONS[2]
    text = seeded_store.read("wg/2", path).text + "\n>>>>>>> stray\n"
    seeded_store.commit_files("wg/2", {path: text}, CHAIR, "Stray marker")
    main_before = seeded_store.resolve("main")
    client = as_user("coordinator")
    response = post(client, BOARD, wg=["2"], message="Consolidate")
    assert response.status_code == 400
    assert "conflict markers" in page(response).find(data_testid="board-error").text
    assert seeded_store.resolve("main") == main_before


def test_blocking_check_stops_consolidation_with_a_clear_message(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    client = as_user("coordinator")
    board = page(client.get(BOARD))
    found = board.find(data_testid="findings")
    assert found is not None
    links = [
        f
        for f in found.find_all(data_testid="finding")
        if f.attrs.get("data-check") == "markdown-link"
    ]
    assert not links
    response = post(client, BOARD + "/checks", block=["markdown-link"])
    assert response.status_code == 302
    board = page(client.get(BOARD))
    box = board.find("input", data_testid="block-markdown-link")
    assert box.attrs.get("checked") is not None
    assert "checks.settings" in list(db.scalars(select(AuditEvent.action)))

    chair_edit(seeded_store, 2, "See [the annex]().")
    before = seeded_store.resolve("main")
    response = post(client, BOARD, wg=["2"], message="Consolidate")
    assert response.status_code == 400
    error = page(response).find(data_testid="board-error")
    assert "Consolidation blocked" in error.text and "Empty links" in error.text
    assert "already on main" not in error.text
    link = error.find(data_testid="finding").find("a")
    assert link.attrs["href"].startswith(f"/c/gpai-code/s/{SECTIONS[2]}?rev=")
    assert "#line-" in link.attrs["href"]
    assert seeded_store.resolve("main") == before

    post(client, BOARD + "/checks", block=["leftover-marker"])  # main has a TODO
    response = post(client, BOARD, wg=["2"], message="Consolidate")
    assert response.status_code == 400
    assert "already on main" in page(response).find(data_testid="board-error").text
    post(client, BOARD + "/checks")  # nothing blocks any more
    assert post(client, BOARD, wg=["2"], message="Consolidate").status_code == 302
    assert seeded_store.resolve("main") != before


def test_findings_link_to_the_line_of_the_text_they_were_found_in(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair_edit(seeded_store, 3, "See Measure 9.9 for details.")
    doc = page(as_user("coordinator").get(BOARD))
    findings = doc.find(data_testid="findings").find_all(data_testid="finding")
    broken = [f for f in findings if "9.9" in f.text]
    assert broken, [f.text for f in findings]
    href = broken[0].find("a").attrs["href"]
    path, _, rest = href.partition("?rev=")
    rev, _, line = rest.partition("#line-")
    assert path.endswith(SECTIONS[3]) and rev == seeded_store.resolve("wg/3")
    text = seeded_store.read(rev, SECTIONS[3]).text.splitlines()
    assert "9.9" in text[int(line) - 1]
    assert broken[0].find(data_testid="finding-edit") is None  # not main's text
    on_main = [f for f in findings if f.find("a").attrs["href"].find("governance") > 0]
    edit = on_main[0].find("a", data_testid="finding-edit")
    assert edit.attrs["href"].startswith(f"/c/gpai-code/edit/{SECTIONS[4]}#line-")


def test_flow_back_button_brings_main_into_a_branch(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    seeded_store.commit_files(
        "main", {"preamble.md": "A harmonised preamble.\n"}, CHAIR, "Preamble"
    )  # moved main without flowing back, as an older version of the app might
    client = as_user("coordinator")
    board = page(client.get(BOARD))
    assert (
        "The consolidated text has 1 change this draft does not have yet"
        in " ".join(board.find(data_testid="flow-back-4").text.split())
    )
    response = post(client, BOARD + "/flow-back/4")
    assert response.status_code == 302
    assert seeded_store.read("wg/4", "preamble.md").text == "A harmonised preamble.\n"
    assert page(client.get(BOARD)).find(data_testid="flow-back-4") is None
    assert post(client, BOARD + "/flow-back/9").status_code == 404


def test_a_merge_clashing_in_two_files_takes_a_choice_in_each(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    path = diverge(seeded_store, "WG wording.", "Harmonised wording.")
    glossary = seeded_store.read("main", "glossary.md").text
    line = next(x for x in glossary.splitlines() if x.strip() and x[0].isalpha())
    for branch, words in (("wg/2", "WG's entry."), ("main", "Main's entry.")):
        seeded_store.save(
            branch,
            "glossary.md",
            glossary.replace(line, words, 1),
            base=seeded_store.resolve(branch),
            author=CHAIR,
            message=words,
        )
    client = as_user("coordinator")
    doc = page(post(client, BOARD, wg=["2"], message="Consolidate"))
    files = [f.attrs["data-path"] for f in doc.find_all(data_testid="conflict-file")]
    assert sorted(files) == sorted([path, "glossary.md"])
    choices = {"choice-0-1": "theirs", "choice-1-1": "mine"}  # by the page's order
    fields = {**resolution_form(doc), **choices, "message": "Two files"}
    url = BOARD + "/resolution"
    half = client.post(url, data={**fields, "choice-1-1": ""})
    assert half.status_code == 400
    assert len(page(half).find_all(data_testid="clash-error")) == 1
    shown_page = page(client.post(url, data={**fields, "action": "preview"}))
    assert len(shown_page.find_all(data_testid="preview")) == 2
    key = resolution_form(shown_page)["previewed"]
    done = client.post(url, data={**fields, "previewed": key, "action": "save"})
    assert done.status_code == 302
    first, second = files
    kept = {first: "theirs", second: "mine"}
    words = {
        path: {"theirs": "WG wording.", "mine": "Harmonised wording."},
        "glossary.md": {"theirs": "WG's entry.", "mine": "Main's entry."},
    }
    for name, side in kept.items():
        assert words[name][side] in seeded_store.read("main", name).text
