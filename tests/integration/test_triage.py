"""The Chairs answer comments: the triage table (filters, full-text search,
paging), dispositions with their history, bulk answers, release, the change
that implements an answer, and what participants see of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Disposition,
    DispositionKind,
    DispositionRevision,
)
from cop_drafts.services import dispositions, publishing
from cop_drafts.services import triage as triage_service
from cop_drafts.services.errors import PermissionDenied, ValidationError
from cop_drafts.store.repo import DraftStore, Person
from tests.conftest import csrf_token
from tests.story import (
    DROP,
    KEEP,
    REWORD,
    S,
    open_round_on_draft_3,
    person,
    rework_main,
)
from tests.story import (
    post_comment_id as _post,
)

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
T = "/c/gpai-code/triage"
GOV = "governance.md"


@pytest.fixture
def posted(db: Session, seeded: Code, seeded_store: DraftStore) -> dict[str, int]:
    """Three comments on WG2's section and one on WG4's."""
    open_round_on_draft_3(db, seeded)
    gov = seeded_store.read("draft-3", GOV).text
    gov_quote = next(line for line in gov.splitlines() if len(line) > 60)[:50]
    return {
        "keep": _post(
            db, seeded_store, seeded, "provider", S, KEEP, "Define the decisions."
        ),
        "reword": _post(
            db,
            seeded_store,
            seeded,
            "civil-society",
            S,
            REWORD,
            "Safety margins need independent auditors.",
        ),
        "academic": _post(
            db, seeded_store, seeded, "academic", S, KEEP, "Auditors again, please."
        ),
        "gov": _post(
            db, seeded_store, seeded, "industry", GOV, gov_quote, "Too heavy for SMEs."
        ),
    }


def _ids(page) -> list[int]:
    return [
        int(tr.attrs["data-comment"]) for tr in page.find_all("tr", data_testid="row")
    ]


def test_each_chair_sees_their_working_groups_and_filters_and_searches(
    as_user: AsUser, posted: dict[str, int]
) -> None:
    chair = as_user("wg2-chair")
    page = parse(chair.get(T).get_data(as_text=True))
    assert sorted(_ids(page)) == sorted(
        [posted["keep"], posted["reword"], posted["academic"]]
    )
    assert page.find(data_testid="count").text.startswith("3 comments")

    coordinator = as_user("coordinator")
    assert len(_ids(parse(coordinator.get(T).get_data(as_text=True)))) == 4

    # Full-text search over comment text and quotes, words as prefixes.
    found = _ids(parse(chair.get(f"{T}?q=auditor").get_data(as_text=True)))
    assert sorted(found) == sorted([posted["reword"], posted["academic"]])
    found = _ids(parse(chair.get(f"{T}?q=record+decision").get_data(as_text=True)))
    assert sorted(found) == sorted([posted["keep"], posted["academic"]])
    hostile = chair.get(f"{T}?q=%22%29+OR+1%3D1+--+*+NEAR%28")
    assert hostile.status_code == 200
    # Filters: category, organisation, answer.
    found = _ids(parse(chair.get(f"{T}?category=civil_society").get_data(as_text=True)))
    assert found == [posted["reword"]]
    found = _ids(parse(chair.get(f"{T}?organisation=northwind").get_data(as_text=True)))
    assert found == [posted["keep"]]
    found = _ids(
        parse(chair.get(f"{T}?answer=none&sort=oldest").get_data(as_text=True))
    )
    assert found == [posted["keep"], posted["reword"], posted["academic"]]

    # Participants and another Working Group's Chair may not open the table.
    assert as_user("provider").get(T).status_code == 403
    opened = chair.get(f"{T}?open={posted['gov']}")
    assert opened.status_code == 404


def test_answer_release_history_and_what_participants_see(
    as_user: AsUser,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
    posted: dict[str, int],
) -> None:
    chair = as_user("wg2-chair")
    change = seeded_store.history("wg/2", S, limit=1)[0].commit_id
    page = parse(chair.get(f"{T}?open={posted['keep']}").get_data(as_text=True))
    detail = page.find(data_testid="detail")
    assert KEEP in detail.find(data_testid="passage").text
    token = csrf_token(chair, T)
    response = chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": str(posted["keep"]),
            "kind": "partially_accepted",
            "response": "We narrowed the record to <b>three</b> decisions.",
            "commit": change,
            "assignee_id": str(person(db, "wg2-vice").id),
            "action": "draft",
            "back": f"open={posted['keep']}",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{T}?open={posted['keep']}")
    answer = db.scalar(select(Disposition))
    assert answer is not None and answer.released_at is None
    assert answer.commit_id == change

    # A draft is invisible to the participant.
    provider = as_user("provider")
    mine = parse(provider.get("/c/gpai-code/mine").get_data(as_text=True))
    outcome = mine.find(data_testid=f"outcome-{posted['keep']}")
    assert "not answered yet" in outcome.text

    chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": str(posted["keep"]),
            "kind": "partially_accepted",
            "response": "We narrowed the record to <b>three</b> decisions.",
            "commit": change,
            "action": "release",
        },
    )
    mine = parse(provider.get("/c/gpai-code/mine").get_data(as_text=True))
    outcome = mine.find(data_testid=f"outcome-{posted['keep']}")
    assert "Partially accepted" in outcome.text
    assert "<b>three</b>" in outcome.text  # shown as text, never as markup

    # Reworking a released answer: a draft again; the participant keeps
    # seeing what was released.
    chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": str(posted["keep"]),
            "kind": "accepted",
            "response": "Now fully accepted.",
            "commit": change,
            "action": "draft",
        },
    )
    mine = parse(provider.get("/c/gpai-code/mine").get_data(as_text=True))
    assert (
        "Partially accepted" in mine.find(data_testid=f"outcome-{posted['keep']}").text
    )
    history = dispositions.history(db, posted["keep"])
    assert [(h.kind, h.released) for h in history] == [
        (DispositionKind.PARTIAL, False),
        (DispositionKind.PARTIAL, True),
        (DispositionKind.ACCEPTED, False),
    ]
    page = parse(chair.get(f"{T}?open={posted['keep']}").get_data(as_text=True))
    assert "3 changes" in page.find(data_testid="history").text
    assert page.find(data_testid="implemented") is not None
    # The change shows the comment it answers; the table lists it.
    history = parse(chair.get(f"/c/gpai-code/history/{S}?rev=wg/2").get_data(True))
    assert (
        "answers 1 comment" in history.find(data_testid=f"answers-{change[:10]}").text
    )
    found = _ids(parse(chair.get(f"{T}?commit={change}").get_data(as_text=True)))
    assert found == [posted["keep"]]


def test_bulk_answer_and_release(
    as_user: AsUser, db: Session, posted: dict[str, int]
) -> None:
    chair = as_user("wg2-chair")
    token = csrf_token(chair, T)
    picked = [posted["reword"], posted["academic"]]
    response = chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": [str(n) for n in picked],
            "kind": "not_accepted",
            "response": "Audits are out of scope of this section.",
            "action": "draft",
        },
    )
    assert response.status_code == 302
    page = parse(chair.get(f"{T}?answer=draft").get_data(as_text=True))
    assert sorted(_ids(page)) == sorted(picked)
    chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": [str(n) for n in picked],
            "action": "release-only",
        },
    )
    released = dispositions.released(db, picked)
    assert set(released) == set(picked)
    assert (
        db.scalar(select(DispositionRevision.id).where(DispositionRevision.released))
        is not None
    )

    # Releasing a comment with no answer is refused, nothing changes.
    refused = chair.post(
        f"{T}/answer",
        data={
            "csrf_token": token,
            "comment_ids": str(posted["keep"]),
            "action": "release-only",
        },
    )
    assert refused.status_code == 400
    assert posted["keep"] not in dispositions.answers(db, [posted["keep"]])


def test_who_may_answer_and_bad_answers(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    data = dispositions.AnswerInput(DispositionKind.NOTED, "Noted.")
    for key in ("provider", "observer", "wg4-chair", "ai-office"):
        with pytest.raises(PermissionDenied):
            dispositions.answer(
                db, seeded_store, seeded, person(db, key), [posted["keep"]], data
            )
    chair = person(db, "wg2-vice")
    with pytest.raises(PermissionDenied):  # one comment of another WG: none done
        dispositions.answer(
            db, seeded_store, seeded, chair, [posted["keep"], posted["gov"]], data
        )
    # A change of another Working Group's branch does not implement WG2's answer.
    text = seeded_store.read("wg/4", GOV).text
    elsewhere = seeded_store.save(
        "wg/4",
        GOV,
        text + "\nA WG4 change.\n",
        base=seeded_store.resolve("wg/4"),
        author=Person("WG4", "wg4@example.org"),
        message="WG4 only",
    ).commit_id
    for commit, message in (
        (elsewhere, "Not this Working Group"),
        ("0" * 40, "Unknown"),
    ):
        with pytest.raises(ValidationError, match=message):
            dispositions.answer(
                db,
                seeded_store,
                seeded,
                chair,
                [posted["keep"]],
                dispositions.AnswerInput(DispositionKind.NOTED, "x", commit=commit),
            )
    with pytest.raises(ValidationError):
        dispositions.answer(
            db,
            seeded_store,
            seeded,
            chair,
            [posted["keep"]],
            dispositions.AnswerInput(DispositionKind.NOTED, "x" * 10_001),
        )
    with pytest.raises(ValidationError):
        dispositions.answer(
            db, seeded_store, seeded, chair, [posted["keep"]],
            dispositions.AnswerInput(None, ""), release=True,
        )  # fmt: skip
    assert dispositions.answers(db, [posted["keep"]]) == {}


def test_released_answers_go_into_the_record_of_the_next_iteration(
    db: Session, seeded: Code, seeded_store: DraftStore, posted: dict[str, int]
) -> None:
    chair = person(db, "wg2-chair")
    dispositions.answer(
        db,
        seeded_store,
        seeded,
        chair,
        [posted["keep"]],
        dispositions.AnswerInput(DispositionKind.ACCEPTED, "Done in draft-4."),
        release=True,
    )
    dispositions.answer(
        db,
        seeded_store,
        seeded,
        chair,
        [posted["reword"]],
        dispositions.AnswerInput(DispositionKind.NOT_ACCEPTED, "Still a draft."),
    )
    rework_main(seeded_store)
    publishing.publish(
        db,
        seeded_store,
        seeded,
        person(db, "ai-office"),
        publishing.PublishInput(tag="draft-4", notes="Fourth", accept_errors=True),
        tagger=Person("AI Office", "office@example.org"),
    )
    data = dict(seeded_store.files("draft-4"))["reports/draft-3/comments.csv"]
    rows = {
        int(r["Comment"]): r
        for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    }
    assert rows[posted["keep"]]["Disposition"] == "Accepted"
    assert rows[posted["keep"]]["Response"] == "Done in draft-4."
    assert rows[posted["reword"]]["Disposition"] == ""  # drafts stay with the Chairs
    assert rows[posted["reword"]]["Response"] == ""


def test_paging(db: Session, seeded: Code, seeded_store: DraftStore) -> None:
    open_round_on_draft_3(db, seeded)
    text = seeded_store.read("draft-3", S).text
    words = [w for w in set(text.split()) if w.isalpha() and len(w) > 7][:60]
    for n, word in enumerate(words):
        _post(db, seeded_store, seeded, "provider", S, word, f"Comment {n}")
    chair = person(db, "wg2-chair")
    first = triage_service.table(
        db, seeded_store, seeded, chair, triage_service.Filters()
    )
    second = triage_service.table(
        db, seeded_store, seeded, chair, triage_service.Filters(page=2)
    )
    assert first.total == len(words) and first.pages == 2
    assert len(first.rows) == 50 and len(second.rows) == len(words) - 50
    assert not set(first.ids) & set(second.ids)


def test_similar_comments_are_answered_together(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    open_round_on_draft_3(db, seeded)
    letter = (
        "We ask the Chairs to require independent audits of every Safety Margin "
        "by accredited bodies, published in full, so that the public can trust "
        "that margins are not chosen to suit the provider."
    )
    keys = ("provider", "civil-society", "academic")
    ids = [
        _post(db, seeded_store, seeded, key, S, KEEP if n else REWORD, letter + " " * n)
        for n, key in enumerate(keys)
    ]
    alone = _post(db, seeded_store, seeded, "provider", S, DROP, "Short remark.")
    chair = as_user("wg2-chair")
    page = parse(chair.get(f"{T}/similar").get_data(as_text=True))
    [group] = page.find_all(data_testid="group")
    assert "3 comments" in group.text and "3 organisations" in group.text
    link = group.find("a", data_testid="group-open").attrs["href"]
    table = parse(chair.get(link).get_data(as_text=True))
    assert sorted(_ids(table)) == sorted(ids) and alone not in _ids(table)
    detail = parse(chair.get(f"{T}?open={ids[0]}").get_data(as_text=True))
    assert "One of 3 similar comments" in detail.find(data_testid="detail-group").text
    assert as_user("provider").get(f"{T}/similar").status_code == 403
