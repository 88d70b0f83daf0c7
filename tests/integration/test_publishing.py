"""Publishing as a deliberate step: review, confirm by name, one round open at a
time, two publishers at once make one iteration, the record in the tag."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    CommentKind,
    Iteration,
    Relocation,
    Round,
    Visibility,
    utcnow,
)
from cop_drafts.db.session import make_engine, make_sessionmaker
from cop_drafts.services import (
    accounts,
    codes,
    comments,
    demo,
    exports,
    publishing,
    rounds,
)
from cop_drafts.services.errors import ValidationError
from cop_drafts.store.errors import StaleBase
from cop_drafts.store.repo import DraftStore, Person
from tests.conftest import csrf_token
from tests.story import (
    DROP,
    KEEP,
    REWORD,
    S,
    confirm_fields,
    open_round_on_draft_3,
    publish_through_form,
    rework_main,
)

from .faults import inserts_refused
from .html import parse

AsUser = Callable[[str | None], FlaskClient]


def _user(db: Session, key: str):
    user = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert user is not None
    return user


def _comment(db: Session, store: DraftStore, code: Code, key: str, quote: str) -> int:
    text = store.read("draft-3", S).text
    line = text.count("\n", 0, text.index(quote)) + 1
    comment = comments.post(
        db,
        store,
        code,
        _user(db, key),
        comments.NewComment(
            path=S,
            rev="draft-3",
            body=f'On *{quote[:20]}*: =HYPERLINK("http://x")',
            proposed_text=None,
            line_start=line,
            line_end=line,
            quote=quote,
            kind=CommentKind.COMMENT,
            client_token=f"t-{key}-{len(quote)}",
        ),
    )
    return comment.id


def test_publishing_is_reviewed_then_confirmed_by_name(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    rework_main(seeded_store)
    office = as_user("ai-office")
    form = parse(office.get("/c/gpai-code/publish").get_data(as_text=True))
    assert form.find("input", name="tag").attrs["value"] == "draft-4"

    review = office.post(
        "/c/gpai-code/publish",
        data={
            "tag": "draft-4",
            "notes": "Fourth draft: <b>bold</b> claims",
            "csrf_token": csrf_token(office, "/c/gpai-code/publish"),
        },
    )
    assert review.status_code == 200
    page = parse(review.get_data(as_text=True))
    assert page.find(data_testid="review-tag").text == "draft-4"
    assert page.find(data_testid="reasons") is None
    assert "1 of 6 sections changed" in page.find(data_testid="change-summary").text
    button = page.find("button", data_testid="confirm")
    assert button.text == "Publish draft-4: this cannot be undone"
    assert "disabled" not in button.attrs
    # Nothing is published by the review.
    assert "draft-4" not in [t.name for t in seeded_store.tags()]

    fields = confirm_fields(review.get_data(as_text=True))
    assert fields is not None and fields["base"] == seeded_store.resolve("main")
    done = office.post("/c/gpai-code/publish/confirm", data=fields)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/c/gpai-code/iterations/draft-4")
    iteration = db.scalar(select(Iteration).where(Iteration.tag == "draft-4"))
    assert iteration is not None
    assert iteration.notes == "Fourth draft: <b>bold</b> claims"
    assert iteration.published_by_id == _user(db, "ai-office").id
    tag = next(t for t in seeded_store.tags() if t.name == "draft-4")
    assert tag.commit_id == iteration.commit_id == seeded_store.resolve("main")
    assert tag.message.strip() == iteration.notes

    # The iteration page escapes the notes and names the publisher.
    shown = parse(office.get(done.headers["Location"]).get_data(as_text=True))
    assert shown.find(data_testid="notes").text == "Fourth draft: <b>bold</b> claims"
    assert shown.find(data_testid="iteration-name").text == "draft-4"


def test_nothing_changed_bad_names_and_taken_names_are_refused(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    office = as_user("ai-office")
    review, confirm = publish_through_form(office)
    assert confirm is None
    reasons = parse(review.get_data(as_text=True)).find(data_testid="reasons")
    assert "Nothing changed" in reasons.text

    rework_main(seeded_store)
    for tag, message in (
        ("Draft 4", "lower-case letters"),
        ("draft-2", "published already"),
        ("main", "lower-case letters"),
        ("0123abcd", "lower-case letters"),
    ):
        review, confirm = publish_through_form(office, tag=tag)
        assert confirm is None and review.status_code == 400, tag
        assert message in parse(review.get_data(as_text=True)).text, tag
    assert db.scalar(select(func.count()).select_from(Iteration)) == 3


def test_confirming_after_main_moved_publishes_nothing(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    rework_main(seeded_store)
    office = as_user("coordinator")
    review = office.post(
        "/c/gpai-code/publish",
        data={
            "tag": "draft-4",
            "notes": "Fourth",
            "csrf_token": csrf_token(office, "/c/gpai-code/publish"),
        },
    )
    fields = confirm_fields(review.get_data(as_text=True))
    assert fields is not None
    text = seeded_store.read("main", S).text
    seeded_store.save(
        "main",
        S,
        text + "\nA late change.\n",
        base=seeded_store.resolve("main"),
        author=Person("Coordinator", "c@example.org"),
        message="Late change",
    )
    response = office.post("/c/gpai-code/publish/confirm", data=fields)
    assert response.status_code == 409
    assert "changed while you reviewed" in response.get_data(as_text=True)
    assert "draft-4" not in [t.name for t in seeded_store.tags()]
    assert db.scalar(select(func.count()).select_from(Iteration)) == 3
    # The page is a fresh review of the new text: confirming it now works.
    fields = confirm_fields(response.get_data(as_text=True))
    assert fields is not None and fields["base"] == seeded_store.resolve("main")
    assert office.post("/c/gpai-code/publish/confirm", data=fields).status_code == 302


def test_two_publishers_at_once_make_one_iteration(
    db_url: str, db: Session, seeded: Code, seeded_store: DraftStore, data_dir: Path
) -> None:
    rework_main(seeded_store)
    base = seeded_store.resolve("main")
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def press(key: str, tag: str) -> None:
        with sessions() as own, DraftStore.open(seeded_store.path) as store:
            code = own.get(Code, seeded.id)
            data = publishing.PublishInput(
                tag=tag, notes=f"by {key}", base=base, accept_errors=True
            )
            barrier.wait()
            try:
                publishing.publish(own, store, code, _user(own, key), data)
                results.append(f"ok {tag}")
            except (StaleBase, ValidationError) as error:
                own.rollback()
                results.append(f"refused {type(error).__name__}: {error}")

    threads = [
        threading.Thread(target=press, args=(key, tag))
        for key, tag in (
            ("ai-office", "draft-4"),
            ("coordinator", "draft-4"),
            ("ai-office", "draft-5"),
            ("coordinator", "final"),
        )
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len([r for r in results if r.startswith("ok")]) == 1, results
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Iteration)) == 4
    new_tags = {t.name for t in seeded_store.tags()} - {"draft-1", "draft-2", "draft-3"}
    assert len(new_tags) == 1


def test_publishing_closes_the_open_round_and_opens_the_next(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    old = open_round_on_draft_3(db, seeded)
    rework_main(seeded_store)
    office = as_user("ai-office")
    plenary = {"plenary_at": "2031-03-04T10:00", "visibility": "working_group"}

    # Refusing while the round is open: the reason, nothing published.
    review, confirm = publish_through_form(
        office, open_round="y", if_open="refuse", **plenary
    )
    assert confirm is None
    text = parse(review.get_data(as_text=True)).find(data_testid="reasons").text
    assert "round on draft-3 is still open" in text

    review, confirm = publish_through_form(
        office, open_round="y", if_open="close", **plenary
    )
    page = parse(review.get_data(as_text=True))
    assert "its window closes" in page.find(data_testid="closing").text
    assert "4 Mar 2031" in page.find(data_testid="next-round").text
    assert confirm is not None and confirm.status_code == 302
    db.expire_all()
    closed = db.get(Round, old.id)
    assert closed is not None and closed.closes_at <= utcnow()
    new = db.scalar(select(Round).where(Round.tag == "draft-4"))
    assert new is not None
    # Two weeks after the Plenary, 18:00 Brussels (CET in March: 17:00 UTC).
    assert new.closes_at.isoformat().startswith("2031-03-18T17:00")
    assert rounds.open_now(db, seeded) == new


def test_only_one_round_is_open_at_a_time(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    open_round_on_draft_3(db, seeded)
    with pytest.raises(ValidationError, match="only one round"):
        rounds.open_round(
            db,
            seeded,
            _user(db, "ai-office"),
            rounds.RoundInput(
                tag="draft-2",
                plenary_at=utcnow() + timedelta(days=1),
                visibility=Visibility.WORKING_GROUP,
                observers_may_comment=False,
            ),
        )
    assert db.scalar(select(func.count()).select_from(Round)) == 1


@pytest.mark.parametrize("visibility", [Visibility.WORKING_GROUP, Visibility.CHAIRS])
def test_the_record_of_comments_is_committed_in_the_tag(
    as_user: AsUser,
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
    visibility: Visibility,
) -> None:
    round_ = open_round_on_draft_3(db, seeded)
    round_.visibility = visibility
    db.commit()
    ids = [
        _comment(db, seeded_store, seeded, key, quote)
        for key, quote in (
            ("provider", KEEP),
            ("academic", REWORD),
            ("civil-society", DROP),
        )
    ]
    rework_main(seeded_store)
    office = _user(db, "ai-office")
    done = publishing.publish(
        db,
        seeded_store,
        seeded,
        office,
        publishing.PublishInput(tag="draft-4", notes="Fourth", accept_errors=True),
    )
    assert done.record_files == (
        "reports/draft-3/comments.csv",
        "reports/draft-3/comments.md",
        "reports/draft-3/comments.xlsx",
    )
    files = dict(seeded_store.files("draft-4"))
    # The record is in the very commit the tag names, beside the sections.
    assert seeded_store.resolve("draft-4") == done.iteration.commit_id
    assert files[S] == seeded_store.read("main", S).text.encode()
    text = files["reports/draft-3/comments.csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["Comment"]) for r in rows] == ids
    assert [r["Where it landed"].lower() for r in rows] == [
        "exact",
        "reworded",
        "on removed text",
    ]
    assert rows[0]["Place"].startswith("line")
    assert rows[2]["Place"] == ""
    assert rows[0]["Passage"] == KEEP
    assert rows[1]["Stakeholder category"] == "Academia or independent expert"
    named = visibility is Visibility.WORKING_GROUP
    assert (rows[0]["Organisation"] == "Northwind Models SE") is named
    # Participant text cannot become a formula in a spreadsheet.
    assert all(not r["Comment text"].startswith("=") for r in rows)
    assert "Northwind" not in files["reports/draft-3/comments.md"].decode() or named
    xlsx = files["reports/draft-3/comments.xlsx"]
    assert xlsx[:2] == b"PK"


def test_the_demo_tag_of_draft_3_carries_the_record_of_draft_2(
    seeded_store: DraftStore,
) -> None:
    files = dict(seeded_store.files("draft-3"))
    assert {p for p in files if p.startswith("reports/")} == {
        "reports/draft-2/comments.csv",
        "reports/draft-2/comments.md",
        "reports/draft-2/comments.xlsx",
    }
    rows = list(
        csv.DictReader(
            io.StringIO(files["reports/draft-2/comments.csv"].decode("utf-8-sig"))
        )
    )
    assert len(rows) >= 4
    landed = {r["Where it landed"].lower() for r in rows}
    assert {"exact", "reworded"} <= landed
    assert landed <= {"exact", "moved", "reworded", "on removed text"}
    assert "reports/draft-2/comments.csv" not in dict(seeded_store.files("draft-2"))


def test_downloads_are_prepared_in_the_background_after_publishing(
    app, as_user: AsUser, seeded_store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], prepare_downloads=True)
    rework_main(seeded_store)
    office = as_user("ai-office")
    _review, confirm = publish_through_form(office)
    assert confirm is not None and confirm.status_code == 302
    [worker] = [t for t in threading.enumerate() if t.name.endswith("-draft-4")]
    worker.join(timeout=300)
    assert not worker.is_alive()

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("built on the page instead of in the background")

    monkeypatch.setattr(exports, "_make", refuse)
    page = parse(office.get(confirm.headers["Location"]).get_data(as_text=True))
    hashes = page.find("table", data_testid="downloads").find_all("code", class_="hash")
    assert len(hashes) == 6 and all(len(h.text) == 64 for h in hashes)


def test_a_database_failure_after_the_tag_is_completed_by_publishing_again(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    old_round = open_round_on_draft_3(db, seeded)
    ids = [_comment(db, seeded_store, seeded, "provider", KEEP)]
    rework_main(seeded_store)
    office = _user(db, "ai-office")
    data = publishing.PublishInput(tag="draft-4", notes="Fourth", accept_errors=True)

    with inserts_refused(db, "iterations"):
        with pytest.raises(SQLAlchemyError, match="disk full"):
            publishing.publish(db, seeded_store, seeded, office, data)
    # The tag and the record are in the drafts; the database knows nothing.
    (tag,) = [t for t in seeded_store.tags() if t.name == "draft-4"]
    assert "reports/draft-3/comments.csv" in dict(seeded_store.files("draft-4"))
    db.expire_all()
    assert codes.find_iteration(db, seeded, "draft-4") is None
    assert rounds.open_now(db, seeded) == old_round

    # Publishing the same name again recognises the tag: the database catches up.
    done = publishing.publish(db, seeded_store, seeded, office, data)
    assert done.iteration.commit_id == tag.commit_id
    assert [t for t in seeded_store.tags() if t.name == "draft-4"] == [tag]
    assert done.record_files[0] == "reports/draft-3/comments.csv"
    assert sum(done.carried.values()) == len(ids)
    db.expire_all()
    found = codes.find_iteration(db, seeded, "draft-4")
    assert found is not None and found.commit_id == tag.commit_id
    assert rounds.open_now(db, seeded) is None
    landed = db.scalars(
        select(Relocation.comment_id).where(Relocation.tag == "draft-4")
    ).all()
    assert landed == ids
    # Recorded now: the name is taken, nothing moves.
    with pytest.raises(ValidationError) as taken:
        publishing.publish(db, seeded_store, seeded, office, data)
    assert "published already" in taken.value.fields["tag"]


def test_a_tag_made_otherwise_is_not_taken_for_an_unfinished_publish(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    rework_main(seeded_store)
    office = _user(db, "ai-office")
    seeded_store.publish(
        "draft-4",
        base=seeded_store.resolve("main"),
        tagger=Person("Someone", "s@example.org"),
        message="Made by hand",
    )
    data = publishing.PublishInput(tag="draft-4", notes="Fourth", accept_errors=True)
    with pytest.raises(ValidationError) as refused:
        publishing.publish(db, seeded_store, seeded, office, data)
    assert "choose another name" in refused.value.fields["tag"]
    assert codes.find_iteration(db, seeded, "draft-4") is None
