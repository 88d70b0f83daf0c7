"""A section too large for rewording to be followed (text.anchor.large): its
comments are carried by their exact words, and one whose words are gone says
so on the page rather than passing for a judgement that its passage is gone."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Relocation
from cop_drafts.store.repo import DraftStore, Person
from cop_drafts.text.anchor import large
from tests.story import (
    DROP,
    KEEP,
    S,
    open_round_on_draft_3,
    post_comment,
    publish_through_form,
)

from .html import parse

AsUser = Callable[[str | None], FlaskClient]


def test_a_comment_on_a_huge_rewrite_is_carried_by_its_words_and_says_so(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    open_round_on_draft_3(db, seeded)
    kept = post_comment(db, seeded_store, seeded, "provider", quote=KEEP).id
    dropped = post_comment(db, seeded_store, seeded, "provider", quote=DROP).id
    text = seeded_store.read("main", S).text
    line = next(line for line in text.splitlines() if DROP in line)
    # The Chairs add an annex larger than the budget and rewrite both ends.
    annex = "".join(
        f"\n## Annex item {n}\n\nItem {n} lists what the register holds.\n"
        for n in range(large.BUDGET // 40)
    )
    new = "Revised. " + text.replace(line, "") + annex + "\nEnd of the annex.\n"
    assert len(text) + len(new) > large.BUDGET
    seeded_store.save(
        "main",
        S,
        new,
        base=seeded_store.resolve("main"),
        author=Person("Coordinator", "c@example.org"),
        message="Annex",
    )
    review, confirm = publish_through_form(as_user("ai-office"))
    assert confirm is not None and confirm.status_code == 302, review.status_code

    landed = {
        r.comment_id: r
        for r in db.scalars(select(Relocation).where(Relocation.tag == "draft-4"))
    }
    assert landed[kept].status in ("exact", "moved")
    assert landed[kept].quote == KEEP
    assert landed[dropped].status == "orphaned"

    html = as_user("provider").get(f"/c/gpai-code/s/{S}?rev=draft-4")
    page = parse(html.get_data(as_text=True))
    orphan = page.find("article", id=f"c{dropped}")
    assert orphan is not None
    note = orphan.find(data_testid="limited")
    assert note is not None and "too large" in note.text
    assert page.find("article", id=f"c{kept}").find(data_testid="limited") is None
