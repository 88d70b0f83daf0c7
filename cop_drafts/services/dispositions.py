"""The Chairs' answers to comments: a disposition, a response, the commit that
implements it, who handles it; drafts until released; every change kept.

What participants and the record of comments show is the latest *released*
revision of an answer: a Chair may rework a released answer as a draft
without the published one changing under the participant's eyes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    Disposition,
    DispositionKind,
    DispositionRevision,
    Membership,
    Role,
    User,
    utcnow,
)
from cop_drafts.store.errors import InvalidRev, NotFound
from cop_drafts.store.refs import MAIN, check_rev, wg_branch
from cop_drafts.store.repo import DraftStore

from . import audit, notifications
from .errors import ValidationError
from .permissions import CHAIR_POSTS, Action, can, require, require_each

MAX_RESPONSE = 10_000
MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """What a Chair sets on one or more comments.

    `commit` is a commit id (short or full) of the Working Group's branch or
    of ``main`` that implements the answer, or "" for none. `assignee_id`
    None leaves the assignee as it is; 0 clears it.
    """

    kind: DispositionKind | None
    response: str
    commit: str = ""
    assignee_id: int | None = None


def require_answerer(actor: User | None) -> User:
    """`actor`, known to answer comments of some Working Group (a Chair or
    Vice-Chair, or the coordinating Chair). Raises PermissionDenied."""
    wgs = [m.wg for m in actor.memberships] if actor is not None else []
    if actor is not None and any(
        can(actor, Action.DISPOSE, wg=wg) for wg in [*wgs, None]
    ):
        return actor
    return require(actor, Action.DISPOSE)  # refused, with the rule book's words


def _comments(db: Session, code: Code, ids: Sequence[int]) -> list[Comment]:
    if not ids:
        raise ValidationError("Choose at least one comment.")
    if len(ids) > MAX_BULK:
        raise ValidationError(f"At most {MAX_BULK} comments at once.")
    found = list(
        db.scalars(
            select(Comment).where(
                Comment.code_id == code.id,
                Comment.id.in_(ids),
                Comment.parent_id.is_(None),
                Comment.kind == CommentKind.COMMENT,
            )
        )
    )
    if len(found) != len(set(ids)):
        raise NotFound("some of these comments do not exist")
    return sorted(found, key=lambda c: c.id)


def _commit(store: DraftStore, wgs: Iterable[int | None], rev: str) -> str | None:
    """The full id of `rev` if it is on a branch the answer's Working Groups
    write on (their branch or main). Raises ValidationError."""
    rev = rev.strip()
    if not rev:
        return None
    try:
        check_rev(rev)
        commit_id = store.resolve(rev)
    except (InvalidRev, NotFound) as error:
        raise ValidationError(
            "Unknown change.", {"commit": f"No change {rev!r} in this Code."}
        ) from error
    branches = [MAIN] + [wg_branch(wg) for wg in set(wgs) if wg is not None]
    if not any(store.is_ancestor(commit_id, branch) for branch in branches):
        raise ValidationError(
            "Not this Working Group's change.",
            {"commit": "Pick a change from the Working Group's history."},
        )
    return commit_id


def _assignee(db: Session, wgs: set[int | None], assignee_id: int) -> User:
    user = db.get(User, assignee_id)
    if user is None or not any(can(user, Action.DISPOSE, wg=wg) for wg in wgs):
        raise ValidationError(
            "Not a Chair.",
            {"assignee_id": "Assign to a Chair or Vice-Chair of the Working Group."},
        )
    return user


def _revise(db: Session, answer: Disposition, actor: User, now: datetime) -> None:
    answer.updated_at, answer.updated_by_id = now, actor.id
    db.add(
        DispositionRevision(
            comment_id=answer.comment_id,
            kind=answer.kind,
            response=answer.response,
            commit_id=answer.commit_id,
            assignee_id=answer.assignee_id,
            released=answer.released_at is not None,
            changed_at=now,
            changed_by_id=actor.id,
        )
    )


def answer(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    comment_ids: Sequence[int],
    data: AnswerInput,
    *,
    release: bool = False,
    now: datetime | None = None,
) -> list[Disposition]:
    """Set the answer of each comment (one response for all: a bulk answer),
    as a draft, or released at once with `release`. A change to a released
    answer makes it a draft again until it is released again.

    Raises PermissionDenied, ValidationError, NotFound.
    """
    now = now or utcnow()
    comments = _comments(db, code, comment_ids)
    actor = require_each(actor, Action.DISPOSE, [c.wg for c in comments])
    response = data.response.replace("\r\n", "\n").strip()
    if len(response) > MAX_RESPONSE:
        raise ValidationError(
            "Response too long.",
            {"response": f"At most {MAX_RESPONSE:,} characters."},
        )
    if release and (data.kind is None or not response):
        raise ValidationError(
            "Nothing to release.",
            {"response": "Choose a disposition and write a response to release."},
        )
    wgs = {c.wg for c in comments}
    commit_id = _commit(store, wgs, data.commit)
    if data.assignee_id:
        _assignee(db, wgs, data.assignee_id)
    existing = {a.comment_id: a for a in _answers(db, [c.id for c in comments])}
    out = []
    for comment in comments:
        row = existing.get(comment.id) or Disposition(comment_id=comment.id)
        row.kind, row.response, row.commit_id = data.kind, response, commit_id
        if data.assignee_id is not None:
            row.assignee_id = data.assignee_id or None
        row.released_at = now if release else None
        db.add(row)
        _revise(db, row, actor, now)
        out.append(row)
    audit.record(
        db,
        actor,
        "disposition.release" if release else "disposition.draft",
        f"code:{code.slug}",
        f"{'released' if release else 'drafted'} "
        f"{data.kind.value if data.kind else 'no disposition'} on "
        f"{len(comments)} comment(s)",
        comments=[c.id for c in comments],
    )
    if release:
        db.flush()
        notifications.on_released(db, out)
    db.commit()
    return out


def release(
    db: Session,
    code: Code,
    actor: User | None,
    comment_ids: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[Disposition]:
    """Release the draft answers of these comments to their authors and the
    record. Raises PermissionDenied, ValidationError (no answer yet), NotFound.
    """
    now = now or utcnow()
    comments = _comments(db, code, comment_ids)
    actor = require_each(actor, Action.DISPOSE, [c.wg for c in comments])
    answers = {a.comment_id: a for a in _answers(db, [c.id for c in comments])}
    missing = [
        c.id
        for c in comments
        if c.id not in answers
        or answers[c.id].kind is None
        or not answers[c.id].response
    ]
    if missing:
        raise ValidationError(
            "Some comments have no answer to release yet: "
            + ", ".join(f"#{n}" for n in missing[:20])
        )
    out = []
    for comment in comments:
        row = answers[comment.id]
        if row.released_at is None:
            row.released_at = now
            _revise(db, row, actor, now)
            out.append(row)
    audit.record(
        db,
        actor,
        "disposition.release",
        f"code:{code.slug}",
        f"released the answers to {len(out)} comment(s)",
        comments=[r.comment_id for r in out],
    )
    db.flush()
    notifications.on_released(db, out)
    db.commit()
    return out


def _answers(db: Session, ids: Sequence[int]) -> list[Disposition]:
    if not ids:
        return []
    return list(db.scalars(select(Disposition).where(Disposition.comment_id.in_(ids))))


def answers(db: Session, ids: Sequence[int]) -> dict[int, Disposition]:
    """The current answer (draft or released) of each comment that has one:
    for the Chairs."""
    return {a.comment_id: a for a in _answers(db, ids)}


def released(db: Session, ids: Sequence[int]) -> dict[int, DispositionRevision]:
    """The latest released answer of each comment that has one: what
    participants and the record of comments see."""
    out: dict[int, DispositionRevision] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        newest = (
            select(func.max(DispositionRevision.id))
            .where(
                DispositionRevision.comment_id.in_(chunk),
                DispositionRevision.released.is_(True),
            )
            .group_by(DispositionRevision.comment_id)
        )
        rows = db.scalars(
            select(DispositionRevision).where(DispositionRevision.id.in_(newest))
        )
        out.update({r.comment_id: r for r in rows})
    return out


def history(db: Session, comment_id: int) -> list[DispositionRevision]:
    """Every change of a comment's answer, oldest first."""
    query = select(DispositionRevision).where(
        DispositionRevision.comment_id == comment_id
    )
    return list(db.scalars(query.order_by(DispositionRevision.id)))


