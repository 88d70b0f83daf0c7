"""What became of a participant's comments: where each landed in the latest
iteration, the replies, and the Chairs' released answer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    DispositionRevision,
    Relocation,
    User,
)
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import AnchorStatus

from . import codes, dispositions
from .errors import PermissionDenied

WORDS = {
    AnchorStatus.EXACT.value: "in the same words",
    AnchorStatus.MOVED.value: "moved",
    AnchorStatus.FUZZY.value: "reworded",
    AnchorStatus.ORPHANED.value: "removed",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One of my comments and what became of it."""

    comment: Comment
    replies: int
    latest_tag: str | None
    landing: str
    line: int | None
    answer: DispositionRevision | None


def mine(
    db: Session, store: DraftStore, code: Code, user: User | None
) -> list[Outcome]:
    """Every comment `user` wrote on this Code (not replies, not notes),
    newest first. Raises PermissionDenied for a visitor."""
    if user is None:
        raise PermissionDenied("Log in to see your comments.")
    every = codes.iterations(db, code, user)
    latest = every[-1] if every else None
    reply = aliased(Comment)
    rows = db.execute(
        select(Comment, func.count(reply.id))
        .outerjoin(reply, reply.parent_id == Comment.id)
        .where(
            Comment.code_id == code.id,
            Comment.author_id == user.id,
            Comment.parent_id.is_(None),
            Comment.kind == CommentKind.COMMENT,
        )
        .group_by(Comment.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    ).all()
    ids = [c.id for c, _n in rows]
    landed: dict[int, Relocation] = {}
    if latest is not None and ids:
        landed = {
            r.comment_id: r
            for r in db.scalars(
                select(Relocation).where(
                    Relocation.comment_id.in_(ids),
                    Relocation.commit_id == latest.commit_id,
                )
            )
        }
    answers = dispositions.released(db, ids)
    out = []
    for comment, count in rows:
        where = landed.get(comment.id)
        if latest is not None and comment.commit_id == latest.commit_id:
            landing, line = "written on it", comment.line_start
        elif where is not None:
            landing = WORDS.get(where.status, where.status)
            line = where.line_start
        else:
            landing, line = "", None
        out.append(
            Outcome(
                comment,
                count,
                latest.tag if latest else None,
                landing,
                line,
                answers.get(comment.id),
            )
        )
    return out
