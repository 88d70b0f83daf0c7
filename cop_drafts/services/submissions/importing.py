"""Importing a submission: every row as a comment by its author, in one
transaction, or none (the same file again finds the earlier import); and what
the upload page shows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Comment,
    Iteration,
    Round,
    Submission,
    User,
    utcnow,
)
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.repo import DraftStore

from .. import accounts, audit, codes, rounds
from ..errors import PermissionDenied, ValidationError, WindowClosed
from ..permissions import Action, can, require
from .checking import _check_author, _prepare
from .reading import base_name, parse
from .values import MAX_FILE, _refuse


@dataclass(frozen=True, slots=True)
class Result:
    """A submission imported now or earlier (`already`)."""

    submission_id: int
    count: int
    tag: str
    author: str
    file_name: str
    created_at: datetime
    already: bool


def import_submission(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    author: User,
    tag: str,
    file_name: str,
    data: bytes,
    now: datetime | None = None,
    *,
    limit: int = MAX_FILE,
) -> Result:
    """Import every row of the file as a comment by `author` on iteration `tag`,
    in one transaction, or none.

    `actor` is who uploads: the author, or the AI Office on their behalf; None
    is the command line (run by whoever administers the server). The same
    file for the same author and iteration is imported once; again, it
    returns the earlier import (`already`). Raises PermissionDenied,
    WindowClosed, NotFound, Rejected (per-row problems; nothing written).
    """
    now, file_name = now or utcnow(), base_name(file_name) or "upload"
    if actor is not None and actor.id != author.id:
        require(actor, Action.SUBMIT_FOR_OTHERS)
    iteration = codes.find_iteration(db, code, tag)
    if iteration is None:
        raise NotFound(f"no published iteration {tag!r}")
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier(db, code.id, author, tag, digest)
    if earlier is not None:
        return _result(earlier, author, already=True)
    manifest = store.manifest(iteration.commit_id)
    found_round = rounds.find_round(db, code, iteration.commit_id)
    round_ = _check_author(author, found_round, manifest, now)
    rows = parse(file_name, data, limit=limit)
    if not rows:
        raise _refuse("The file has no comments: fill in the rows below the names.")
    comments = _prepare(store, iteration, round_, manifest, author, rows, now)
    # A token per row from the file and the row: the same file again finds
    # its comments; another file, even with the same rows, makes new ones.
    token = hashlib.sha256(f"{tag}\0{digest}".encode()).hexdigest()[:40]
    for comment, row in zip(comments, rows, strict=True):
        comment.client_token = f"sub-{token}-{row.number}"
    submission = Submission(
        code_id=code.id,
        author_id=author.id,
        imported_by_id=actor.id if actor is not None else None,
        tag=tag,
        file_name=file_name,
        digest=digest,
        rows=len(comments),
        created_at=now,
    )
    return _write(db, actor, author, submission, comments)


def _write(
    db: Session,
    actor: User | None,
    author: User,
    submission: Submission,
    comments: list[Comment],
) -> Result:
    """Store the submission and its comments in one transaction."""
    db.add(submission)
    db.add_all(comments)
    try:
        db.flush()
    except IntegrityError:
        # The same file sent twice at once: the other request imported it.
        db.rollback()
        earlier = _earlier(
            db, submission.code_id, author, submission.tag, submission.digest
        )
        if earlier is None:
            raise
        return _result(earlier, author, already=True)
    audit.record(
        db,
        actor,
        "submission.import",
        f"submission:{submission.id}",
        f"{len(comments)} comments by {author.email} on {submission.tag} "
        f"from {submission.file_name}",
        author=author.email,
        tag=submission.tag,
        file_name=submission.file_name,
        digest=submission.digest,
        comments=[comments[0].id, comments[-1].id],
    )
    db.commit()
    return _result(submission, author, already=False)


def find_author(db: Session, actor: User | None, email: str) -> User:
    """Whose comments an upload holds: `actor`'s own when `email` is empty or
    theirs; someone else's only for the AI Office.

    Raises PermissionDenied, ValidationError (no such account).
    """
    if actor is None:
        raise PermissionDenied("Log in to comment.")
    email = email.strip()
    if not email or accounts.normalise_email(email) == actor.email:
        return actor
    require(actor, Action.SUBMIT_FOR_OTHERS)
    author = accounts.find_user(db, email)
    if author is None:
        raise ValidationError(f"There is no account with the e-mail {email}.")
    return author


def _earlier(
    db: Session, code_id: int, author: User, tag: str, digest: str
) -> Submission | None:
    query = select(Submission).where(
        Submission.code_id == code_id,
        Submission.author_id == author.id,
        Submission.tag == tag,
        Submission.digest == digest,
    )
    return db.scalar(query)


def _result(submission: Submission, author: User, *, already: bool) -> Result:
    return Result(
        submission.id,
        submission.rows,
        submission.tag,
        author.name,
        submission.file_name,
        submission.created_at,
        already,
    )


@dataclass(frozen=True, slots=True)
class UploadPage:
    """What the upload page shows about one iteration and the reader."""

    iteration: Iteration
    iterations: list[Iteration]
    round: Round | None
    window: str | None
    message: str
    may_upload: bool
    for_others: bool
    sections: tuple[SectionSpec, ...]
    authors: list[User]
    earlier: list[Submission]


def upload_page(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    rev: str | None,
    now: datetime | None = None,
) -> UploadPage:
    """The iteration `rev` (default: the one whose round is open, else the
    newest) and whether `user` may send comments on it. Raises NotFound."""
    now = now or utcnow()
    visible = codes.iterations(db, code, user)
    if not rev:
        current = rounds.next_open(db, code, now)
        rev = current.tag if current else (visible[-1].tag if visible else "")
    iteration = next((it for it in visible if it.tag == rev), None)
    if iteration is None:
        raise NotFound(f"no published iteration {rev!r}")
    round_ = rounds.find_round(db, code, iteration.commit_id)
    manifest = store.manifest(iteration.commit_id)
    for_others = can(user, Action.SUBMIT_FOR_OTHERS)
    try:
        if user is None:
            raise PermissionDenied("Log in to comment.")
        _check_author(user, round_, manifest, now)
        may_upload, message = True, ""
    except (PermissionDenied, WindowClosed) as error:
        may_upload, message = False, str(error)
    if for_others and round_ is not None and not may_upload:
        may_upload = rounds.state(round_, now) == rounds.WindowState.OPEN
    query = select(Submission).where(Submission.code_id == code.id)
    if not for_others:
        query = query.where(Submission.author_id == (user.id if user else -1))
    earlier = list(db.scalars(query.order_by(Submission.id.desc()).limit(50)))
    authors = [u for u in _people(db) if u.is_active] if for_others else []
    return UploadPage(
        iteration,
        visible,
        round_,
        rounds.state(round_, now).value if round_ else None,
        message,
        may_upload,
        for_others,
        manifest.sections,
        authors,
        earlier,
    )


def _people(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.name)))
