"""Last visits: a signed-in reader's view of a section is recorded by one
upsert, never fails the page, and later changes on the text they read mark
the section unread (on SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.app.web import db_session
from cop_drafts.db.models import Code, SectionVisit, User
from cop_drafts.services import visits
from cop_drafts.services.demo import DOMAIN
from cop_drafts.store.repo import DraftStore, Person
from tests.integration.html import parse

AsUser = Callable[[str | None], FlaskClient]
C = "/c/gpai-code"
SECTION = "risk-assessment.md"
OTHER = "transparency-copyright.md"
AUTHOR = Person("Test Author", "author@example.org")


def _user(db: Session, key: str) -> User:
    user = db.scalar(select(User).where(User.email == f"{key}@{DOMAIN}"))
    assert user is not None
    return user


def _edit(store: DraftStore, branch: str, path: str, words: str) -> str:
    head = store.resolve(branch)
    text = store.read(head, path).text + f"\n{words}\n"
    return store.save(
        branch, path, text, base=head, author=AUTHOR, message=words
    ).commit_id


def test_a_change_on_the_text_read_marks_the_section_unread_until_read_again(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    reader = as_user("provider")
    user = _user(db, "provider")
    assert reader.get(f"{C}/s/{SECTION}?rev=main").status_code == 200
    assert reader.get(f"{C}/s/{OTHER}?rev=main").status_code == 200
    db.expire_all()
    assert visits.unread_paths(db, user, seeded, seeded_store) == set()
    read = visits.find_visit(db, user, seeded, SECTION)
    assert read is not None and read.rev == "main" and read.before_commit_id is None

    _edit(seeded_store, "main", SECTION, "A sentence added after the visit.")
    _edit(seeded_store, "wg/1", OTHER, "Not on the text this reader read.")
    assert visits.unread_paths(db, user, seeded, seeded_store) == {SECTION}

    assert reader.get(f"{C}/s/{SECTION}?rev=main").status_code == 200
    db.expire_all()
    assert visits.unread_paths(db, user, seeded, seeded_store) == set()
    again = visits.find_visit(db, user, seeded, SECTION)
    assert again is not None and again.before_commit_id == read.commit_id
    # "Since my last visit" compares with the text read before this one.
    assert visits.since_commit(again, again.blob_id) == read.commit_id
    # One row per person and section: the second visit updated the first.
    rows = db.scalar(
        select(func.count())
        .select_from(SectionVisit)
        .where(SectionVisit.user_id == user.id)
    )
    assert rows == 2


def test_the_section_says_it_changed_since_the_last_reading(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    reader = as_user("provider")
    url = f"{C}/s/{SECTION}?rev=main"
    read = seeded_store.resolve("main")
    first = parse(reader.get(url).get_data(as_text=True))
    assert first.find(data_testid="since-visit") is None  # a first visit
    _edit(seeded_store, "main", SECTION, "A sentence added after the visit.")
    again = parse(reader.get(url).get_data(as_text=True))
    note = again.find(data_testid="since-visit")
    assert note is not None and "changed since you last read it" in note.text
    link = note.find("a").attrs["href"]
    assert link == f"{C}/changes/{SECTION}?from={read}&to=main"
    assert "added after the visit" in reader.get(link).get_data(as_text=True)
    # Read now: the next view has nothing new to say, nor has an older draft.
    for later in (url, f"{C}/s/{SECTION}?rev=draft-1"):
        tree = parse(reader.get(later).get_data(as_text=True))
        assert tree.find(data_testid="since-visit") is None, later


def test_a_published_draft_read_follows_the_newest_published_draft(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    reader = as_user("provider")
    user = _user(db, "provider")
    assert reader.get(f"{C}/s/{SECTION}?rev=draft-2").status_code == 200
    db.expire_all()
    # draft-3 rewrote the section since draft-2: unread until read there.
    assert visits.unread_paths(db, user, seeded, seeded_store) == {SECTION}
    assert reader.get(f"{C}/s/{SECTION}").status_code == 200
    db.expire_all()
    assert visits.unread_paths(db, user, seeded, seeded_store) == set()


def test_public_visitors_leave_no_trace(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    from cop_drafts.db.models import Iteration

    for it in db.scalars(select(Iteration)):
        it.is_public = True
    db.commit()
    assert as_user(None).get(f"{C}/s/{SECTION}").status_code == 200
    assert db.scalar(select(func.count()).select_from(SectionVisit)) == 0


def test_a_visit_not_written_never_fails_and_leaves_the_session_usable(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    ghost = User(id=999_999, email="ghost@example.org", name="Ghost", role="observer")
    head = seeded_store.resolve("main")
    # No such user row: the foreign key refuses it; no such file: no blob.
    assert not visits.record(
        db, seeded_store, ghost, seeded, SECTION, rev="main", commit_id=head
    )
    assert not visits.record(
        db,
        seeded_store,
        _user(db, "provider"),
        seeded,
        "no-such.md",
        rev="main",
        commit_id=head,
    )
    user = _user(db, "provider")
    assert visits.record(
        db, seeded_store, user, seeded, SECTION, rev="main", commit_id=head
    )
    assert visits.record(
        db, seeded_store, user, seeded, SECTION, rev="main", commit_id=head
    )
    assert db.scalar(select(func.count()).select_from(SectionVisit)) == 1


def test_a_reload_writes_nothing_a_new_text_moves_the_visit(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    user = _user(db, "provider")
    draft3, head = seeded_store.resolve("draft-3"), seeded_store.resolve("main")

    def read(rev: str, commit_id: str) -> SectionVisit:
        assert visits.record(
            db, seeded_store, user, seeded, SECTION, rev=rev, commit_id=commit_id
        )
        db.expire_all()
        row = db.scalar(select(SectionVisit))
        assert row is not None
        return row

    draft2 = seeded_store.resolve("draft-2")
    stamp = read("draft-2", draft2).visited_at
    assert read("draft-2", draft2).visited_at == stamp  # a reload
    moved = read("draft-3", draft3)
    assert (moved.rev, moved.commit_id) == ("draft-3", draft3)
    assert moved.visited_at > stamp
    assert moved.before_commit_id == draft2
    # The same words under another name (main is draft-3 here): the text read
    # before stays the one before the last change seen.
    same_words = read("main", head)
    assert same_words.rev == "main"
    assert same_words.before_commit_id == draft2


def test_unread_paths_after_a_visit_through_a_request(
    app: Flask, as_user: AsUser, seeded: Code, seeded_store: DraftStore
) -> None:
    assert as_user("provider").get(f"{C}/s/{SECTION}?rev=main").status_code == 200
    _edit(seeded_store, "main", SECTION, "Changed after the visit.")
    with app.test_request_context("/"):
        db = db_session()
        user = _user(db, "provider")
        code = db.get(Code, seeded.id)
        assert code is not None
        assert visits.unread_paths(db, user, code, seeded_store) == {SECTION}
        assert visits.unread_paths(db, None, code, seeded_store) == set()


def test_a_locked_sqlite_database_delays_a_page_view_by_half_a_second_at_most(
    db_url: str, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    user = _user(db, "provider")
    head = seeded_store.resolve("main")
    db.commit()
    holder = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer holding the lock
    try:
        started = time.monotonic()
        written = visits.record(
            db, seeded_store, user, seeded, SECTION, rev="main", commit_id=head
        )
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not written and waited < 3, waited
    # The connection waits as long as before for everyone else.
    assert db.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    assert visits.record(
        db, seeded_store, user, seeded, SECTION, rev="main", commit_id=head
    )
