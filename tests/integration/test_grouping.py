"""Groups of comments on the demo Code: a campaign letter sent by several
organisations, comments on the same passage written on different iterations,
and who stands behind each group."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    Iteration,
    Relocation,
    User,
)
from cop_drafts.services import accounts, comments, demo, grouping
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor
from cop_drafts.text.similar import Reason
from tests.story import KEEP, S, open_round_on_draft_3
from tests.story import post_comment_id as _post

TC = "transparency-copyright.md"  # Working Group 1
LETTER = (
    "We ask the Chairs to require a public list of the main data sources used "
    "for training, so that authors, performers and the public can see whose "
    "works were used. A share of the training data is not enough to exercise "
    "rights under Union law."
)
# Each organisation edits the letter a little, and quotes another passage.
LETTERS = {
    "civil-society": (LETTER, "Rightsholders"),
    "downstream": (LETTER.replace("is not", "alone is not"), "Downstream Providers"),
    "provider": (LETTER.replace("for training", "in training"), "trade secrets"),
    "rightsholder": (
        LETTER + " Our members have asked for this since the first draft.",
        "text and data mining",
    ),
}
_tokens = itertools.count(1)


def _user(db: Session, key: str) -> User:
    user = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert user is not None
    return user


@pytest.fixture
def posted(db: Session, seeded: Code, seeded_store: DraftStore) -> dict[str, int]:
    """The letter from four organisations (one sends it twice) on four
    passages of WG1's section; three participants and a Chair on one passage
    of WG2's; a comment elsewhere; a note and a reply on the passage."""
    open_round_on_draft_3(db, seeded)
    ids = {}
    for key, (body, quote) in LETTERS.items():
        ids[key] = _post(db, seeded_store, seeded, key, TC, quote, body)
    ids["again"] = _post(
        db, seeded_store, seeded, "provider", TC, "Article 53", LETTER + " Again."
    )
    on_keep = {
        "keep-academic": ("academic", "Which decisions? Name them in the Measure."),
        "keep-civil": ("civil-society", "Decisions must be recorded in writing."),
        "keep-provider": ("provider", "Fine."),
        "keep-chair": ("wg2-chair", "We will look at this passage again."),
    }
    for name, (key, body) in on_keep.items():
        ids[name] = _post(db, seeded_store, seeded, key, S, KEEP, body)
    ids["elsewhere"] = _post(
        db,
        seeded_store,
        seeded,
        "academic",
        S,
        "Systemic Risk",
        "The risk tiers should follow the scientific panel's classification.",
    )
    note = _post(db, seeded_store, seeded, "wg2-chair", S, KEEP, "Internal: discuss.")
    db.get(Comment, note).kind = CommentKind.NOTE  # type: ignore[union-attr]
    reply = _post(db, seeded_store, seeded, "academic", S, KEEP, "A reply.")
    db.get(Comment, reply).parent_id = ids["keep-academic"]  # type: ignore[union-attr]
    db.commit()
    return ids


