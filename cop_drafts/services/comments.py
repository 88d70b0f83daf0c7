"""Comments: posting, replying, editing, withdrawing, and who may see what.

A comment is anchored to the iteration it was written on; relocations to
later iterations are stored beside it by services.reanchor, never over it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    CommentRevision,
    CommentStatus,
    Round,
    User,
    Visibility,
    utcnow,
)
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor
from cop_drafts.text.render import render_inline
from cop_drafts.text.selection import locate_quote

from . import audit, inputs, notifications, rounds
from .errors import PermissionDenied, ServiceError, ValidationError, WindowClosed
from .permissions import Action, can, is_wg_chair, require

MAX_BODY = 20_000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True, slots=True)
class NewComment:
    """A comment as submitted: where, what, and its idempotency token."""

    path: str
    rev: str
    body: str
    proposed_text: str | None
    line_start: int | None
    line_end: int | None
    quote: str | None
    kind: CommentKind
    client_token: str


def _clean_body(body: str, field: str = "body") -> str:
    inputs.check_text({field: body})
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("Empty comment.", {field: "Write something first."})
    if len(body) > MAX_BODY:
        raise ValidationError(
            "Too long.",
            {field: f"At most {MAX_BODY:,} characters ({len(body):,} given)."},
        )
    return body


def _clean_proposal(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    return _clean_body(text, "proposed_text")


def _check_token(token: str) -> str:
    if not _TOKEN.fullmatch(token or ""):
        raise ValidationError("The form is missing its submission id; reload the page.")
    return token


def window_message(round_: Round | None, now: datetime) -> str:
    """Plain words for why commenting is not possible on this version now."""
    if round_ is None:
        return "Comments are taken on published iterations during their round."
    when = round_.opens_at if rounds.state(round_, now) == "upcoming" else None
    if when is not None:
        return (
            f"The comment window for {round_.tag} opens on "
            f"{when.astimezone(rounds.BRUSSELS):%d %b %Y at %H:%M} Brussels time."
        )
    return (
        f"The comment window for {round_.tag} closed on "
        f"{round_.closes_at.astimezone(rounds.BRUSSELS):%d %b %Y at %H:%M} "
        "Brussels time."
    )


def check_may_comment(
    user: User | None, round_: Round | None, wg: int | None, now: datetime
) -> User:
    """`user`, who may comment now; raise PermissionDenied or WindowClosed."""
    if user is None or not user.is_active:
        raise PermissionDenied("Log in to comment.")
    if round_ is None or rounds.state(round_, now) != rounds.WindowState.OPEN:
        raise WindowClosed(window_message(round_, now))
    return require(user, Action.COMMENT, wg=wg, round_=round_)


def may_comment(
    user: User | None, round_: Round | None, wg: int | None, now: datetime | None = None
) -> bool:
    """True when check_may_comment would pass."""
    try:
        check_may_comment(user, round_, wg, now or utcnow())
    except (PermissionDenied, WindowClosed):
        return False
    return True


def anchor_of(
    text: str, line_start: int | None, line_end: int | None, quote: str | None
) -> Anchor:
    """The passage a reader chose: the quote selected within those lines, else
    the whole lines. Raises ValidationError for lines the text does not have."""
    if line_start is None or line_end is None:
        raise ValidationError("Choose a passage or lines.")
    try:
        if quote and quote.strip():
            span = locate_quote(text, line_start, line_end, quote)
            if span is not None:
                return Anchor.from_span(text, *span)
        return Anchor.from_lines(text, line_start, line_end)
    except ValueError as error:
        raise ValidationError(str(error), {"lines": str(error)}) from error


def _existing(db: Session, author: User, token: str) -> Comment | None:
    query = select(Comment).where(
        Comment.author_id == author.id, Comment.client_token == token
    )
    return db.scalar(query)


def _once(
    db: Session, actor: User, token: str, build: Callable[[], tuple[Comment, str]]
) -> Comment:
    """The comment `build` makes (with its audit summary), stored once per
    `token`: a retried submission returns the comment already stored, even
    when its window has closed since. The stored one is looked up only when
    building refuses or the insert meets the token's unique index, not before
    every post (under a deadline rush that lookup is a query per comment)."""
    try:
        comment, summary = build()
    except (ServiceError, NotFound):
        found = _existing(db, actor, token)
        if found is None:
            raise
        return found
    comment.client_token = token
    db.add(comment)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        found = _existing(db, actor, token)
        if found is None:
            raise
        return found
    audit.record(
        db,
        actor,
        f"{comment.kind.value}.create",
        f"comment:{comment.id}",
        summary,
        path=comment.path,
        tag=comment.tag,
    )
    db.commit()
    return comment


def anchored(
    code_id: int,
    round_: Round | None,
    author: User,
    section: SectionSpec,
    tag: str,
    commit_id: str,
    anchor: Anchor,
    body: str,
    proposal: str | None,
    now: datetime,
) -> Comment:
    """A new comment (not yet added to the session) on `anchor` of `section`
    at `commit_id`, its body rendered once; the caller sets its token."""
    return Comment(
        code_id=code_id,
        round_id=round_.id if round_ else None,
        author_id=author.id,
        kind=CommentKind.COMMENT,
        path=section.path,
        wg=section.wg,
        tag=tag,
        commit_id=commit_id,
        anchor=anchor.to_dict(),
        line_start=anchor.line_start,
        line_end=anchor.line_end,
        body=body,
        body_html=render_inline(body),
        proposed_text=proposal or None,
        as_chair=can(author, Action.WRITE_NOTE, wg=section.wg),
        created_at=now,
        updated_at=now,
    )


def post(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    data: NewComment,
    now: datetime | None = None,
) -> Comment:
    """Store a comment or internal note on a passage of an iteration.

    Raises PermissionDenied, WindowClosed, ValidationError, NotFound.
    """
    now = now or utcnow()
    if actor is None:
        raise PermissionDenied("Log in to comment.")
    token = _check_token(data.client_token)
    author = actor

    def build() -> tuple[Comment, str]:
        commit_id = store.resolve(data.rev)
        section = store.get_section(commit_id, data.path)
        round_ = rounds.find_round(db, code, commit_id)
        if data.kind is CommentKind.NOTE:
            if not can(author, Action.WRITE_NOTE, wg=section.wg):
                raise PermissionDenied("Internal notes are for the Chairs.")
        else:
            check_may_comment(author, round_, section.wg, now)
        body = _clean_body(data.body)
        proposal = _clean_proposal(data.proposed_text)
        text = store.read(commit_id, data.path).text
        anchor = anchor_of(text, data.line_start, data.line_end, data.quote)
        tag = round_.tag if round_ else data.rev
        comment = anchored(
            code.id,
            round_,
            author,
            section,
            tag,
            commit_id,
            anchor,
            body,
            proposal,
            now,
        )
        comment.kind = data.kind
        lines = f"lines {anchor.line_start}-{anchor.line_end}"
        return comment, f"on {data.path} {lines} of {tag}"

    return _once(db, actor, token, build)


def get_comment(db: Session, code: Code, comment_id: int) -> Comment:
    """The comment `comment_id` of this Code. Raises NotFound."""
    comment = db.get(Comment, comment_id)
    if comment is None or comment.code_id != code.id:
        raise NotFound(f"no comment {comment_id}")
    return comment


def get_visible(db: Session, code: Code, user: User | None, comment_id: int) -> Comment:
    """The comment, if `user` may read it; NotFound otherwise (no hint that
    a hidden comment exists)."""
    comment = get_comment(db, code, comment_id)
    if not can_see(user, comment):
        raise NotFound(f"no comment {comment_id}")
    return comment


def reply(
    db: Session,
    code: Code,
    actor: User | None,
    parent_id: int,
    body: str,
    client_token: str,
    now: datetime | None = None,
) -> Comment:
    """Reply in a thread. Chairs reply any time; members while the window is
    open. Raises PermissionDenied, WindowClosed, ValidationError, NotFound."""
    now = now or utcnow()
    parent = get_comment(db, code, parent_id)
    if parent.parent_id is not None:
        parent = get_comment(db, code, parent.parent_id)
    if actor is None or not can_see(actor, parent):
        raise NotFound(f"no comment {parent_id}")
    token = _check_token(client_token)
    author = actor

    def build() -> tuple[Comment, str]:
        chair = can(author, Action.WRITE_NOTE, wg=parent.wg)
        if parent.kind is CommentKind.NOTE and not chair:
            raise PermissionDenied("Internal notes are for the Chairs.")
        if not chair:
            check_may_comment(author, parent.round, parent.wg, now)
        if parent.status is CommentStatus.WITHDRAWN:
            raise ValidationError("This comment was withdrawn; it takes no replies.")
        text = _clean_body(body)
        comment = Comment(
            code_id=code.id,
            round_id=parent.round_id,
            parent_id=parent.id,
            author_id=author.id,
            kind=parent.kind,
            path=parent.path,
            wg=parent.wg,
            tag=parent.tag,
            commit_id=parent.commit_id,
            body=text,
            body_html=render_inline(text),
            as_chair=chair,
            created_at=now,
            updated_at=now,
        )
        notifications.on_reply(db, comment)  # queued in the reply's transaction
        return comment, f"reply to comment {parent.id}"

    return _once(db, actor, token, build)


def _own_and_open(
    db: Session, code: Code, actor: User | None, comment_id: int, now: datetime
) -> Comment:
    comment = get_comment(db, code, comment_id)
    if actor is None or comment.author_id != actor.id:
        raise PermissionDenied("Only its author may change a comment.")
    if comment.status is CommentStatus.WITHDRAWN:
        raise ValidationError("This comment was withdrawn.")
    if comment.kind is CommentKind.COMMENT and not comment.as_chair:
        round_ = comment.round
        if round_ is None or rounds.state(round_, now) != rounds.WindowState.OPEN:
            raise WindowClosed(window_message(round_, now))
    return comment


def edit(
    db: Session,
    code: Code,
    actor: User | None,
    comment_id: int,
    body: str,
    proposed_text: str | None,
    now: datetime | None = None,
) -> Comment:
    """Change a comment's text, keeping the earlier text as a revision.

    Raises PermissionDenied, WindowClosed, ValidationError, NotFound.
    """
    now = now or utcnow()
    comment = _own_and_open(db, code, actor, comment_id, now)
    text = _clean_body(body)
    proposal = _clean_proposal(proposed_text) if comment.parent_id is None else None
    if text == comment.body and proposal == comment.proposed_text:
        return comment
    db.add(
        CommentRevision(
            comment_id=comment.id,
            body=comment.body,
            proposed_text=comment.proposed_text,
            written_at=comment.updated_at,
            replaced_at=now,
        )
    )
    comment.body, comment.body_html = text, render_inline(text)
    comment.proposed_text = proposal
    comment.updated_at = now
    audit.record(db, actor, "comment.edit", f"comment:{comment.id}", "edited")
    db.commit()
    return comment


def withdraw(
    db: Session,
    code: Code,
    actor: User | None,
    comment_id: int,
    now: datetime | None = None,
) -> Comment:
    """Withdraw one's own comment while the window is open. Raises as edit."""
    now = now or utcnow()
    comment = _own_and_open(db, code, actor, comment_id, now)
    comment.status = CommentStatus.WITHDRAWN
    comment.updated_at = now
    audit.record(db, actor, "comment.withdraw", f"comment:{comment.id}", "withdrawn")
    db.commit()
    return comment


def can_see(user: User | None, comment: Comment) -> bool:
    """True when `user` may read `comment` (notes: Chairs; the rest: per round)."""
    if user is None:
        return False
    if comment.author_id == user.id or can(
        user, Action.SEE_ALL_COMMENTS, wg=comment.wg
    ):
        return True
    if comment.kind is CommentKind.NOTE:
        return False
    round_ = comment.round
    if round_ is not None and round_.visibility is Visibility.CHAIRS:
        return False
    return reads_section(user, comment.wg)


def reads_section(user: User | None, wg: int | None) -> bool:
    """True when `user` may read other people's comments on a section of `wg`
    at all (a round may still keep them to the Chairs)."""
    return can(user, Action.READ_COMMENTS, wg=wg)


def sees_authors(user: User | None, wg: int | None) -> bool:
    """Chairs see each comment's author, organisation and category."""
    return can(user, Action.SEE_ALL_COMMENTS, wg=wg) or is_wg_chair(user, wg or 0)
