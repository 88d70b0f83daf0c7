"""The section editor through the test client: saving, merging, conflicts and
their resolution, uploads, review, preview, harmonisation flowing back, and
every edge with a clear message and nothing lost."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import AuditEvent
from cop_drafts.store.repo import DraftStore, Person

from ..conftest import csrf_token
from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
S = "risk-assessment.md"
EDIT = f"/c/gpai-code/edit/{S}"


def page(response: Any) -> Node:
    return parse(response.get_data(as_text=True))


def raw(node: Node | None) -> str:
    """The text of a textarea as the browser submits it (no leading newline)."""
    assert node is not None
    text = "".join(p for p in node.parts if isinstance(p, str))
    return text[1:] if text.startswith("\n") else text


def settle(merged: str, words: str) -> str:
    """The merged text with its first marked passage replaced by `words`."""
    block = re.compile(r"^<{7} #1 .*?^>{7} #1 [^\n]*\n", re.M | re.S)
    return block.sub(lambda _: words + "\n", merged, count=1)


def opened(client: FlaskClient, url: str = EDIT) -> dict[str, str]:
    """The editor's form values as a browser would send them back."""
    doc = page(client.get(url))
    form = doc.find("form", data_testid="editor-form")
    assert form is not None
    values = {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs.get("type") == "hidden"
    }
    values["text"] = raw(form.find("textarea", name="text"))
    values["message"] = ""
    return values


def replace_paragraph(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip() and not p.startswith("#")]


def save(client: FlaskClient, values: dict[str, str], **changes: Any) -> Any:
    data = {**values, **changes}
    return client.post(EDIT, data=data, content_type="multipart/form-data")