def test_the_campaign_and_the_passage_are_the_two_groups(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    letters, passage = grouping.groups(db, seeded_store, seeded)
    ids = sorted(posted[k] for k in (*LETTERS, "again"))
    assert letters.ids == tuple(ids)
    assert letters.size == 5
    assert letters.reason is Reason.TEXT
    assert letters.organisations == 4  # the provider signed twice
    assert letters.authors == 4
    assert letters.representative in ids
    assert letters.near_identical == tuple(ids)
    assert dict(letters.categories) == {
        "General-purpose AI model provider": 2,
        "Civil society organisation": 1,
        "Downstream provider": 1,
        "Rightsholder organisation": 1,
    }
    assert letters.categories[0] == ("General-purpose AI model provider", 2)

    keep = sorted(posted[k] for k in posted if k.startswith("keep-"))
    assert passage.ids == tuple(keep)  # no note, no reply, not "elsewhere"
    assert passage.reason is Reason.PASSAGE
    assert passage.representative is None
    assert passage.organisations == 4  # the Chair has none: counts alone
    assert dict(passage.categories)["EU institution or Chair"] == 1


def test_working_group_and_round_narrow_the_groups(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    def sizes(**narrow: object) -> list[int]:
        found = grouping.groups(db, seeded_store, seeded, **narrow)  # type: ignore[arg-type]
        return [g.size for g in found]

    assert sizes(wg=1) == [5]
    assert sizes(wg=2) == [4]
    assert sizes(wg=4) == []
    assert sizes(round_tag="draft-3") == [5, 4]
    assert sizes(round_tag="draft-2", wg=1) == []


def test_group_of_one_comment_and_a_withdrawn_letter(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    found = grouping.group_of(db, seeded_store, seeded, posted["downstream"])
    assert found is not None and found.size == 5
    assert grouping.group_of(db, seeded_store, seeded, posted["elsewhere"]) is None
    assert grouping.group_of(db, seeded_store, seeded, 10**6) is None
    comments.withdraw(db, seeded, _user(db, "provider"), posted["again"])
    found = grouping.group_of(db, seeded_store, seeded, posted["downstream"])
    assert found is not None
    assert found.ids == tuple(sorted(posted[k] for k in LETTERS))


def _on_draft_2(db: Session, store: DraftStore, code: Code, key: str) -> Comment:
    """A comment on KEEP written on draft-2 (before this round)."""
    text = store.read("draft-2", S).text
    start = text.index(KEEP)
    anchor = Anchor.from_span(text, start, start + len(KEEP))
    comment = Comment(
        code_id=code.id,
        author_id=_user(db, key).id,
        kind=CommentKind.COMMENT,
        path=S,
        wg=2,
        tag="draft-2",
        commit_id=store.resolve("draft-2"),
        anchor=anchor.to_dict(),
        line_start=anchor.line_start,
        line_end=anchor.line_end,
        body="Record the decisions and the reasons for them, every time.",
        client_token=f"grouping-{next(_tokens):04d}",
    )
    db.add(comment)
    db.commit()
    return comment


def test_comments_from_an_earlier_iteration_meet_where_they_landed(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    carried = _on_draft_2(db, seeded_store, seeded, "downstream")
    # Not yet carried to draft-3: where it lands is computed, not stored.
    (_, passage) = grouping.groups(db, seeded_store, seeded)
    assert carried.id in passage.ids and passage.size == 5
    assert db.scalars(select(Relocation)).all() == []

    # A stored landing elsewhere on draft-3 takes it out of the group.
    draft_3 = db.scalar(select(Iteration).where(Iteration.tag == "draft-3"))
    assert draft_3 is not None
    db.add(
        Relocation(
            comment_id=carried.id,
            tag="draft-3",
            commit_id=draft_3.commit_id,
            path=S,
            status="fuzzy",
            start=0,
            end=40,
            score=0.5,
        )
    )
    db.commit()
    (_, passage) = grouping.groups(db, seeded_store, seeded)
    assert carried.id not in passage.ids


def test_comments_on_a_removed_passage_meet_on_their_own_iteration(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    first = _on_draft_2(db, seeded_store, seeded, "downstream")
    second = _on_draft_2(db, seeded_store, seeded, "provider")
    draft_3 = db.scalar(select(Iteration).where(Iteration.tag == "draft-3"))
    assert draft_3 is not None
    for comment in (first, second):
        db.add(
            Relocation(
                comment_id=comment.id,
                tag="draft-3",
                commit_id=draft_3.commit_id,
                path=S,
                status="orphaned",
            )
        )
    db.commit()
    (found,) = grouping.groups(db, seeded_store, seeded)
    assert found.ids == (first.id, second.id)
    assert found.reason is Reason.BOTH  # and the same text
    assert found.organisations == 2
