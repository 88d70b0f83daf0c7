"""The comment story both the integration and the browser tests tell: draft-3's
round opens, three passages are commented on, the Chairs rework main so that
one stays, one is reworded and one is removed, and draft-4 is published."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    Round,
    User,
    Visibility,
    utcnow,
)
from cop_drafts.services import accounts, comments, demo, rounds
from cop_drafts.store.repo import DraftStore, Person
from tests.conftest import csrf_token

S = "risk-assessment.md"
KEEP = "Signatories shall record each decision taken under this Measure"
REWORD = "Signatories shall document the size of each Safety Margin"
REWORDED = "Signatories shall record the size of every Safety Margin"
DROP = "Where the Systemic Risks are acceptable, taking the Safety Margins into account"

# The served pages' forms as a raw HTTP client reads them (the killed-server
# test and bench/rush.py post them to a real gunicorn).
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_BASE = re.compile(r'name="base" value="([0-9a-f]{40})"')
_TEXT = re.compile(r'<textarea id="text"[^>]*>\n?(.*?)</textarea>', re.S)


def comment_form(token: str, body: str, line: int) -> dict[str, str]:
    """The section page's comment form on KEEP (on `line` of draft-3)."""
    return {
        "path": S,
        "rev": "draft-3",
        "body": body,
        "quote": KEEP,
        "kind": "comment",
        "line_start": str(line),
        "line_end": str(line),
        "client_token": uuid.uuid4().hex,
        "csrf_token": token,
    }


def save_form(editor_page: str, added_line: str, message: str) -> dict[str, str] | None:
    """The editor's form with `added_line` appended to the text, or None when
    `editor_page` holds no editor."""
    token, base, text = (
        TOKEN.search(editor_page),
        _BASE.search(editor_page),
        _TEXT.search(editor_page),
    )
    if not (token and base and text):
        return None
    return {
        "text": html.unescape(text.group(1)) + added_line + "\n",
        "message": message,
        "base": base.group(1),
        "draft": base.group(1),
        "csrf_token": token.group(1),
    }


def open_round_on_draft_3(db: Session, code: Code) -> Round:
    """The AI Office opens draft-3's round: the Plenary was an hour ago, the
    window is open, comments visible to the Working Group."""
    office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
    return rounds.open_round(
        db,
        code,
        office,
        rounds.RoundInput(
            tag="draft-3",
            plenary_at=utcnow() - timedelta(hours=1),
            visibility=Visibility.WORKING_GROUP,
            observers_may_comment=False,
        ),
    )


def rework_main(store: DraftStore) -> None:
    """Commit on main: REWORD becomes REWORDED, DROP's line goes."""
    text = store.read("main", S).text
    line_drop = next(line for line in text.splitlines() if DROP in line)
    text = text.replace(REWORD, REWORDED).replace(line_drop + "\n", "")
    store.save(
        "main",
        S,
        text,
        base=store.resolve("main"),
        author=Person("Coordinator", "c@example.org"),
        message="Rework",
    )


def publish_through_form(
    client: FlaskClient, tag: str = "draft-4", notes: str = "Fourth draft", **extra: str
) -> tuple[TestResponse, TestResponse | None]:
    """Publish main through the two steps, as a person would: the form leads to
    the review page, whose confirm form is sent as it is, the box that
    acknowledges error-level findings ticked. Returns (review, confirm);
    confirm is None when the review page offers no confirm button."""
    data = {
        "tag": tag,
        "notes": notes,
        "csrf_token": csrf_token(client, "/c/gpai-code/publish"),
        **extra,
    }
    review = client.post("/c/gpai-code/publish", data=data)
    form = confirm_fields(review.get_data(as_text=True))
    if form is None:
        return review, None
    return review, client.post("/c/gpai-code/publish/confirm", data=form)


def confirm_fields(html: str) -> dict[str, str] | None:
    """The fields the review page's confirm form sends (the acknowledgement
    of error-level findings ticked), or None when it offers no confirm."""
    from tests.integration.html import parse

    form = parse(html).find("form", data_testid="confirm-form")
    if (
        form is None
        or form.find("button", data_testid="confirm").attrs.get("disabled") is not None
    ):
        return None
    fields = {}
    for node in form.find_all("input"):
        if node.attrs.get("type") == "checkbox" and node.attrs["name"] != (
            "accept_errors"
        ):
            continue
        fields[node.attrs["name"]] = node.attrs.get("value", "")
    return fields


def person(db: Session, key: str) -> User:
    """The demo account `key` (e.g. ``wg2-chair``)."""
    found = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert found is not None, key
    return found


def post_comment(
    db: Session,
    store: DraftStore,
    code: Code,
    key: str,
    *,
    path: str = S,
    quote: str | None = None,
    line: int | None = None,
    body: str = "A comment.",
    rev: str = "draft-3",
    kind: CommentKind = CommentKind.COMMENT,
) -> Comment:
    """`key`'s comment through the service, on a passage (`quote`, found on
    its line) or on a whole `line` of `path` at `rev`."""
    if quote is not None:
        text = store.read(rev, path).text
        line = text.count("\n", 0, text.index(quote)) + 1
    assert line is not None
    return comments.post(
        db,
        store,
        code,
        person(db, key),
        comments.NewComment(
            path=path,
            rev=rev,
            body=body,
            proposed_text=None,
            line_start=line,
            line_end=line,
            quote=quote,
            kind=kind,
            client_token=uuid.uuid4().hex,
        ),
    )


def post_comment_id(
    db: Session,
    store: DraftStore,
    code: Code,
    key: str,
    path: str,
    quote: str,
    body: str,
) -> int:
    """The id of `key`'s comment on `quote` in `path` at draft-3."""
    return post_comment(db, store, code, key, path=path, quote=quote, body=body).id