def audit_actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# -- opening and saving ----------------------------------------------------------
def test_editor_opens_the_branch_text_with_its_base(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    assert values["base"] == seeded_store.resolve("wg/2")
    assert values["text"] == seeded_store.read("wg/2", S).text
    doc = page(client.get(EDIT))
    assert doc.find(data_testid="branch").text == "Working Group 2's working draft"
    assert doc.find("article", data_testid="preview") is not None
    assert doc.find("textarea", name="message") is not None


def test_edit_tab_only_for_those_who_may_edit(as_user: AsUser) -> None:
    url = f"/c/gpai-code/s/{S}?rev=main"
    for key, shown in [
        ("wg2-vice", True),
        ("coordinator", True),
        ("wg1-chair", False),
        ("provider", False),
    ]:
        tab = page(as_user(key).get(url)).find("a", data_testid="edit-tab")
        assert (tab is not None) is shown, key
    assert as_user("wg1-chair").get(EDIT).status_code == 403


def test_the_code_page_links_the_sections_each_person_may_edit(
    as_user: AsUser,
) -> None:
    for key, editable in [
        ("wg2-vice", {S}),
        ("wg1-chair", {"transparency-copyright.md"}),
        ("provider", set()),
    ]:
        doc = page(as_user(key).get("/c/gpai-code"))
        links = doc.find(data_testid="sections").find_all("a", class_="edit-link")
        assert {a.attrs["href"].rsplit("/", 1)[-1] for a in links} == editable, key
    coordinator = page(as_user("coordinator").get("/c/gpai-code"))
    assert len(coordinator.find_all("a", class_="edit-link")) == 6


def test_save_commits_on_the_wg_branch_as_its_author(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    first = paragraphs(values["text"])[0]
    text = replace_paragraph(values["text"], first, first + " Added by the Chair.")
    response = save(client, values, text=text, message="Clarify the opening")
    assert response.status_code == 302
    assert "saved=" in response.headers["Location"]
    tip = seeded_store.commit_info("wg/2")
    assert tip.message.strip() == "Clarify the opening"
    assert tip.author_email == "wg2-chair@demo.cop-drafts.eu"
    assert tip.parent_ids == (values["base"],)
    assert "Added by the Chair." in seeded_store.read("wg/2", S).text
    assert "Added by the Chair." not in seeded_store.read("main", S).text
    assert "section.save" in audit_actions(db)
    history = page(client.get(f"/c/gpai-code/history/{S}?rev=wg/2"))
    assert "Clarify the opening" in history.find(data_testid="history").text
    landed = page(client.get(response.headers["Location"]))
    assert landed.find(data_testid="saved") is not None


def test_save_without_a_message_keeps_the_text(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-vice")
    values = opened(client)
    before = seeded_store.resolve("wg/2")
    text = values["text"] + "\nA new closing paragraph.\n"
    response = save(client, values, text=text, message="   ")
    assert response.status_code == 400
    doc = page(response)
    assert "note is required" in doc.find(class_="message-field").text
    assert "A new closing paragraph." in raw(doc.find("textarea", name="text"))
    assert seeded_store.resolve("wg/2") == before


def test_crlf_is_normalised(as_user: AsUser, seeded_store: DraftStore) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    text = values["text"].replace("\n", "\r\n") + "\r\nWindows line.\r\n"
    assert save(client, values, text=text, message="From Windows").status_code == 302
    stored = seeded_store.read("wg/2", S).text
    assert "\r" not in stored and stored.endswith("Windows line.\n")


def test_saving_the_same_text_changes_nothing(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    before = seeded_store.resolve("wg/2")
    response = save(client, values, message="No edit")
    assert response.status_code == 409
    assert "Nothing to save" in page(response).find(data_testid="notice").text
    assert seeded_store.resolve("wg/2") == before


# -- two Chairs at once ---------------------------------------------------------
def test_two_chairs_editing_different_parts_are_merged(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair, vice = as_user("wg2-chair"), as_user("wg2-vice")
    a, b = opened(chair), opened(vice)
    first, last = paragraphs(a["text"])[0], paragraphs(a["text"])[-1]
    text_a = replace_paragraph(a["text"], first, first + " (Chair)")
    text_b = replace_paragraph(b["text"], last, last + " (Vice-Chair)")
    assert save(chair, a, text=text_a, message="Chair's edit").status_code == 302
    response = save(vice, b, text=text_b, message="Vice-Chair's edit")
    assert response.status_code == 302
    final = seeded_store.read("wg/2", S).text
    assert "(Chair)" in final and "(Vice-Chair)" in final
    messages = [c.message.strip() for c in seeded_store.log("wg/2", limit=3)]
    assert messages[:2] == ["Vice-Chair's edit", "Chair's edit"]
    flashes = page(vice.get(response.headers["Location"])).find(class_="flashes")
    assert "combined with newer ones" in flashes.text


RESOLVE = f"/c/gpai-code/resolve/{S}"


def resolution_form(doc: Node) -> dict[str, str]:
    """The resolution form as a browser sends it back, no choice made: its
    hidden fields and the wording boxes."""
    form = doc.find("form", data_testid="resolve-form")
    assert form is not None
    values = {
        n.attrs["name"]: n.attrs.get("value", "")
        for n in form.find_all("input")
        if n.attrs.get("type") == "hidden"
    }
    for box in form.find_all("textarea"):
        values[box.attrs["name"]] = raw(box)
    return values


def assert_no_markers(doc: Node) -> None:
    """No text box or field of the page holds a conflict marker line."""
    for box in doc.find_all("textarea"):
        assert not re.search(r"^(<{7}|>{7})", raw(box), re.M), raw(box)[:200]
    for field in doc.find_all("input"):
        value = field.attrs.get("value", "")
        assert not re.search(r"^(<{7}|>{7})", value, re.M)


def clashing_saves(as_user: AsUser) -> tuple[FlaskClient, dict[str, str], str, Any]:
    """The Chair and the Vice-Chair open the section; the Chair saves a
    rewrite of a paragraph, then the Vice-Chair saves another: the Vice-Chair,
    the form they opened, the paragraph and the response to their save."""
    chair, vice = as_user("wg2-chair"), as_user("wg2-vice")
    a, b = opened(chair), opened(vice)
    target = paragraphs(a["text"])[2]
    text_a = replace_paragraph(a["text"], target, "The Chair's wording.")
    text_b = replace_paragraph(b["text"], target, "The Vice-Chair's wording.")
    assert save(chair, a, text=text_a, message="Chair rewrites").status_code == 302
    return vice, b, target, save(vice, b, text=text_b, message="Vice-Chair rewrites")


def test_same_lines_give_a_conflict_resolved_with_choices(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    vice, b, target, response = clashing_saves(as_user)
    chair_commit = seeded_store.resolve("wg/2")
    assert response.status_code == 409
    doc = page(response)
    assert "Another Chair changed the same passage" in doc.find("h1").text
    assert len(doc.find_all(data_testid="clash")) == 1
    clash = doc.find(data_testid="clash")
    assert "The Vice-Chair's wording." in clash.find(class_="side-ours").text
    assert "The Chair's wording." in clash.find(class_="side-theirs").text
    assert target.splitlines()[0][:40] in clash.find(class_="side-base").text
    choices = [i.attrs["value"] for i in clash.find_all("input")]
    assert choices == ["mine", "theirs", "both", "edit"]
    assert_no_markers(doc)
    assert "Chair rewrites" in doc.find(data_testid="newer").text
    assert doc.find(data_testid="save-resolution") is None  # the text comes first
    form = resolution_form(doc)
    assert (form["theirs"], form["started_from"]) == (chair_commit, b["base"])
    assert form["draft"] == b["base"]
    assert form["edit-0-1"].strip() == "The Vice-Chair's wording."  # pre-filled
    assert seeded_store.resolve("wg/2") == chair_commit  # nothing written

    unchosen = vice.post(RESOLVE, data={**form, "action": "save"})
    assert unchosen.status_code == 400
    error = page(unchosen).find(data_testid="clash-error")
    assert "Passage 1: choose what to keep." in error.text
    summary = page(unchosen).find(data_testid="choices-missing").text
    assert summary.startswith("1 passage still needs your attention")

    marked = "<<<<<<< mine\nA.\n=======\nB.\n>>>>>>> theirs\n"
    refused = vice.post(
        RESOLVE, data={**form, "choice-0-1": "edit", "edit-0-1": marked}
    )
    assert refused.status_code == 400
    assert "conflict markers" in page(refused).find(data_testid="clash-error").text
    assert seeded_store.resolve("wg/2") == chair_commit

    both = {**form, "choice-0-1": "both", "action": "preview"}
    shown = page(vice.post(RESOLVE, data=both))
    assert_no_markers(shown)
    preview = shown.find(data_testid="preview").text
    assert "The Vice-Chair's wording." in preview and "The Chair's wording." in preview
    assert (
        shown.find("input", data_testid="choice-both").attrs.get("checked") is not None
    )
    key = resolution_form(shown)["previewed"]
    assert seeded_store.resolve("wg/2") == chair_commit  # shown, not saved

    # A choice changed after the text was shown is shown again, not saved.
    changed = vice.post(
        RESOLVE, data={**both, "choice-0-1": "mine", "previewed": key, "action": "save"}
    )
    assert changed.status_code == 200
    assert (
        "You changed a choice" in page(changed).find(data_testid="resolve-notice").text
    )
    assert seeded_store.resolve("wg/2") == chair_commit

    done = vice.post(
        RESOLVE, data={**both, "previewed": key, "action": "save", "message": "Both"}
    )
    assert done.status_code == 302
    assert f"draft={b['base']}" in done.headers["Location"]
    final = seeded_store.read("wg/2", S).text
    assert "The Vice-Chair's wording.\nThe Chair's wording." in final
    assert "<<<<<<<" not in final
    log = seeded_store.log("wg/2", limit=2)
    assert [c.message.strip() for c in log] == ["Both", "Chair rewrites"]
    assert log[0].parent_ids == (chair_commit,)


@pytest.mark.parametrize(
    ("choice", "wording", "expected"),
    [
        ("mine", "", "The Vice-Chair's wording."),
        ("theirs", "", "The Chair's wording."),
        ("edit", "Agreed wording.", "Agreed wording."),
    ],
)
def test_each_choice_builds_the_text_on_the_server(
    as_user: AsUser, seeded_store: DraftStore, choice: str, wording: str, expected: str
) -> None:
    vice, _, _, response = clashing_saves(as_user)
    text_a = seeded_store.read("wg/2", S).text
    form = resolution_form(page(response))
    data = {**form, "choice-0-1": choice, "action": "preview"}
    if wording:
        data["edit-0-1"] = wording
    key = resolution_form(page(vice.post(RESOLVE, data=data)))["previewed"]
    done = vice.post(RESOLVE, data={**data, "previewed": key, "action": "save"})
    if choice == "theirs":  # the text already reads so: nothing to save
        assert done.status_code == 409
        assert seeded_store.read("wg/2", S).text == text_a
        return
    assert done.status_code == 302
    final = seeded_store.read("wg/2", S).text
    assert final == text_a.replace("The Chair's wording.", expected)


def test_markers_are_refused_on_every_save(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    before = seeded_store.resolve("wg/2")
    text = values["text"] + "\n<<<<<<< yours\nMine.\n=======\nTheirs.\n>>>>>>> x\n"
    response = save(client, values, text=text, message="Markers")
    assert response.status_code == 400
    error = page(response).find(data_testid="edit-error").text
    assert "conflict markers" in error and "delete the marker lines" in error
    assert "<<<<<<<" not in error  # said in words, not shown
    assert seeded_store.resolve("wg/2") == before
    # A form pretending to be a resolution cannot carry them in either.
    forged = client.post(
        RESOLVE,
        data={
            "csrf_token": values["csrf_token"],
            "theirs": before,
            "started_from": before,
            "ours": text,
            "message": "Forged",
            "action": "save",
        },
    )
    assert forged.status_code in (400, 409)
    assert seeded_store.resolve("wg/2") == before
    assert "<<<<<<<" not in seeded_store.read("wg/2", S).text


def test_a_resolution_form_cannot_read_another_text(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    author = Person("Chair Three", "wg3-chair@demo.cop-drafts.eu")
    # A text only Working Group 3's draft holds.
    elsewhere = seeded_store.commit_files("wg/3", {S: "Three only.\n"}, author, "3")
    response = client.post(
        RESOLVE,
        data={
            "csrf_token": values["csrf_token"],
            "theirs": elsewhere,
            "started_from": "",
            "ours": "Text.\n",
            "message": "M",
        },
    )
    assert response.status_code == 400
    body = page(response).find("main").text
    assert "out of date" in body and "Three only." not in body
    huge = client.post(
        RESOLVE,
        data={
            "csrf_token": values["csrf_token"],
            "theirs": seeded_store.resolve("wg/2"),
            "ours": "a" * (2 * 1024 * 1024 + 1),
        },
    )
    assert huge.status_code == 400
    assert "at most 2 MB" in page(huge).find("main").text


def test_the_conflict_view_marks_the_words_each_side_changed(
    as_user: AsUser,
) -> None:
    chair, vice = as_user("wg2-chair"), as_user("wg2-vice")
    a, b = opened(chair), opened(vice)
    target = paragraphs(a["text"])[2]
    words = target.split(" ")
    first, last = " ".join(["Firstly"] + words[1:]), " ".join(words[:-1] + ["end."])
    assert (
        save(chair, a, text=a["text"].replace(target, first), message="A").status_code
        == 302
    )
    response = save(vice, b, text=b["text"].replace(target, last), message="B")
    assert response.status_code == 409
    clash = page(response).find(data_testid="clash")
    assert [n.text for n in clash.find(class_="side-ours").find_all("ins")] == ["end"]
    assert [n.text for n in clash.find(class_="side-theirs").find_all("ins")] == [
        "Firstly"
    ]
    assert clash.find(class_="side-base").find("ins") is None


@pytest.mark.parametrize("base", ["f" * 40, "not-a-commit", "1234567"])
def test_unknown_base_opens_the_conflict_view_with_the_text_kept(
    as_user: AsUser, seeded_store: DraftStore, base: str
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    text = values["text"] + "\nMy paragraph.\n"
    response = save(client, values, text=text, base=base, message="Stale")
    assert response.status_code == 409
    doc = page(response)
    assert "no longer in" in doc.find(class_="warning-card").text
    assert_no_markers(doc)
    form = resolution_form(doc)
    assert "My paragraph." in form["ours"]  # the text is kept
    assert (form["theirs"], form["started_from"]) == (seeded_store.resolve("wg/2"), "")
    clashes = doc.find_all(data_testid="clash")
    assert "My paragraph." in clashes[-1].find(class_="side-ours").text


def test_a_base_from_another_branch_is_stale(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    author = Person("Coordinator", "c@example.org")
    seeded_store.commit_files("main", {"preamble.md": "Only on main.\n"}, author, "M")
    main = seeded_store.resolve("main")
    text = values["text"] + "\nX.\n"
    response = save(client, values, text=text, base=main, message="Wrong base")
    assert response.status_code == 409
    assert "no longer in" in page(response).find(class_="warning-card").text


def test_missing_base_is_refused_with_the_text_kept(as_user: AsUser) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    response = save(client, values, text="Kept text.\n", base="", message="No base")
    assert response.status_code == 400
    assert "Kept text." in raw(page(response).find("textarea", name="text"))


# -- uploads -----------------------------------------------------------------------
def upload(client: FlaskClient, values: dict[str, str], data: bytes, name: str) -> Any:
    form = {**values, "message": "Upload", "upload": (io.BytesIO(data), name)}
    response = client.post(EDIT, data=form, content_type="multipart/form-data")
    # The test client spools a large body to a temporary file it never closes.
    response.request.environ["wsgi.input"].close()
    return response


def test_upload_a_markdown_file_as_the_new_text(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    new = values["text"] + "\nUploaded paragraph é.\n"
    data = b"\xef\xbb\xbf" + new.replace("\n", "\r\n").encode("utf-8")
    response = upload(client, values, data, "risk-assessment.md")
    assert response.status_code == 302
    assert seeded_store.read("wg/2", S).text == new


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        ("Caf\xe9 au lait\n".encode("latin-1"), "s.md", "not UTF-8 text"),
        (b"PK\x03\x04\x00\x00binary", "s.md", "binary file"),
        ("x\n".encode("utf-16"), "s.md", "UTF-16"),
        (b"# Title\n", "section.docx", "not a Markdown file"),
        (b"", "empty.md", "is empty"),
        (b"a" * (2 * 1024 * 1024 + 10), "big.md", "at most 2 MB"),
    ],
    ids=["latin-1", "binary", "utf-16", "docx", "empty", "over-2mb"],
)
def test_bad_uploads_are_refused_in_plain_words(
    as_user: AsUser, seeded_store: DraftStore, data: bytes, name: str, words: str
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    before = seeded_store.resolve("wg/2")
    response = upload(client, values, data, name)
    assert response.status_code == 400
    doc = page(response)
    assert words in doc.find(data_testid="upload-error").text
    assert raw(doc.find("textarea", name="text")).strip()  # editor text kept
    assert seeded_store.resolve("wg/2") == before


def test_a_request_over_the_limit_gets_a_clear_413(as_user: AsUser) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    response = upload(client, values, b"a" * (3 * 1024 * 1024), "huge.md")
    assert response.status_code == 413
    assert "2 MB" in page(response).find(class_="error-page").text


# -- review and preview ----------------------------------------------------------
def test_review_shows_the_redline_of_pending_changes(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    values = opened(client)
    first = paragraphs(values["text"])[0]
    text = replace_paragraph(values["text"], first, first + " Reviewed addition.")
    response = client.post(
        f"/c/gpai-code/review/{S}", data={**values, "text": text, "message": "R"}
    )
    assert response.status_code == 200
    doc = page(response)
    redline = doc.find(data_testid="redline")
    assert "Reviewed addition." in " ".join(i.text for i in redline.find_all("ins"))
    assert "1 changed" in doc.find(data_testid="diff-summary").text
    form = doc.find("form", data_testid="review-form")
    assert "Reviewed addition." in raw(form.find("textarea", name="text"))
    assert form.attrs["action"].endswith(f"/edit/{S}")
    assert seeded_store.read("wg/2", S).text == values["text"]


def test_review_of_an_upload_and_its_newer_changes(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    chair, vice = as_user("wg2-chair"), as_user("wg2-vice")
    values = opened(chair)
    last = paragraphs(values["text"])[-1]
    moved = replace_paragraph(values["text"], last, last + " (vice)")
    assert save(vice, opened(vice), text=moved, message="Vice edit").status_code == 302
    data = (values["text"] + "\nFrom the file.\n").encode()
    response = chair.post(
        f"/c/gpai-code/review/{S}",
        data={**values, "upload": (io.BytesIO(data), "new.md")},
        content_type="multipart/form-data",
    )
    doc = page(response)
    assert "Vice edit" in doc.find(data_testid="newer").text
    assert "From the file." in doc.find(data_testid="redline").text


def test_preview_is_sanitised_html_with_line_ranges(as_user: AsUser) -> None:
    client = as_user("wg2-chair")
    token = csrf_token(client, EDIT)
    text = "# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"
    response = client.post(
        f"/c/gpai-code/preview/{S}", data={"text": text, "csrf_token": token}
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    doc = parse(html)
    assert doc.find("h1").attrs["data-line-start"] == "1"
    assert not doc.find_all("script")
    assert all("javascript" not in a.attrs.get("href", "") for a in doc.find_all("a"))
    other = as_user("provider")
    denied = other.post(
        f"/c/gpai-code/preview/{S}",
        data={"text": "x", "csrf_token": csrf_token(other, "/")},
    )
    assert denied.status_code == 403


# -- harmonisation by the coordinating Chair -------------------------------------
def test_harmonisation_commits_on_main_and_flows_back(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    client = as_user("coordinator")
    values = opened(client)
    assert values["base"] == seeded_store.resolve("main")
    first = paragraphs(values["text"])[0]
    text = replace_paragraph(values["text"], first, first + " Harmonised term.")
    response = save(client, values, text=text, message="Harmonise a term")
    assert response.status_code == 302
    assert "Harmonised term." in seeded_store.read("main", S).text
    for wg in (1, 2, 3, 4):
        assert "Harmonised term." in seeded_store.read(f"wg/{wg}", S).text
    assert audit_actions(db).count("branch.flow_back") == 4
    assert "section.harmonise" in audit_actions(db)


def clash(
    chair: FlaskClient, coordinator: FlaskClient, store: DraftStore
) -> tuple[str, Any]:
    """wg/2 and a harmonisation on main reword the same paragraph: wg/2's tip
    before the harmonisation, and the harmonisation's response."""
    mine, harm = opened(chair), opened(coordinator)
    target = paragraphs(mine["text"])[1]
    wg_text = replace_paragraph(mine["text"], target, "Working Group wording.")
    main_text = replace_paragraph(harm["text"], target, "Harmonised wording.")
    assert save(chair, mine, text=wg_text, message="WG wording").status_code == 302
    wg_tip = store.resolve("wg/2")
    return wg_tip, save(coordinator, harm, text=main_text, message="Harmonise")


def resolve_fields(response: Any) -> dict[str, str]:
    """A merge conflict page's resolution form, passage 1 reworded "Agreed."."""
    assert response.status_code == 409
    doc = page(response)
    assert_no_markers(doc)
    fields = resolution_form(doc)
    fields.update({"choice-0-1": "edit", "edit-0-1": "Agreed."})
    return fields


def shown(
    client: FlaskClient, url: str, fields: dict[str, str], words: str = "Agreed."
) -> dict[str, str]:
    """The form once its text was shown (holding `words`), ready to save."""
    response = client.post(url, data={**fields, "action": "preview"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    doc = page(response)
    assert words in doc.find(data_testid="preview").text
    return {**fields, "previewed": resolution_form(doc)["previewed"], "action": "save"}


def test_a_clashing_flow_back_is_kept_and_resolved_on_the_board(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    chair, coordinator = as_user("wg2-chair"), as_user("coordinator")
    wg_tip, response = clash(chair, coordinator, seeded_store)
    assert response.status_code == 302
    assert seeded_store.resolve("wg/2") == wg_tip  # left as it was: nothing lost
    assert "Harmonised wording." in seeded_store.read("wg/3", S).text
    assert "branch.flow_back_conflict" in audit_actions(db)
    flashes = page(coordinator.get(response.headers["Location"])).find(class_="flashes")
    assert "Working Group 2's working draft" in flashes.text

    board = page(coordinator.get("/c/gpai-code/consolidation"))
    assert "Not yet brought in" in board.find(data_testid="flow-back-2").text
    token = csrf_token(coordinator, "/c/gpai-code/consolidation")
    conflict = coordinator.post(
        "/c/gpai-code/consolidation/flow-back/2", data={"csrf_token": token}
    )
    fields = resolve_fields(conflict)
    assert (fields["source"], fields["into"]) == ("main", "wg/2")
    url = "/c/gpai-code/consolidation/resolution"
    fields["message"] = "Bring harmonisation in"
    done = coordinator.post(url, data=shown(coordinator, url, fields))
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert done.headers["Location"].endswith("/consolidation")
    text = seeded_store.read("wg/2", S).text
    assert "Agreed." in text and "<<<<<<<" not in text
    tip = seeded_store.commit_info("wg/2")
    assert tip.parent_ids == (wg_tip, seeded_store.resolve("main"))
    assert "Harmonised wording." in seeded_store.read("main", S).text
    board = page(coordinator.get("/c/gpai-code/consolidation"))
    assert board.find(data_testid="flow-back-2") is None


def test_the_editor_says_what_waits_on_main_and_its_chair_brings_it_in(
    as_user: AsUser, seeded_store: DraftStore, db: Session
) -> None:
    chair, coordinator = as_user("wg2-chair"), as_user("coordinator")
    assert page(chair.get(EDIT)).find(data_testid="waiting") is None
    wg_tip, _ = clash(chair, coordinator, seeded_store)
    notice = page(chair.get(EDIT)).find(data_testid="waiting")
    assert notice is not None
    text = " ".join(notice.text.split())
    assert "1 change of the consolidated text has not reached this working" in text
    assert "(it changes this section)" in notice.text
    assert "It touches passages changed here too (risk-assessment.md)" in text
    assert "Harmonise" in notice.text

    # Another Working Group's Chair may neither bring main in nor resolve it.
    other = as_user("wg3-chair")
    token = csrf_token(other, "/c/gpai-code/edit/risk-mitigation.md")
    url = "/c/gpai-code/consolidation/flow-back/2"
    assert other.post(url, data={"csrf_token": token}).status_code == 403

    token = csrf_token(chair, EDIT)
    conflict = chair.post(url, data={"csrf_token": token, "back": S})
    fields = resolve_fields(conflict)
    assert fields["back"] == S
    assert "Back to the editor" in page(conflict).find(data_testid="resolve-form").text
    sneaky = {**fields, "csrf_token": csrf_token(other, "/"), "message": "Mine"}
    resolution = "/c/gpai-code/consolidation/resolution"
    assert other.post(resolution, data=sneaky).status_code == 403
    # Nor may the Chair use the resolution to merge their branch into main.
    upward = {**fields, "source": "wg/2", "into": "main", "message": "Up"}
    assert chair.post(resolution, data=upward).status_code == 403
    assert seeded_store.resolve("wg/2") == wg_tip

    fields["message"] = "Bring main in"
    done = chair.post(resolution, data=shown(chair, resolution, fields))
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert done.headers["Location"].endswith(EDIT)
    editor = page(chair.get(done.headers["Location"]))
    flashes = editor.find(class_="flashes").text
    assert "The consolidated text is now in Working Group 2's working draft" in flashes
    tip = seeded_store.commit_info("wg/2")
    assert tip.parent_ids == (wg_tip, seeded_store.resolve("main"))
    assert tip.author_email == "wg2-chair@demo.cop-drafts.eu"
    assert "Agreed." in seeded_store.read("wg/2", S).text
    assert page(chair.get(EDIT)).find(data_testid="waiting") is None
    assert audit_actions(db)[-1] == "branch.flow_back"


def test_a_chair_brings_main_in_when_it_merges_cleanly(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    main = seeded_store.read("main", "glossary.md")
    seeded_store.save(
        "main",
        "glossary.md",
        main.text + "\nA harmonised entry.\n",
        base=main.commit_id,
        author=Person("Coordinator", "c@example.org"),
        message="Glossary entry",
    )
    chair = as_user("wg2-chair")
    notice = page(chair.get(EDIT)).find(data_testid="waiting")
    assert notice is not None and "It fits with this working draft" in notice.text
    assert "Glossary entry" in notice.text
    token = csrf_token(chair, EDIT)
    done = chair.post(
        "/c/gpai-code/consolidation/flow-back/2", data={"csrf_token": token, "back": S}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(EDIT)
    assert "A harmonised entry." in seeded_store.read("wg/2", "glossary.md").text
    assert page(chair.get(EDIT)).find(data_testid="waiting") is None


def test_the_notice_counts_every_waiting_change_but_lists_the_newest(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    for n in range(7):
        main = seeded_store.read("main", S)
        seeded_store.save(
            "main",
            S,
            main.text + f"\nHarmonised line {n}.\n",
            base=main.commit_id,
            author=Person("Coordinator", "c@example.org"),
            message=f"Harmonise {n}",
        )
    notice = page(as_user("wg2-chair").get(EDIT)).find(data_testid="waiting")
    assert notice is not None
    text = " ".join(notice.text.split())
    assert "7 changes of the consolidated text have not reached this" in text
    assert "7 of them in this section" in notice.text
    assert len(notice.find_all("li")) == 5 and "Harmonise 6" in notice.text
