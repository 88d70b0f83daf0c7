"""Comparing versions through the views, on the demo store: every view, the
shortcuts, the summary's links, the edges (same version, sections added and
removed, unknown names, oversized changes), inert markup, cache and download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pygit2
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Comment, CommentKind, Iteration, User
from cop_drafts.services import diff_sections
from cop_drafts.services import diffs as diff_service
from cop_drafts.services.codes import Version
from cop_drafts.store.repo import DraftStore, Person
from tests.integration.html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
C = "/c/gpai-code"
SECTION = "risk-assessment.md"
AUTHOR = Person("Test Author", "author@example.org")


def page(client: FlaskClient, url: str, status: int = 200) -> Node:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return parse(response.get_data(as_text=True))


def ids(tree: Node) -> set[str]:
    return {n.attrs["id"] for n in tree.iter() if "id" in n.attrs}


def test_default_is_the_newest_iteration_against_the_one_before(
    as_user: AsUser,
) -> None:
    tree = page(as_user("provider"), f"{C}/changes")
    assert (
        tree.find(data_testid="cmp-versions").text.startswith("From draft-2")
        and "to draft-3" in tree.find(data_testid="cmp-versions").text
    )
    rows = tree.find("table", data_testid="summary-sections").find_all("tr")[1:]
    assert [r.find("td").text for r in rows] == [
        "Preamble",
        "Transparency and copyright",
        "Risk identification and assessment",
        "Technical risk mitigation",
        "Internal risk management and governance",
        "Glossary",
    ]
    line = tree.find(data_testid="summary-line").text
    assert line.startswith("6 of 6 sections changed")
    sections = tree.find_all("section", data_testid="cmp-section")
    assert len(sections) == 6
    # Ids are prefixed per section, so one page never repeats an id.
    all_ids = [n.attrs["id"] for n in tree.iter() if "id" in n.attrs]
    assert len(all_ids) == len(set(all_ids))


def test_section_redline_summary_links_land_on_changes(as_user: AsUser) -> None:
    tree = page(as_user("provider"), f"{C}/changes/{SECTION}?from=draft-2&to=draft-3")
    assert tree.find(data_testid="summary-line").text.startswith(
        "20 changes: 14 changed"
    )
    redline = tree.find("div", class_="redline")
    changes = redline.find_all(class_="rl-change")
    assert len(changes) == 20 and all(c.attrs.get("id") for c in changes)
    assert redline.find_all("ins") and redline.find_all("del")
    assert tree.find("details", class_="rl-fold") is not None
    items = tree.find(data_testid="summary-items").find_all("li")
    labels = [li.find("a").text for li in items]
    assert "Measure 2.2.4 → Measure 2.2.5" in labels and "Measure 2.2.4" in labels
    known = ids(tree)
    for li in items:
        assert li.find("a").attrs["href"].lstrip("#") in known
    # The moved block says where it came from, and the link resolves.
    moved = redline.find(class_="rl-moved")
    link = moved.find("p", class_="rl-label").find("a").attrs["href"]
    assert link.lstrip("#") in known
    # A change link is stable: the same id on the next view.
    again = page(as_user("provider"), f"{C}/changes/{SECTION}?from=draft-2&to=draft-3")
    assert [
        c.attrs["id"]
        for c in again.find("div", class_="redline").find_all(class_="rl-change")
    ] == [c.attrs["id"] for c in changes]


@pytest.mark.parametrize("view", ["split", "unified"])
def test_source_views(as_user: AsUser, view: str) -> None:
    url = f"{C}/changes/{SECTION}?from=draft-1&to=draft-3&view={view}"
    tree = page(as_user("observer"), url)
    body = tree.find(data_testid="diff-body")
    table = body.find("div", class_=f"srcdiff-{view}")
    assert table is not None and body.find("div", class_="redline") is None
    changes = table.find_all(class_="sd-change")
    assert changes and changes[0].attrs["id"] == "s-1"
    assert table.find_all("ins") and table.find_all("del")
    current = tree.find("nav", class_="cmp-views").find(aria_current="page")
    assert current.attrs["data-testid"] == f"view-{view}"
    # Items link to the redline view, where their changes are.
    first = tree.find(data_testid="summary-items").find("a").attrs["href"]
    assert first.startswith(f"{C}/changes/{SECTION}?from=draft-1") and "#c-" in first


def test_whole_code_source_view_has_one_table_per_changed_section(
    as_user: AsUser,
) -> None:
    tree = page(
        as_user("provider"), f"{C}/changes?from=draft-1&to=draft-2&view=unified"
    )
    bodies = tree.find_all(data_testid="diff-body")
    assert len(bodies) == 6
    assert all(b.find("div", class_="srcdiff-unified") for b in bodies)
    first_ids = [b.find(class_="sd-change").attrs["id"] for b in bodies]
    assert first_ids[0] == "preamble--s-1" and len(set(first_ids)) == 6


def test_same_version_says_no_changes(as_user: AsUser) -> None:
    for url in (
        f"{C}/changes?from=draft-2&to=draft-2",
        f"{C}/changes/{SECTION}?from=main&to=main",
    ):
        tree = page(as_user("wg2-chair"), url)
        assert "No changes" in tree.find(data_testid="no-changes").text
        assert tree.find(data_testid="summary") is None


def test_unchanged_section_between_different_versions(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    # wg/2 and main differ only where Working Group 2 worked since.
    seeded_store.commit_files(
        "wg/2",
        {SECTION: seeded_store.read("wg/2", SECTION).text + "\nA new line.\n"},
        AUTHOR,
        "WG2 adds a line",
    )
    tree = page(as_user("wg2-chair"), f"{C}/changes?from=main&to=wg/2")
    assert tree.find(data_testid="summary-line").text.startswith("1 of 6 sections")
    tree = page(as_user("wg2-chair"), f"{C}/changes/glossary.md?from=main&to=wg/2")
    assert "No changes" in tree.find(data_testid="summary-line").text


def test_added_and_removed_sections_are_shown_whole(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    manifest = seeded_store.read("wg/4", "code.toml").text
    manifest = manifest.replace(
        '[[sections]]\nfile = "glossary.md"\ntitle = "Glossary"\n',
        '[[sections]]\nfile = "annex.md"\ntitle = "Annex on reporting"\nwg = 4\n',
    )
    seeded_store.commit_files(
        "wg/4",
        {"code.toml": manifest, "annex.md": "# Annex\n\nReports are *annual*.\n"},
        AUTHOR,
        "Annex instead of the glossary",
    )
    client = as_user("wg4-chair")
    tree = page(client, f"{C}/changes?from=draft-3&to=wg/4")
    # What happened, without the words the wide margin repeats beside it.
    rows = {
        r.find("td").text: r.find_all("td")[1].text.split(" · ")[0]
        for r in tree.find("table", data_testid="summary-sections").find_all("tr")[1:]
    }
    assert rows["Annex on reporting"] == "section added"
    assert rows["Glossary"] == "section removed"
    annex = page(client, f"{C}/changes/annex.md?from=draft-3&to=wg/4")
    inserted = annex.find("div", class_="redline").find_all(class_="rl-inserted")
    assert [b.text for b in inserted] == ["Annex", "Reports are annual."]
    assert all(b.find("ins") for b in inserted)
    assert "is new in" in annex.find("p", class_="flash").text
    glossary = page(client, f"{C}/changes/glossary.md?from=draft-3&to=wg/4")
    deleted = glossary.find("div", class_="redline").find_all(class_="rl-deleted")
    assert deleted and all(d.find("del") for d in deleted if d.text.strip())
    assert "was removed in" in glossary.find("p", class_="flash").text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"{C}/changes?from=draft-9&to=draft-3", "no version 'draft-9'"),
        (f"{C}/changes?from=HEAD~1&to=draft-3", "not a version"),
        (f"{C}/changes?from=draft-2&to=deadbeef00", "no version 'deadbeef00'"),
        (f"{C}/changes/nosuch.md?from=draft-2&to=draft-3", "no section 'nosuch.md'"),
        (f"{C}/changes/nosuch.md", "no section 'nosuch.md'"),
        (f"{C}/changes/../code.toml?from=draft-2&to=draft-3", ""),
        ("/c/nocode/changes", "no Code 'nocode'"),
    ],
)
def test_unknown_names_answer_404_with_a_message(
    as_user: AsUser, url: str, message: str
) -> None:
    response = as_user("provider").get(url)
    assert response.status_code == 404
    assert message in parse(response.get_data(as_text=True)).text


def test_unknown_view_is_a_400(as_user: AsUser) -> None:
    tree = page(as_user("provider"), f"{C}/changes?view=sideways", 400)
    assert "Unknown view 'sideways'" in tree.text


def test_shortcut_since_previous_iteration(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    text = seeded_store.read("main", SECTION).text
    seeded_store.commit_files("main", {SECTION: text + "\nMore.\n"}, AUTHOR, "more")
    more = seeded_store.resolve("main")
    tree = page(as_user("provider"), f"{C}/changes/{SECTION}?to=main")
    links = tree.find(data_testid="shortcuts").find_all("a")
    assert links[0].text == "Since the previous published draft (draft-3)"
    assert links[0].attrs["href"] == f"{C}/changes/{SECTION}?from=draft-3&to=main"
    # The newest change in the text shown, against the text just before it.
    assert links[-1].text == "This change only"
    assert links[-1].attrs["href"] == f"{C}/changes/{SECTION}?change={more}"
    first = page(as_user("provider"), f"{C}/changes?to=draft-1")
    assert first.find(data_testid="no-earlier") is not None
    offered = first.find(data_testid="shortcuts").find_all("a")
    assert [a.text for a in offered] == ["This change only"]


def _comment(db: Session, code: Code, key: str, tag: str, when: datetime) -> None:
    user = db.scalar(select(User).where(User.email.startswith(f"{key}@")))
    assert user is not None
    iteration = db.scalar(select(Iteration).where(Iteration.tag == tag))
    assert iteration is not None
    db.add(
        Comment(
            code_id=code.id,
            author_id=user.id,
            kind=CommentKind.COMMENT,
            path=SECTION,
            tag=tag,
            commit_id=iteration.commit_id,
            body="A comment.",
            client_token=f"t-{tag}-{when.timestamp()}",
            created_at=when,
        )
    )
    db.commit()


def test_shortcut_since_the_iteration_i_last_commented_on(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    client = as_user("provider")
    tree = page(client, f"{C}/changes")
    assert "last commented" not in tree.find(data_testid="shortcuts").text
    _comment(db, seeded, "provider", "draft-1", datetime(2026, 4, 1, tzinfo=UTC))
    _comment(db, seeded, "provider", "draft-2", datetime(2026, 6, 1, tzinfo=UTC))
    _comment(db, seeded, "academic", "draft-3", datetime(2026, 7, 9, tzinfo=UTC))
    links = page(client, f"{C}/changes").find(data_testid="shortcuts").find_all("a")
    mine = [a for a in links if "last commented" in a.text]
    assert mine[0].text == "Since draft-2, the draft you last commented on"
    assert mine[0].attrs["href"] == f"{C}/changes?from=draft-2&to=draft-3"
    # Having commented on the newest iteration, the working text is what changed.
    _comment(db, seeded, "provider", "draft-3", datetime(2026, 7, 10, tzinfo=UTC))
    links = page(client, f"{C}/changes").find(data_testid="shortcuts").find_all("a")
    mine = [a for a in links if "last commented" in a.text]
    assert mine[0].attrs["href"] == f"{C}/changes?from=draft-3&to=main"


EVIL = (
    "# Title\n\n<script>alert(1)</script> and more words here to keep\n\n"
    "[click](javascript:alert(2)) some text\n\n"
    '<img src=x onerror="alert(3)"> image\n\n'
    "| a | b |\n|---|---|\n| <iframe src=x></iframe> | ok |\n"
)
EVIL_NEW = EVIL.replace("alert(1)", "alert(11)").replace("image", "picture <b>x</b>")


def _inert(tree: Node) -> None:
    for node in tree.iter():
        assert node.tag not in {"script", "img", "iframe", "object", "embed"}
        assert not any(k.startswith("on") for k in node.attrs), node.attrs
        assert not node.attrs.get("href", "").lower().startswith("javascript")


@pytest.mark.parametrize("direction", ["old", "new", "both"])
def test_raw_html_and_scripts_are_inert_in_every_view(
    as_user: AsUser, seeded_store: DraftStore, direction: str, tmp_path: Path
) -> None:
    clean = seeded_store.read("main", SECTION).text
    old = EVIL if direction in ("old", "both") else clean
    new = EVIL_NEW if direction in ("new", "both") else clean
    seeded_store.commit_files("wg/1", {SECTION: old}, AUTHOR, "old")
    old_id = seeded_store.resolve("wg/1")
    seeded_store.commit_files("wg/1", {SECTION: new}, AUTHOR, "new")
    client = as_user("provider")
    for view in ("redline", "split", "unified"):
        for url in (
            f"{C}/changes/{SECTION}?from={old_id}&to=wg/1&view={view}",
            f"{C}/changes?from={old_id}&to=wg/1&view={view}",
        ):
            tree = page(client, url)
            body = tree.find(data_testid="diff-body")
            _inert(body)
            _inert(tree.find(data_testid="summary"))
            assert "<script>alert(1" in body.text
    _, html = _download(seeded_store, old_id, tmp_path)
    _inert(parse(html))
    assert "<script>alert(1" in parse(html).text


def test_a_file_that_is_not_utf8_is_compared_with_a_note(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    """Saves refuse such files; one pushed from outside still compares."""
    old_id = seeded_store.resolve("wg/1")
    repo = pygit2.Repository(str(seeded_store.path))
    tip = repo.references["refs/heads/wg/1"].peel(pygit2.Commit)
    data = seeded_store.read("wg/1", SECTION).text.encode() + b"Caf\xe9 au lait.\n"
    builder = repo.TreeBuilder(tip.tree)
    builder.insert(SECTION, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("X", "x@example.org", 1700000000, 0)
    repo.create_commit(
        "refs/heads/wg/1", sig, sig, "latin-1", builder.write(), [tip.id]
    )
    client = as_user("provider")
    for _ in range(2):  # computed, then from the cache
        tree = page(client, f"{C}/changes/{SECTION}?from={old_id}&to=wg/1")
        note = tree.find(data_testid="not-utf8")
        assert note is not None and "The later version" in note.text
        assert "Caf\ufffd au lait." in tree.find(data_testid="diff-body").text
    back = page(client, f"{C}/changes/{SECTION}?from=wg/1&to={old_id}&view=split")
    assert "The earlier version" in back.find(data_testid="not-utf8").text


def _download(store: DraftStore, old_id: str, folder: Path) -> tuple[str, str]:
    """The download service on two commits labelled as iterations."""
    old = Version("draft-1", old_id, "draft-1", True)
    new = Version("draft-2", store.resolve("wg/1"), "draft-2", True)
    code = Code(slug="gpai-code", title="Code")
    return diff_service.download(store, FileCache(folder), code, old, new)


def test_download_of_two_iterations(as_user: AsUser) -> None:
    client = as_user("civil-society")
    response = client.get(f"{C}/redline/{SECTION}?from=draft-2&to=draft-3")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename="
        '"gpai-code-risk-assessment-redline-draft-2-to-draft-3.html"'
    )
    tree = parse(response.get_data(as_text=True))
    assert tree.find("title").text.endswith("draft-2 to draft-3")
    assert tree.find_all("script") == []
    assert all("open" in d.attrs for d in tree.find_all("details"))
    whole = client.get(f"{C}/redline?from=draft-1&to=draft-3")
    assert whole.headers["Content-Disposition"].endswith(
        'filename="gpai-code-redline-draft-1-to-draft-3.html"'
    )
    doc = parse(whole.get_data(as_text=True))
    headings = [h.text for h in doc.find_all("h2", class_="doc-section")]
    assert headings[0] == "Preamble" and len(headings) == 6
    known = ids(doc)
    for link in doc.find_all("div", class_="doc-summary")[2].find_all("a"):
        assert link.attrs["href"].lstrip("#") in known


@pytest.mark.parametrize(
    "query", ["from=draft-2&to=wg/2", "from=draft-2&to=main", "from=draft-2"]
)
def test_download_needs_two_iterations(as_user: AsUser, query: str) -> None:
    response = as_user("provider").get(f"{C}/redline?{query}")
    assert response.status_code == 400
    assert "published iterations" in parse(response.get_data(as_text=True)).text


def test_branch_comparison_offers_no_download(as_user: AsUser) -> None:
    tree = page(as_user("provider"), f"{C}/changes?from=draft-2&to=wg/2")
    assert tree.find(data_testid="download") is None
    tree = page(as_user("provider"), f"{C}/changes?from=draft-2&to=draft-3")
    assert tree.find(data_testid="download") is not None


def test_public_visitor_compares_public_iterations_only(
    as_user: AsUser, db: Session
) -> None:
    visitor = as_user(None)
    assert visitor.get(f"{C}/changes").status_code == 404
    for tag in ("draft-2", "draft-3"):
        db.scalar(select(Iteration).where(Iteration.tag == tag)).is_public = True
    db.commit()
    tree = page(visitor, f"{C}/changes")
    assert "draft-2" in tree.find(data_testid="cmp-versions").text
    options = tree.find("select", data_testid="cmp-from").find_all("option")
    assert [o.attrs["value"] for o in options] == ["draft-3", "draft-2"]
    assert tree.find("input", id="cmp-from-commit") is None
    page(visitor, f"{C}/changes/{SECTION}?from=draft-2&to=draft-3&view=split")
    assert visitor.get(f"{C}/redline?from=draft-2&to=draft-3").status_code == 200
    draft3 = db.scalar(select(Iteration).where(Iteration.tag == "draft-3"))
    for query in (
        "from=draft-1&to=draft-3",
        "from=draft-2&to=main",
        "from=draft-2&to=wg/2",
        f"from=draft-2&to={draft3.commit_id}",
        f"from=draft-2&to_commit={draft3.commit_id[:10]}",
    ):
        assert visitor.get(f"{C}/changes?{query}").status_code == 404, query
        assert visitor.get(f"{C}/redline?{query}").status_code in (400, 404), query


def test_oversized_change_is_bounded_and_says_so(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    words = [f"w{n % 997}" for n in range(6000)]
    old = " ".join(words) + "\n"
    new = " ".join(w if n % 5 else "changed" for n, w in enumerate(words)) + "\n"
    seeded_store.commit_files("wg/3", {"risk-mitigation.md": old}, AUTHOR, "big")
    old_id = seeded_store.resolve("wg/3")
    seeded_store.commit_files("wg/3", {"risk-mitigation.md": new}, AUTHOR, "bigger")
    tree = page(
        as_user("provider"), f"{C}/changes/risk-mitigation.md?from={old_id}&to=wg/3"
    )
    note = tree.find(data_testid="budget-note")
    assert note is not None and "shown line by line" in note.text
    label = tree.find("div", class_="redline").find("p", class_="rl-label")
    assert "too large to compare word by word" in label.text


def test_second_view_is_served_from_cache(
    as_user: AsUser, monkeypatch: pytest.MonkeyPatch, data_dir
) -> None:
    client = as_user("provider")
    url = f"{C}/changes?from=draft-1&to=draft-3"

    def bodies(address: str) -> list[str]:
        tree = page(client, address)
        return [
            repr([(n.tag, n.attrs, n.text) for n in body.iter()])
            for body in tree.find_all(data_testid="diff-body")
        ]

    first, split = bodies(url), bodies(url + "&view=split")
    assert len(first) == 6 and list((data_dir / "cache").rglob("*"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again instead of read from the cache")

    monkeypatch.setattr(diff_sections, "diff_texts", refuse)
    monkeypatch.setattr(diff_sections, "source_html", refuse)
    monkeypatch.setattr(DraftStore, "read", refuse)
    assert bodies(url) == first
    assert bodies(url + "&view=split") == split


def test_changes_tab_and_what_changed_link(as_user: AsUser) -> None:
    client = as_user("provider")
    tree = page(client, f"{C}/s/{SECTION}?rev=draft-3")
    tab = tree.find("a", data_testid="changes-tab")
    assert tab.attrs["href"] == f"{C}/changes/{SECTION}?to=draft-3"
    target = page(client, tab.attrs["href"])
    assert "From draft-2" in target.find(data_testid="cmp-versions").text
    link = page(client, f"{C}?rev=draft-2").find("a", data_testid="what-changed")
    assert link.attrs["href"] == f"{C}/changes?to=draft-2"
    target = page(client, link.attrs["href"])
    assert target.find(data_testid="cmp-versions").text.startswith("From draft-1")