def answered_by(
    db: Session, code: Code, commit_ids: Sequence[str], *, released_only: bool
) -> dict[str, int]:
    """How many comments each of these commits implements an answer to
    (released answers only, for readers who are not Chairs)."""
    if not commit_ids:
        return {}
    query = (
        select(Disposition.commit_id, func.count(Disposition.id))
        .join(Comment, Comment.id == Disposition.comment_id)
        .where(Comment.code_id == code.id, Disposition.commit_id.in_(commit_ids))
        .group_by(Disposition.commit_id)
    )
    if released_only:
        query = query.where(Disposition.released_at.is_not(None))
    rows = db.execute(query)
    return {commit_id: n for commit_id, n in rows if commit_id}


def chairs(db: Session, wg: int | None) -> list[User]:
    """Who may answer comments of Working Group `wg` (the rule book's
    DISPOSE): its Chairs and Vice-Chairs, and the coordinating Chair."""
    # The query only narrows the candidates; the rule book decides.
    chair_of_wg = select(Membership.user_id).where(
        Membership.wg == wg, Membership.wg_role.in_(CHAIR_POSTS)
    )
    candidates = db.scalars(
        select(User)
        .where(
            User.is_active.is_(True),
            or_(User.role == Role.COORDINATOR, User.id.in_(chair_of_wg)),
        )
        .options(selectinload(User.memberships))
    )
    found = [u for u in candidates if can(u, Action.DISPOSE, wg=wg)]
    return sorted(found, key=lambda u: (u.role, u.name))
