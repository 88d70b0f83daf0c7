"""A Chair shows where a carried comment's passage is now (services.placing),
through the section page of a published draft, on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    AuditEvent,
    Code,
    Notification,
    NotificationKind,
    Relocation,
)
from cop_drafts.store.repo import DraftStore, Person
from tests.conftest import csrf_token
from tests.story import (
    DROP,
    KEEP,
    REWORD,
    S,
    open_round_on_draft_3,
    person,
    post_comment,
    publish_through_form,
    rework_main,
)

from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
PAGE = f"/c/gpai-code/s/{S}"
#: Where the dropped passage's concern "went", for these tests: KEEP's sentence.
NOW = KEEP


@pytest.fixture
def carried(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> dict[str, int]:
    """A provider's comments on DROP and REWORD of draft-3, carried to draft-4
    (DROP's line removed, REWORD reworded): their ids."""
    open_round_on_draft_3(db, seeded)
    ids = {
        name: post_comment(db, seeded_store, seeded, "provider", quote=quote).id
        for name, quote in (("dropped", DROP), ("reworded", REWORD))
    }
    rework_main(seeded_store)
    review, confirm = publish_through_form(as_user("ai-office"))
    assert confirm is not None and confirm.status_code == 302, review.status_code
    return ids


def _landing(db: Session, comment_id: int, tag: str = "draft-4") -> Relocation:
    db.expire_all()
    found = db.scalar(
        select(Relocation).where(
            Relocation.comment_id == comment_id, Relocation.tag == tag
        )
    )
    assert found is not None
    return found


def _line(store: DraftStore, needle: str, rev: str = "draft-4") -> int:
    text = store.read(rev, S).text
    return text.count("\n", 0, text.index(needle)) + 1


def _place(
    client: FlaskClient, comment_id: int, line: int | str, quote: str, **extra: str
):
    data = {
        "rev": "draft-4",
        "line_start": str(line),
        "line_end": str(line),
        "quote": quote,
        "csrf_token": csrf_token(client, f"{PAGE}?rev=draft-4"),
        **extra,
    }
    return client.post(f"/c/gpai-code/comments/{comment_id}/place", data=data)


def _thread(client: FlaskClient, comment_id: int) -> Node:
    html = client.get(f"{PAGE}?rev=draft-4").get_data(as_text=True)
    found = parse(html).find("article", id=f"c{comment_id}")
    assert found is not None
    return found


def test_a_chair_shows_a_removed_passage_where_it_is_now(
    as_user: AsUser, db: Session, seeded_store: DraftStore, carried: dict[str, int]
) -> None:
    dropped = carried["dropped"]
    assert _landing(db, dropped).status == "orphaned"
    chair = as_user("wg2-chair")
    thread = _thread(chair, dropped)
    assert thread.attrs["data-landing"] == "orphaned"
    form = thread.find("details", data_testid="place")
    assert form is not None and "Show where this passage is now" in form.text

    response = _place(chair, dropped, _line(seeded_store, NOW), NOW)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"rev=draft-4#c{dropped}")
    landing = _landing(db, dropped)
    assert (landing.status, landing.quote) == ("fuzzy", NOW)
    text = seeded_store.read("draft-4", S).text
    assert text[landing.start : landing.end] == NOW
    assert landing.placed_by_id == person(db, "wg2-chair").id
    assert landing.line_start == _line(seeded_store, NOW)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "comment.place"))
    assert event is not None and event.target == f"comment:{dropped}"
    # The author is told where their comment is shown now.
    [told] = db.scalars(
        select(Notification).where(Notification.subject.like("Your comment on %"))
    )
    assert told.user_id == person(db, "provider").id
    assert told.kind is NotificationKind.DISPOSITION
    assert NOW in told.body and DROP in told.body
    assert f"rev=draft-4#c{dropped}" in told.body

    # Every reader now finds the comment on that passage, marked as placed by
    # hand, with the words it was written on.
    for reader in ("provider", "wg2-vice"):
        thread = _thread(as_user(reader), dropped)
        assert thread.attrs["data-landing"] == "fuzzy"
        assert thread.attrs["data-quote"] == NOW
        landing_text = thread.find(data_testid="landing").text
        assert "placed by hand" in landing_text
        assert person(db, "wg2-chair").name in landing_text
        assert DROP in thread.find(data_testid="old-quote").text


def test_a_reworded_landing_can_be_corrected_and_chains_to_the_next_draft(
    as_user: AsUser, db: Session, seeded_store: DraftStore, carried: dict[str, int]
) -> None:
    reworded = carried["reworded"]
    assert _landing(db, reworded).status == "fuzzy"
    coordinator = as_user("coordinator")
    assert (
        _place(coordinator, reworded, _line(seeded_store, NOW), NOW).status_code == 302
    )
    # The next draft carries the comment on from where it was placed.
    seeded_store.save(
        "main",
        S,
        seeded_store.read("main", S).text + "\nA new closing paragraph.\n",
        base=seeded_store.resolve("main"),
        author=Person("Coordinator", "c@example.org"),
        message="Close",
    )
    review, confirm = publish_through_form(
        as_user("ai-office"), tag="draft-5", notes="Fifth draft"
    )
    assert confirm is not None and confirm.status_code == 302, review.status_code
    landing = _landing(db, reworded, "draft-5")
    assert (landing.status, landing.quote) == ("exact", NOW)
    assert landing.placed_by_id is None  # found again, not placed


@pytest.mark.parametrize("key", ["provider", "observer", "wg2-vice-other"])
def test_only_those_who_answer_the_comments_place_them(
    as_user: AsUser,
    db: Session,
    seeded_store: DraftStore,
    carried: dict[str, int],
    key: str,
) -> None:
    dropped = carried["dropped"]
    if key == "wg2-vice-other":
        key = "wg1-chair"  # a Chair, of another Working Group
    client = as_user(key)
    html = client.get(f"{PAGE}?rev=draft-4").get_data(as_text=True)
    assert parse(html).find("details", data_testid="place") is None
    response = _place(client, dropped, _line(seeded_store, NOW), NOW)
    assert response.status_code == 403
    assert _landing(db, dropped).status == "orphaned"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no such line", "outside the text"),
        ("not a published draft", "published drafts only"),
        ("not carried there", "not carried to draft-3"),
        ("no lines", "line_start"),
        ("blank passage", "words in it"),
    ],
)
def test_a_wrong_placement_is_refused_and_changes_nothing(
    as_user: AsUser,
    db: Session,
    seeded_store: DraftStore,
    carried: dict[str, int],
    case: str,
    message: str,
) -> None:
    dropped = carried["dropped"]
    chair = as_user("wg2-chair")
    line = _line(seeded_store, NOW)
    text = seeded_store.read("draft-4", S).text
    blank = text.split("\n").index("") + 1
    arguments: dict[str, dict[str, str]] = {
        "no such line": {"line_start": "99999", "line_end": "99999"},
        "not a published draft": {"rev": "main"},
        "not carried there": {"rev": "draft-3"},
        "no lines": {"line_start": "", "line_end": ""},
        "blank passage": {
            "line_start": str(blank),
            "line_end": str(blank),
            "quote": "",
        },
    }
    chosen = arguments[case]
    response = _place(chair, dropped, line, chosen.pop("quote", NOW), **chosen)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    landing = _landing(db, dropped)
    assert (landing.status, landing.placed_by_id) == ("orphaned", None)
