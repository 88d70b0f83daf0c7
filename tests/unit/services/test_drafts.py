"""Edits as use cases: who edits where, what an upload must be, what a save
needs, and the conflict a clashing save becomes (nothing of either side lost)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code
from cop_drafts.services import accounts, drafts
from cop_drafts.services.conflicts import check_message, reject_markers
from cop_drafts.services.errors import PermissionDenied, ValidationError
from cop_drafts.store.repo import DraftStore

LIMIT = 2 * 1024 * 1024
S = "risk-assessment.md"


def user(db: Session, key: str) -> accounts.User:
    found = accounts.find_user(db, f"{key}@demo.cop-drafts.eu")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("key", "path", "branch"),
    [
        ("wg2-chair", S, "wg/2"),
        ("wg2-vice", S, "wg/2"),
        ("coordinator", S, "main"),
        ("coordinator", "preamble.md", "main"),
    ],
)
def test_editors_write_to_their_branch(
    db: Session, seeded_store: DraftStore, key: str, path: str, branch: str
) -> None:
    draft = drafts.open_draft(seeded_store, user(db, key), path)
    assert draft.branch == branch
    assert draft.commit.commit_id == seeded_store.resolve(branch)
    assert draft.is_harmonisation is (branch == "main")


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("wg1-chair", S),
        ("wg2-chair", "preamble.md"),
        ("provider", S),
        ("ai-office", S),
        ("observer", S),
        (None, S),
    ],
)
def test_everyone_else_is_refused(
    db: Session, seeded_store: DraftStore, key: str | None, path: str
) -> None:
    who = user(db, key) if key else None
    with pytest.raises(PermissionDenied):
        drafts.open_draft(seeded_store, who, path)


def test_permission_is_checked_before_input(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    empty = drafts.Submission(text=None, message="", base="")
    with pytest.raises(PermissionDenied):
        drafts.save(db, seeded_store, seeded, user(db, "provider"), S, empty, LIMIT)
    with pytest.raises(ValidationError):
        drafts.save(db, seeded_store, seeded, user(db, "wg2-chair"), S, empty, LIMIT)


def test_uploads_are_decoded_or_refused_in_plain_words() -> None:
    assert drafts.read_upload(b"\xef\xbb\xbf# T\r\n", "a.md", LIMIT) == "# T\r\n"
    assert drafts.read_upload("é\n".encode(), "notes.markdown", LIMIT) == "é\n"
    cases = {
        (b"caf\xe9\n", "a.md"): "byte 0xE9 on line 1",
        (b"ok\n\x00\x01", "a.md"): "binary",
        (b"# T", "a.pdf"): "a.pdf is not a Markdown file",
        (b"  \n", "a.md"): "empty",
        (b"x" * (LIMIT + 1), "a.md"): "at most 2 MB",
    }
    for (data, name), words in cases.items():
        with pytest.raises(ValidationError) as caught:
            drafts.read_upload(data, name, LIMIT)
        assert words in caught.value.fields["upload"], words


def test_the_upload_wins_over_the_editor_text_and_crlf_goes() -> None:
    sub = drafts.Submission("typed\n", "m", "b", b"from file\r\n", "f.md")
    assert drafts.submitted_text(sub, LIMIT) == "from file\n"
    assert (
        drafts.submitted_text(drafts.Submission("a\r\nb", "m", "b"), LIMIT) == "a\nb\n"
    )
    with pytest.raises(ValidationError) as caught:
        drafts.submitted_text(drafts.Submission("x" * (LIMIT + 1), "m", "b"), LIMIT)
    assert "at most 2 MB" in caught.value.fields["text"]


def test_messages_and_markers() -> None:
    assert check_message("  Fix typo\r\n\r\nBecause.  ") == "Fix typo\n\nBecause."
    with pytest.raises(ValidationError):
        check_message(" \n ")
    with pytest.raises(ValidationError):
        check_message("x" * 5001)
    reject_markers({"a.md": "Title\n=======\n"})
    with pytest.raises(ValidationError) as caught:
        reject_markers({"a.md": "ok\n<<<<<<< #1 yours\nx\n"})
    assert "line 2" in str(caught.value)


def test_a_clashing_save_carries_all_three_texts(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    chair, vice = user(db, "wg2-chair"), user(db, "wg2-vice")
    draft = drafts.open_draft(seeded_store, chair, S)
    base = draft.commit.commit_id
    line = draft.text.splitlines()[4]
    mine = draft.text.replace(line, "Chair's line.")
    theirs = draft.text.replace(line, "Vice-Chair's line.")
    sub = drafts.Submission(theirs, "Vice", base)
    drafts.save(db, seeded_store, seeded, vice, S, sub, LIMIT)
    with pytest.raises(drafts.EditConflict) as caught:
        drafts.save(
            db,
            seeded_store,
            seeded,
            chair,
            S,
            drafts.Submission(mine, "Chair", base),
            LIMIT,
        )
    conflict = caught.value
    assert not conflict.stale and conflict.message == "Chair"
    assert conflict.file.ours == mine and conflict.file.theirs == theirs
    assert conflict.file.base == draft.text
    assert conflict.theirs_commit_id == seeded_store.resolve("wg/2")
    assert [c.message.strip() for c in conflict.newer] == ["Vice"]
    assert "Vice-Chair's line." in conflict.file.merged
    assert "Chair's line." in conflict.file.merged
