"""One change at a time: every history entry opens what its change did (its
redline against the text just before it, with author, date and message),
"Changes" offers since my last visit / the previous published draft / this
change only, and these pages speak plain words in every state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from cop_drafts.services.glossary import git_words
from cop_drafts.store.repo import DraftStore, Person
from tests.integration.html import Node, parse
from tests.integration.test_plain_words import visible_text

AsUser = Callable[[str | None], FlaskClient]
C = "/c/gpai-code"
SECTION = "risk-assessment.md"
AUTHOR = Person(
    "Aoife Brennan", "aoife@example.org", datetime(2026, 3, 3, 9, tzinfo=UTC)
)
ADDED = "Providers shall reassess within ten working days."


def page(client: FlaskClient, url: str, status: int = 200) -> Node:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return parse(response.get_data(as_text=True))


def _edit(store: DraftStore, branch: str, words: str = ADDED) -> str:
    head = store.resolve(branch)
    text = store.read(head, SECTION).text + f"\n{words}\n"
    message = "Add a reassessment deadline\n\nAsked for by several providers."
    return store.save(
        branch, SECTION, text, base=head, author=AUTHOR, message=message
    ).commit_id


def test_a_history_entry_opens_what_its_change_did(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    change = _edit(seeded_store, "wg/2")
    chair = as_user("wg2-chair")
    history = page(chair, f"{C}/history/{SECTION}?rev=wg/2")
    first = history.find("li", class_="commit")
    assert (
        first.find(class_="change-by").text
        == "A change by Aoife Brennan on 3 March 2026:"
    )
    link = first.find("a", data_testid="change-link")
    assert link.text == "Add a reassessment deadline"
    assert link.attrs["href"] == f"{C}/changes/{SECTION}?change={change}"
    # Every entry opens its own change.
    hrefs = [a.attrs["href"] for a in history.find_all("a", data_testid="change-link")]
    assert len(hrefs) == len(history.find_all("li", class_="commit")) > 3
    assert all("?change=" in h for h in hrefs) and len(set(hrefs)) == len(hrefs)

    shown = page(chair, link.attrs["href"])
    assert shown.find(data_testid="change-by").text == (
        "A change by Aoife Brennan on 3 March 2026:"
    )
    assert (
        "Asked for by several providers."
        in shown.find(data_testid="change-message").text
    )
    body = shown.find(data_testid="diff-body")
    inserted = " ".join(n.text for n in body.find_all("ins"))
    assert "ten working days" in inserted
    assert not body.find_all("del")  # against its parent: only this change
    assert "1 change" in shown.find(data_testid="summary-line").text


def test_a_change_on_the_whole_code_shows_the_sections_it_touched(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    change = _edit(seeded_store, "main")
    tree = page(as_user("provider"), f"{C}/changes?change={change}")
    shown = [s.attrs["data-path"] for s in tree.find_all(data_testid="cmp-section")]
    assert shown == [SECTION]


@pytest.mark.parametrize(
    ("who", "rev", "status"),
    [(None, "full", 404), ("provider", "HEAD~1", 404), ("provider", "abcdef1", 404)],
)
def test_a_change_is_for_people_signed_in_and_named_by_its_id(
    as_user: AsUser, seeded_store: DraftStore, who: str | None, rev: str, status: int
) -> None:
    if rev == "full":
        rev = seeded_store.resolve("main")
    page(as_user(who), f"{C}/changes/{SECTION}?change={rev}", status)


def _shortcuts(tree: Node) -> dict[str, str]:
    bar = tree.find(data_testid="shortcuts")
    return {a.text: a.attrs["href"] for a in bar.find_all("a")}


def test_changes_offer_since_my_last_visit(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    reader = as_user("provider")
    url = f"{C}/changes/{SECTION}?to=main"
    assert "Since my last visit" not in _shortcuts(page(reader, url))
    read = seeded_store.resolve("main")
    page(reader, f"{C}/s/{SECTION}?rev=main")
    change = _edit(seeded_store, "main")
    # Read again: the visit just made read the new text, so "since my last
    # visit" starts from the text read the time before.
    page(reader, f"{C}/s/{SECTION}?rev=main")
    offered = _shortcuts(page(reader, url))
    assert offered["Since my last visit"] == (
        f"{C}/changes/{SECTION}?from={read}&to=main"
    )
    assert offered["Since the previous published draft (draft-3)"] == (
        f"{C}/changes/{SECTION}?from=draft-3&to=main"
    )
    assert offered["This change only"] == f"{C}/changes/{SECTION}?change={change}"
    since = page(reader, offered["Since my last visit"])
    assert "ten working days" in " ".join(n.text for n in since.find_all("ins"))


def test_public_visitors_are_offered_published_drafts_only(
    as_user: AsUser,
    db,
    seeded,  # noqa: ANN001
) -> None:
    from cop_drafts.db.models import Iteration

    for it in db.query(Iteration):
        it.is_public = True
    db.commit()
    offered = _shortcuts(page(as_user(None), f"{C}/changes/{SECTION}"))
    assert list(offered) == ["Since the previous published draft (draft-2)"]


def test_these_pages_speak_plain_words_in_every_state(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    change = _edit(seeded_store, "wg/2")
    chair = as_user("wg2-chair")
    urls = [
        f"{C}/s/{SECTION}?rev={change}",
        f"{C}/s/{SECTION}?rev=main",
        f"{C}/history/{SECTION}?rev=main",
        f"{C}/blame/{SECTION}?rev={change}",
        f"{C}/changes/{SECTION}?change={change}",
        f"{C}/changes/{SECTION}?change={change}&view=unified",
        f"{C}/changes?change={change}",
        f"{C}/changes?from=draft-1&to=wg/2",
        f"{C}/changes/{SECTION}?from={change[:10]}&to=main",
        f"{C}/changes/{SECTION}?from=draft-3&to=draft-3",
    ]
    found = {}
    for url in urls:
        response = chair.get(url)
        assert response.status_code == 200, url
        words = git_words(visible_text(response.get_data(as_text=True)))
        if words:
            found[url] = sorted(set(words))
    assert not found, found
