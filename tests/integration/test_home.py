"""A home for each role on the Code page (issue 13, item 4): the AI Office
sees the process, the coordinating Chair what each Working Group changed and
the failing checks, a Chair their section, the comments awaiting an answer
and what waits in the consolidated text, a participant where they may comment
and why. Both databases, the demo store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Iteration, Role, Round, Visibility, utcnow
from cop_drafts.services import accounts, consistency, home
from cop_drafts.store.repo import DraftStore, Person
from tests.story import S, open_round_on_draft_3, person, post_comment, rework_main

from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
CODE = "/c/gpai-code"
WG4 = "governance.md"


def _home(client: FlaskClient, url: str = CODE) -> Node:
    page = parse(client.get(url).get_data(as_text=True))
    found = page.find("section", data_testid="home")
    assert found is not None
    return found


def _text(node: Node, testid: str) -> str:
    found = node.find(data_testid=testid)
    assert found is not None, testid
    return found.text


def _save_on_wg2(
    store: DraftStore, message: str = "Add a sentence on Safety Margins"
) -> None:
    text = store.read("wg/2", S).text + "\nA sentence the Chairs added.\n"
    store.save(
        "wg/2",
        S,
        text,
        base=store.resolve("wg/2"),
        author=Person("Katarzyna Wielgosz", "wg2-chair@example.org"),
        message=message,
    )


def test_the_ai_office_sees_the_process(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    office = as_user("ai-office")
    before = _home(office)
    assert before.attrs["data-role"] == "office"
    assert "No comment window is open" in _text(before, "home-round")
    assert "has not changed since draft-3" in _text(before, "home-publication")

    round_ = open_round_on_draft_3(db, seeded)
    post_comment(db, seeded_store, seeded, "provider", line=5)
    accounts.invite(
        db,
        person(db, "ai-office"),
        accounts.NewPerson("late@example.org", "Late Comer", Role.PARTICIPANT),
        days=14,
    )
    rework_main(seeded_store)
    before_view = home.time_left(round_.closes_at, utcnow())
    after = _home(office)
    after_view = home.time_left(round_.closes_at, utcnow())
    assert "open until" in _text(after, "home-round")
    assert _text(after, "time-left") in {f"{before_view} left", f"{after_view} left"}
    assert _text(after, "time-left").startswith(("13 days", "14 days"))
    assert _text(after, "comment-total") == "1"
    assert "Working Group 2: 1" in _text(after, "counts-wg")
    assert "General-purpose AI model provider: 1" in _text(after, "counts-category")
    assert _text(after, "pending-invitations") == "1"
    assert _text(after, "to-publish") == "1"
    assert "Rework" in _text(after, "home-publication")


def test_the_coordinator_sees_each_working_group_and_the_checks(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    _save_on_wg2(seeded_store)
    found = _home(as_user("coordinator"))
    assert found.attrs["data-role"] == "coordinator"
    assert "1 change not yet in the consolidated text" in _text(found, "wg-changes-2")
    assert "Add a sentence on Safety Margins" in _text(found, "wg-changes-2")
    assert "nothing new" in _text(found, "wg-changes-1")
    report = consistency.check_report(db, seeded_store, seeded)
    failing = [(r.title, r.count) for r in report.rows if r.count]
    shown = [n.text for n in found.find_all(data_testid="failing-check")]
    assert shown == [f"{t}: {n} finding{'s' if n != 1 else ''}" for t, n in failing]
    if not failing:
        assert found.find(data_testid="checks-pass") is not None


def test_a_chair_sees_their_section_answers_due_and_what_waits(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    open_round_on_draft_3(db, seeded)
    post_comment(db, seeded_store, seeded, "provider", line=5)
    rework_main(seeded_store)
    found = _home(as_user("wg2-chair"))
    assert found.attrs["data-role"] == "chair"
    assert found.find("a", data_testid=f"home-edit-{S}") is not None
    assert found.find("a", data_testid="home-edit-governance.md") is None
    assert "1 comment awaiting an answer" in _text(found, "awaiting-2")
    link = found.find(data_testid="awaiting-2").find("a").attrs["href"]
    assert "answer=none" in link and "wg=2" in link
    assert "has 1 change your working draft does not have yet" in _text(
        found, "waiting-2"
    )


def test_a_participant_is_told_where_and_why(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    closed = _home(as_user("industry"))  # Working Group 4 only; no round yet
    rule = closed.find(data_testid=f"rule-{WG4}")
    assert rule.attrs["data-may"] == "no"
    # One reason for every section: said once, above the list.
    assert "Comments are taken on published iterations" in _text(closed, "rules-reason")

    open_round_on_draft_3(db, seeded)
    post_comment(db, seeded_store, seeded, "industry", path=WG4, line=5)
    found = _home(as_user("industry"))
    assert found.attrs["data-role"] == "participant"
    assert found.find(data_testid=f"rule-{WG4}").attrs["data-may"] == "yes"
    other = found.find(data_testid=f"rule-{S}")
    assert other.attrs["data-may"] == "no"
    assert "Only members of Working Group 2 comment on this section." in other.text
    rules = found.find(data_testid="home-sections").find_all("li")
    assert len(rules) == 6  # every section, their Working Group's first
    assert rules[0].attrs["data-testid"] == f"rule-{WG4}"
    assert "(your Working Group)" in rules[0].text
    assert "Your comments: 1" in _text(found, "own-comments")

    observer = _home(as_user("observer"))  # the round keeps observers to reading
    assert "Observers may read this round but not comment on it." in _text(
        observer, "rules-reason"
    )
    assert observer.find(data_testid=f"rule-{S}").attrs["data-may"] == "no"


def test_working_drafts_in_plain_words_git_under_advanced(
    as_user: AsUser, seeded: Code, seeded_store: DraftStore
) -> None:
    _save_on_wg2(seeded_store)
    page = parse(as_user("provider").get(CODE).get_data(as_text=True))
    drafts = page.find("ul", data_testid="working-drafts")
    line = drafts.find(data_testid="draft-2").text
    assert line.startswith("Working Group 2's working draft: 1 change not yet in")
    assert (
        "everything is in the consolidated text"
        in drafts.find(data_testid="draft-1").text
    )
    table = page.find("table", data_testid="branches")
    holder = table.parent
    while holder.tag != "details":
        holder = holder.parent
    assert "advanced" in holder.attrs["class"].split()
    assert holder.find("summary").text == "Advanced"


def test_sections_changed_since_the_last_visit_are_marked(
    as_user: AsUser, seeded: Code, seeded_store: DraftStore
) -> None:
    provider = as_user("provider")
    assert provider.get(f"{CODE}/s/{S}?rev=main").status_code == 200
    page = parse(provider.get(CODE).get_data(as_text=True))
    assert page.find(data_testid=f"unread-{S}") is None
    rework_main(seeded_store)
    page = parse(provider.get(CODE).get_data(as_text=True))
    mark = page.find(data_testid=f"unread-{S}")
    assert mark is not None and mark.text == "changed since your last visit"
    assert page.find(data_testid="unread-governance.md") is None


def test_section_banner_says_why_and_that_the_current_window_is_open(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    open_round_on_draft_3(db, seeded)
    draft_2 = db.scalar(select(Iteration).where(Iteration.tag == "draft-2"))
    now = utcnow()
    db.add(
        Round(
            code_id=seeded.id,
            tag="draft-2",
            commit_id=draft_2.commit_id,
            plenary_at=now - timedelta(days=60),
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=46),
            visibility=Visibility.WORKING_GROUP,
        )
    )
    db.commit()
    industry = as_user("industry")
    banner = parse(
        industry.get(f"{CODE}/s/{S}?rev=draft-3").get_data(as_text=True)
    ).find(data_testid="window")
    assert "Only members of Working Group 2 comment on this section." in _text(
        banner, "why-not"
    )
    older = parse(industry.get(f"{CODE}/s/{S}?rev=draft-2").get_data(as_text=True))
    said = _text(older.find(data_testid="window"), "next-window")
    assert said.startswith("The comment window on draft-3 is open until")
    assert "opens" not in said


def test_time_left_reads_like_people_say_it() -> None:
    now = utcnow()
    assert home.time_left(now + timedelta(days=3, hours=4, minutes=5), now) == (
        "3 days 4 hours"
    )
    assert home.time_left(now + timedelta(hours=1, minutes=1), now) == (
        "1 hour 1 minute"
    )
    assert home.time_left(now + timedelta(seconds=20), now) == "less than a minute"
    assert home.time_left(now - timedelta(days=1), now) == "less than a minute"


def test_the_version_shown_is_named_in_plain_words(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("wg2-chair")
    commit = seeded_store.resolve("draft-1")
    for rev, words in [
        ("wg/2", "Working Group 2's working draft"),
        ("main", "the consolidated text"),
        ("draft-2", "draft-2"),
        (commit, "draft-1"),
        (seeded_store.history("main", S)[0].commit_id, "an earlier version"),
    ]:
        page = parse(client.get(f"{CODE}?rev={rev}").get_data(as_text=True))
        assert page.find(data_testid="version-label").text == words, rev


def test_the_apps_own_messages_name_drafts_plainly(
    as_user: AsUser, seeded: Code, seeded_store: DraftStore
) -> None:
    _save_on_wg2(seeded_store, "Bring main into wg/2")
    page = parse(as_user("coordinator").get(CODE).get_data(as_text=True))
    said = page.find(data_testid="wg-changes-2").text
    assert "Bring the consolidated text into Working Group 2's working draft" in said
    line = page.find(data_testid="draft-2").text
    assert "wg/2" not in line and "main" not in line
