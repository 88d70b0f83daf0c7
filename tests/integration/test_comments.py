"""Comments, rounds and re-anchoring through the views, on the demo store."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    AuditEvent,
    Code,
    Comment,
    CommentRevision,
    Relocation,
    Round,
    Visibility,
    utcnow,
)
from cop_drafts.db.session import make_engine, make_sessionmaker
from cop_drafts.services import accounts, demo, reanchor, rounds
from cop_drafts.store.repo import DraftStore, Person
from tests.conftest import csrf_token
from tests.story import DROP, KEEP, REWORD, publish_through_form, rework_main

from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
S = "risk-assessment.md"
PAGE = f"/c/gpai-code/s/{S}"


def _user(db: Session, key: str):
    user = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert user is not None
    return user


@pytest.fixture
def open_round(db: Session, seeded: Code) -> Callable[..., Round]:
    def make(tag: str = "draft-3", hours_ago: int = 1, **options) -> Round:
        return rounds.open_round(
            db,
            seeded,
            _user(db, "ai-office"),
            rounds.RoundInput(
                tag=tag,
                plenary_at=utcnow() - timedelta(hours=hours_ago),
                visibility=options.get("visibility", Visibility.WORKING_GROUP),
                observers_may_comment=options.get("observers", False),
                closes_at=options.get("closes_at"),
            ),
        )

    return make


def _line_of(store: DraftStore, rev: str, needle: str) -> int:
    text = store.read(rev, S).text
    return text[: text.index(needle)].count("\n") + 1


def _post(
    client: FlaskClient,
    store: DraftStore,
    quote: str,
    body: str = "A comment.",
    rev: str = "draft-3",
    token: str | None = None,
    **extra,
):
    line = _line_of(store, rev, quote) if "line_start" not in extra else None
    data = {
        "path": S,
        "rev": rev,
        "body": body,
        "quote": quote,
        "kind": "comment",
        "line_start": line,
        "line_end": line,
        "client_token": token or uuid.uuid4().hex,
        "csrf_token": csrf_token(client, f"{PAGE}?rev={rev}"),
    }
    data.update(extra)
    return client.post(
        "/c/gpai-code/comments", data={k: v for k, v in data.items() if v is not None}
    )


def _publish_draft_4(office: FlaskClient):
    """The AI Office publishes main as draft-4 through the form; the last
    response (the confirmation, or the review when it offers none)."""
    review, confirm = publish_through_form(office)
    return confirm or review


def _threads(client: FlaskClient, rev: str = "draft-3", query: str = "") -> list[Node]:
    html = client.get(f"{PAGE}?rev={rev}{query}").get_data(as_text=True)
    margin = parse(html).find("aside", data_testid="margin")
    return margin.find_all("article", data_testid="thread") if margin else []


QUOTE = "Signatories shall record each decision taken under this Measure"


def test_participant_comments_on_a_passage(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    client = as_user("provider")
    response = _post(
        client,
        seeded_store,
        QUOTE,
        "Please define *decision*.",
        proposed_text="each decision to proceed or halt",
    )
    assert response.status_code == 302
    comment = db.scalar(select(Comment))
    assert comment.anchor["quote"] == QUOTE
    assert comment.line_start == _line_of(seeded_store, "draft-3", QUOTE)
    assert response.headers["Location"].endswith(f"#c{comment.id}")
    [thread] = _threads(client)
    assert thread.attrs["data-quote"] == QUOTE
    assert thread.find(data_testid="comment-body").find("em").text == "decision"
    assert "each decision to proceed or halt" in thread.find(class_="proposed").text
    assert (
        db.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "comment.create")
        )
        is not None
    )


def test_selection_across_markup_is_found_in_the_source(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    text = seeded_store.read("draft-3", S).text
    line = _line_of(seeded_store, "draft-3", "**Explanatory note.**")
    rendered = "Explanatory note. The assessment described here is iterative."
    response = _post(
        as_user("provider"), seeded_store, rendered, line_start=line, line_end=line
    )
    assert response.status_code == 302
    anchor = db.scalar(select(Comment)).anchor
    assert text[anchor["start"] : anchor["end"]].startswith("Explanatory note.**")
    assert anchor["quote"].endswith("is iterative.")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"body": "   "}, "Write something first"),
        ({"body": "x" * 20_001}, "At most 20,000 characters"),
        ({"line_start": 9999, "line_end": 9999}, "outside the text"),
        ({"line_start": 5, "line_end": 3}, "outside the text"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_written(
    as_user: AsUser,
    open_round,
    seeded_store: DraftStore,
    db: Session,
    extra: dict,
    message: str,
) -> None:
    open_round()
    response = _post(as_user("provider"), seeded_store, QUOTE, **extra)
    assert response.status_code == 400
    assert message in parse(response.get_data(as_text=True)).text
    assert db.scalar(select(func.count()).select_from(Comment)) == 0


def test_missing_lines_unknown_path_and_other_versions(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    client = as_user("provider")
    no_lines = _post(client, seeded_store, "", line_start="", line_end="")
    assert no_lines.status_code == 400
    assert _post(client, seeded_store, QUOTE, path="nope.md").status_code == 404
    # draft-2 has no round: comments are refused there, with the reason.
    old = _post(client, seeded_store, QUOTE, rev="draft-2")
    assert old.status_code == 403
    assert (
        "Comments are taken on published iterations"
        in parse(old.get_data(as_text=True)).text
    )
    # A working branch that moved past the iteration takes no comments.
    seeded_store.save(
        "wg/2",
        S,
        seeded_store.read("wg/2", S).text + "More.\n",
        base=seeded_store.resolve("wg/2"),
        author=Person("Chair", "c@example.org"),
        message="More",
    )
    assert _post(client, seeded_store, QUOTE, rev="wg/2").status_code == 403
    assert db.scalar(select(func.count()).select_from(Comment)) == 0


def test_who_may_comment(as_user: AsUser, open_round, seeded_store: DraftStore) -> None:
    open_round()
    assert _post(as_user("industry"), seeded_store, QUOTE).status_code == 403  # WG4
    denied = _post(as_user("observer"), seeded_store, QUOTE)
    assert denied.status_code == 403
    assert "Observers may read" in parse(denied.get_data(as_text=True)).text
    assert _post(as_user("academic"), seeded_store, QUOTE).status_code == 302
    assert _post(as_user("wg2-vice"), seeded_store, QUOTE).status_code == 302


def test_observers_comment_where_the_round_allows(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round(observers=True)
    assert _post(as_user("observer"), seeded_store, QUOTE).status_code == 302


def test_closed_window_refuses_but_chairs_write_notes(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round(hours_ago=24 * 20)
    closed = _post(as_user("provider"), seeded_store, QUOTE)
    assert closed.status_code == 403
    assert "closed on" in parse(closed.get_data(as_text=True)).text
    chair = as_user("wg2-chair")
    assert (
        _post(
            chair, seeded_store, QUOTE, "Internal: merge with 2.3.3.", kind="note"
        ).status_code
        == 302
    )
    assert (
        _post(as_user("provider"), seeded_store, QUOTE, kind="note").status_code == 403
    )
    note = db.scalar(select(Comment))
    assert note.kind == "note" and note.as_chair
    assert [t.attrs["id"] for t in _threads(chair)] == [f"c{note.id}"]
    assert _threads(as_user("provider")) == []
    banner = parse(
        as_user("provider").get(f"{PAGE}?rev=draft-3").get_data(as_text=True)
    ).find(data_testid="window")
    assert "closed on" in banner.text


def test_upcoming_window_says_when_it_opens(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round(hours_ago=-48)
    response = _post(as_user("provider"), seeded_store, QUOTE)
    assert response.status_code == 403
    assert "opens on" in parse(response.get_data(as_text=True)).text


def test_double_submission_stores_one_comment(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    client = as_user("provider")
    first = _post(client, seeded_store, QUOTE, token="same-token-123")
    second = _post(client, seeded_store, QUOTE, token="same-token-123")
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Comment)) == 1
    comment = db.scalar(select(Comment))
    reply_to = f"/c/gpai-code/comments/{comment.id}/replies"
    other = as_user("academic")
    replies = [
        other.post(
            reply_to,
            data={
                "body": "Agreed.",
                "client_token": "reply-token-456",
                "rev": "draft-3",
                "csrf_token": csrf_token(other, f"{PAGE}?rev=draft-3"),
            },
        )
        for _ in range(2)
    ]
    assert replies[0].status_code == replies[1].status_code == 302
    assert replies[0].headers["Location"] == replies[1].headers["Location"]
    assert db.scalar(select(func.count()).select_from(Comment)) == 2
    # The answer to the first attempt was lost and the window has closed
    # since: the retry is told its comment is stored, not that it is late.
    round_ = db.scalar(select(Round))
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.commit()
    late = _post(client, seeded_store, QUOTE, token="same-token-123")
    assert late.headers["Location"] == first.headers["Location"]
    assert _post(client, seeded_store, QUOTE).status_code == 403
    assert db.scalar(select(func.count()).select_from(Comment)) == 2


def test_posts_whose_pages_are_never_opened_do_not_grow_the_session(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    # A script or a second tab posts without opening the page each post leads
    # to: the messages waiting for that page must not pile up in the signed
    # cookie (past 4 KB a browser drops it, and its owner is logged out).
    open_round()
    client = as_user("provider")
    line = _line_of(seeded_store, "draft-3", QUOTE)
    form = {"path": S, "rev": "draft-3", "quote": QUOTE, "kind": "comment"}
    form |= {"line_start": line, "line_end": line}
    form["csrf_token"] = csrf_token(client, f"{PAGE}?rev=draft-3")
    sizes = []
    for n in range(30):
        form |= {"body": f"Comment {n}.", "client_token": uuid.uuid4().hex}
        assert client.post("/c/gpai-code/comments", data=form).status_code == 302
        cookie = client.get_cookie("session")
        assert cookie is not None
        sizes.append(len(cookie.value))
    assert max(sizes) < 1000 and sizes[-1] == sizes[5]
    page = parse(client.get(f"{PAGE}?rev=draft-3").get_data(as_text=True))
    assert page.text.count("Your comment is saved.") == 1


def test_replies_edits_history_and_withdrawal(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    author, other, chair = (
        as_user("provider"),
        as_user("academic"),
        as_user("wg2-chair"),
    )
    _post(author, seeded_store, QUOTE, "First text.")
    comment = db.scalar(select(Comment))
    base = f"/c/gpai-code/comments/{comment.id}"
    for client, body in ((other, "I agree."), (chair, "Noted by the Chairs.")):
        response = client.post(
            f"{base}/replies",
            data={
                "body": body,
                "client_token": uuid.uuid4().hex,
                "rev": "draft-3",
                "csrf_token": csrf_token(client, f"{PAGE}?rev=draft-3"),
            },
        )
        assert response.status_code == 302
    [thread] = _threads(author)
    replies = thread.find("ol", class_="replies").find_all("li")
    assert [r.find(data_testid="comment-body").text for r in replies] == [
        "I agree.",
        "Noted by the Chairs.",
    ]
    assert replies[1].find(class_="chair") is not None
    assert replies[0].find(class_="chair") is None

    token = csrf_token(other, f"{PAGE}?rev=draft-3")
    assert (
        other.post(
            f"{base}/edit", data={"body": "Hijack", "csrf_token": token}
        ).status_code
        == 403
    )
    assert other.post(f"{base}/withdraw", data={"csrf_token": token}).status_code == 403

    token = csrf_token(author, f"{PAGE}?rev=draft-3")
    assert (
        author.post(
            f"{base}/edit",
            data={"body": "Second text.", "csrf_token": token, "rev": "draft-3"},
        ).status_code
        == 302
    )
    db.expire_all()
    assert db.get(Comment, comment.id).body == "Second text."
    assert [r.body for r in db.scalars(select(CommentRevision))] == ["First text."]
    [thread] = _threads(author)
    assert "First text." in thread.find("details", class_="revisions").text

    assert (
        author.post(f"{base}/withdraw", data={"csrf_token": token}).status_code == 302
    )
    assert _threads(author) == []
    assert len(_threads(author, query="&status=withdrawn")) == 1
    assert (
        author.post(f"{base}/edit", data={"body": "x", "csrf_token": token}).status_code
        == 400
    )


def test_chairs_only_round_hides_others_comments(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round(visibility=Visibility.CHAIRS)
    _post(as_user("provider"), seeded_store, QUOTE, "From a provider.")
    _post(as_user("civil-society"), seeded_store, QUOTE, "From civil society.")
    assert len(_threads(as_user("provider"))) == 1
    chair_view = _threads(as_user("wg2-chair"))
    assert len(chair_view) == 2
    details = chair_view[0].find(class_="who-detail").text
    assert "Northwind Models SE" in details
    assert "General-purpose AI model provider" in details


def test_filters_mine_and_category(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round()
    _post(as_user("provider"), seeded_store, QUOTE, "Provider view.")
    _post(as_user("civil-society"), seeded_store, QUOTE, "Civil society view.")
    chair = as_user("wg2-chair")
    assert len(_threads(chair)) == 2
    only = _threads(chair, query="&category=civil_society")
    assert [t.find(data_testid="comment-body").text for t in only] == [
        "Civil society view."
    ]
    mine = _threads(as_user("provider"), query="&mine=1")
    assert [t.find(data_testid="comment-body").text for t in mine] == ["Provider view."]


def test_comment_markdown_is_inert(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round()
    evil = (
        "<script>alert(1)</script> [x](javascript:alert(2)) "
        "<img src=x onerror=alert(3)> **ok**"
    )
    _post(as_user("provider"), seeded_store, QUOTE, evil)
    [thread] = _threads(as_user("wg2-chair"))
    body = thread.find(data_testid="comment-body")
    assert body.find("script") is None and body.find("img") is None
    assert all(
        not a.attrs.get("href", "").startswith("javascript") for a in body.find_all("a")
    )
    assert body.find("strong").text == "ok"


def test_publishing_carries_comments_exact_fuzzy_orphaned(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    client = as_user("provider")
    for quote in (KEEP, REWORD, DROP):
        assert _post(client, seeded_store, quote, f"On: {quote}").status_code == 302
    rework_main(seeded_store)

    office = as_user("ai-office")
    form = parse(office.get("/c/gpai-code/publish").get_data(as_text=True))
    assert form.find(data_testid="publish-form") is not None
    response = _publish_draft_4(office)
    assert response.status_code == 302
    statuses = {r.quote or "": r.status for r in db.scalars(select(Relocation))}
    assert sorted(statuses.values()) == ["exact", "fuzzy", "orphaned"]
    assert db.scalar(select(func.count()).select_from(Relocation)) == 3

    html = client.get(f"{PAGE}?rev=draft-4").get_data(as_text=True)
    margin = parse(html).find("aside", data_testid="margin")
    placed = margin.find("div", data_testid="threads").find_all(
        "article", data_testid="thread"
    )
    landing = {t.attrs["data-landing"]: t for t in placed}
    assert set(landing) == {"exact", "fuzzy"}
    assert landing["fuzzy"].find(data_testid="old-quote").text.startswith(REWORD)
    removed = margin.find("details", data_testid="removed")
    [orphan] = removed.find_all("article", data_testid="thread")
    assert DROP in orphan.find(data_testid="old-quote").text
    links = [a.attrs.get("href", "") for a in orphan.find_all("a")]
    assert any("rev=draft-3" in href for href in links)
    # Published once: viewing again creates nothing new.
    client.get(f"{PAGE}?rev=draft-4")
    assert db.scalar(select(func.count()).select_from(Relocation)) == 3


def test_two_readers_carrying_the_same_late_comments_store_each_once(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session, db_url: str
) -> None:
    # A Chair's note written on draft-3 after draft-4 is out is carried to
    # draft-4 by the first reader of draft-4. Two readers at the same moment
    # both find it pending and both store where it landed: the second must
    # write nothing rather than fail its page on the unique landing.
    open_round()
    rework_main(seeded_store)
    assert _publish_draft_4(as_user("ai-office")).status_code == 302
    chair = as_user("wg2-chair")
    assert (
        _post(chair, seeded_store, KEEP, "Late note.", kind="note").status_code == 302
    )
    code = db.scalar(select(Code))
    draft_4 = seeded_store.resolve("draft-4")
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as first, make_sessionmaker(engine)() as second:
        found = reanchor.carry(first, seeded_store, first.get(Code, code.id), draft_4)
        assert len(found) == 1
        reanchor.reanchor(
            second, seeded_store, second.get(Code, code.id), draft_4, "draft-4"
        )
        reanchor.record(first, found, draft_4, "draft-4")
        first.commit()
    engine.dispose()
    landed = select(func.count()).where(Relocation.commit_id == draft_4)
    assert db.scalar(landed) == 1
    [thread] = _threads(chair, rev="draft-4")
    assert thread.attrs["data-landing"] == "exact"


def test_comments_land_on_a_working_branch_on_the_fly(
    as_user: AsUser, open_round, seeded_store: DraftStore, db: Session
) -> None:
    open_round()
    _post(as_user("provider"), seeded_store, QUOTE)
    text = "New first paragraph.\n\n" + seeded_store.read("wg/2", S).text
    seeded_store.save(
        "wg/2",
        S,
        text,
        base=seeded_store.resolve("wg/2"),
        author=Person("Chair", "c@example.org"),
        message="Prepend",
    )
    [thread] = _threads(as_user("wg2-chair"), rev="wg/2")
    assert thread.attrs["data-landing"] == "exact"
    assert int(thread.attrs["data-line-start"]) == _line_of(seeded_store, "wg/2", QUOTE)
    assert db.scalar(select(func.count()).select_from(Relocation)) == 0


def test_rounds_are_opened_and_extended_by_the_ai_office(
    as_user: AsUser, db: Session
) -> None:
    office = as_user("ai-office")
    token = csrf_token(office, "/c/gpai-code/rounds")
    response = office.post(
        "/c/gpai-code/rounds",
        data={
            "tag": "draft-3",
            "plenary_at": "2026-12-01T10:00",
            "closes_at": "",
            "visibility": "working_group",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    round_ = db.scalar(select(Round))
    closes = round_.closes_at.astimezone(ZoneInfo("Europe/Brussels"))
    assert (closes.year, closes.month, closes.day, closes.hour) == (2026, 12, 15, 18)
    assert round_.closes_at.tzinfo is not None
    assert round_.closes_at.astimezone(UTC).hour == 17  # CET is UTC+1 in December
    again = office.post(
        "/c/gpai-code/rounds",
        data={
            "tag": "draft-3",
            "plenary_at": "2026-12-01T10:00",
            "visibility": "working_group",
            "csrf_token": token,
        },
    )
    assert again.status_code == 400
    earlier = office.post(
        f"/c/gpai-code/rounds/{round_.id}/extend",
        data={"closes_at": "2026-12-10T18:00", "csrf_token": token},
    )
    assert earlier.status_code == 400
    later = office.post(
        f"/c/gpai-code/rounds/{round_.id}/extend",
        data={"closes_at": "2026-12-22T18:00", "csrf_token": token},
    )
    assert later.status_code == 302
    db.expire_all()
    assert (
        db.get(Round, round_.id).closes_at.astimezone(ZoneInfo("Europe/Brussels")).day
        == 22
    )
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"round.open", "round.extend"} <= actions


def test_default_close_across_daylight_saving() -> None:
    plenary = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # closes after the switch
    closes = rounds.default_close(plenary)
    assert closes.astimezone(ZoneInfo("Europe/Brussels")).hour == 18
    assert closes == datetime(2026, 11, 3, 17, 0, tzinfo=UTC)


def test_code_wide_list_with_working_group_filter(
    as_user: AsUser, open_round, seeded_store: DraftStore
) -> None:
    open_round()
    _post(as_user("provider"), seeded_store, QUOTE, "On WG2.")
    mitigation = "Signatories shall ensure that the actions of Agentic Systems"
    text = seeded_store.read("draft-3", "risk-mitigation.md").text
    line = text[: text.index(mitigation)].count("\n") + 1
    client = as_user("provider")
    response = client.post(
        "/c/gpai-code/comments",
        data={
            "path": "risk-mitigation.md",
            "rev": "draft-3",
            "body": "On WG3.",
            "quote": mitigation,
            "line_start": line,
            "line_end": line,
            "kind": "comment",
            "client_token": uuid.uuid4().hex,
            "csrf_token": csrf_token(client, f"{PAGE}?rev=draft-3"),
        },
    )
    assert response.status_code == 302
    chair = as_user("coordinator")  # sees every Working Group

    def listed(query: str = "") -> dict[str, int]:
        page = parse(
            chair.get(f"/c/gpai-code/comments?rev=draft-3{query}").get_data(
                as_text=True
            )
        )
        return {
            s.attrs["data-path"]: len(s.find_all("tr", data_testid="listed"))
            for s in page.find_all("section", data_testid="section-comments")
        }

    everything = listed()
    assert everything[S] == 1 and everything["risk-mitigation.md"] == 1
    assert listed("&wg=3") == {"risk-mitigation.md": 1}
    # A Chair of Working Group 2 does not see Working Group 3's comments,
    # and the list says why instead of "No comments".
    chair = as_user("wg2-chair")
    assert listed()["risk-mitigation.md"] == 0
    page = parse(chair.get("/c/gpai-code/comments?rev=draft-3").get_data(as_text=True))
    hidden = {
        s.attrs["data-path"]
        for s in page.find_all("section", data_testid="section-comments")
        if s.find(data_testid="not-readable") is not None
    }
    assert hidden == {
        "transparency-copyright.md",
        "risk-mitigation.md",
        "governance.md",
    }


def test_checks_set_to_block_stop_publishing(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    from cop_drafts.services import consistency

    consistency.set_blocking(db, seeded, _user(db, "coordinator"), {"leftover-marker"})
    office = as_user("ai-office")
    page = parse(office.get("/c/gpai-code/publish").get_data(as_text=True))
    assert page.find(data_testid="blocking") is not None
    response = _publish_draft_4(office)
    reasons = parse(response.get_data(as_text=True)).find(data_testid="reasons")
    assert reasons is not None and "TODO" in reasons.text
    assert db.scalar(select(func.count()).select_from(Relocation)) == 0
