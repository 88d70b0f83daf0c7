"""The comments of a section as they land on one version, for the margin.

On the iteration a comment was written on, it sits on its original anchor;
on a later iteration, on its stored relocation; on any other version (a
Working Group branch, a commit), it is relocated on the fly from where it
last landed, without storing anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from cop_drafts.db.models import (
    Category,
    Code,
    Comment,
    CommentKind,
    Iteration,
    Relocation,
    Round,
    User,
    utcnow,
)
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor, AnchorStatus

from . import comments, reanchor, rounds
from .comments import can_see
from .permissions import Action, can

ORIGINAL = "original"


@dataclass(frozen=True, slots=True)
class Filters:
    """What the reader asked to see."""

    scope: str = "all"  # "round": written on this version only; "all"
    status: str = "open"  # "open", "withdrawn", "all"
    wg: int | None = None
    category: Category | None = None
    mine: bool = False
    notes: bool = True


@dataclass(frozen=True, slots=True)
class Placed:
    """A thread and where its passage is on the version shown."""

    comment: Comment
    replies: tuple[Comment, ...]
    status: str
    line_start: int | None
    line_end: int | None
    start: int | None
    end: int | None
    quote: str | None
    old_quote: str | None
    # For a comment on removed text: the heading its passage's surroundings
    # went under in this version (computed when shown, not stored).
    near_heading: str | None = None
    near_line: int | None = None
    # Removed as far as its exact words tell: the section was too large for
    # rewording to be followed (text.anchor.large).
    limited: bool = False
    # For a comment a Chair placed by hand (services.placing): who, when.
    placed_by: str | None = None
    placed_at: datetime | None = None

    @property
    def is_carried(self) -> bool:
        """True when the comment was written on an earlier version."""
        return self.status != ORIGINAL


@dataclass(slots=True)
class Margin:
    """Comments placed on the text, and those whose passage is gone."""

    placed: list[Placed] = field(default_factory=list)
    removed: list[Placed] = field(default_factory=list)
    hidden: int = 0
    on_iteration: bool = False  # the version shown is a published draft

    @property
    def count(self) -> int:
        """Threads shown."""
        return len(self.placed) + len(self.removed)


def _wanted(comment: Comment, user: User, filters: Filters) -> bool:
    if filters.status != "all" and comment.status.value != filters.status:
        return False
    if filters.wg is not None and comment.wg != filters.wg:
        return False
    if filters.category is not None and comment.author.category != filters.category:
        return False
    if filters.mine and comment.author_id != user.id:
        return False
    return filters.notes or comment.kind is not CommentKind.NOTE


def _candidates(
    db: Session, code: Code, path: str, commit_id: str, on_iteration: bool, scope: str
) -> list[Comment]:
    query = select(Comment).where(
        Comment.code_id == code.id, Comment.path == path, Comment.parent_id.is_(None)
    )
    if scope == "round":
        query = query.where(Comment.commit_id == commit_id)
    elif on_iteration:
        moved = select(Relocation.comment_id).where(Relocation.commit_id == commit_id)
        query = query.where(or_(Comment.commit_id == commit_id, Comment.id.in_(moved)))
    # Revisions are shown on every card: load them in one query, not one each.
    query = query.options(selectinload(Comment.revisions))
    return list(db.scalars(query.order_by(Comment.id)))


def _replies(db: Session, parents: list[Comment]) -> dict[int, list[Comment]]:
    out: dict[int, list[Comment]] = defaultdict(list)
    ids = [c.id for c in parents]
    for chunk in range(0, len(ids), 500):
        query = (
            select(Comment)
            .where(Comment.parent_id.in_(ids[chunk : chunk + 500]))
            .order_by(Comment.id)
        )
        for reply in db.scalars(query):
            out[reply.parent_id or 0].append(reply)
    return out


def _landings(
    db: Session,
    store: DraftStore,
    comments: list[Comment],
    commit_id: str,
    on_iteration: bool,
) -> dict[int, Placed]:
    """Where each carried comment lands on `commit_id` (stored or on the fly)."""
    carried = [c for c in comments if c.commit_id != commit_id]
    if not carried:
        return {}
    if on_iteration:
        rows = db.scalars(
            select(Relocation)
            .where(
                Relocation.commit_id == commit_id,
                Relocation.comment_id.in_([c.id for c in carried]),
            )
            # Who placed a row by hand: one query for all, not one a row.
            .options(selectinload(Relocation.placed_by))
        )
        stored = {
            r.comment_id: Placed(
                r.comment,
                (),
                r.status,
                r.line_start,
                r.line_end,
                r.start,
                r.end,
                r.quote,
                None,
                placed_by=r.placed_by.name if r.placed_by else None,
                placed_at=r.placed_at,
            )
            for r in rows
        }
        return _near_headings(db, store, stored, commit_id)
    memo: dict[tuple[str, str], str | None] = {}
    sources = reanchor.sources(db, store, carried, memo)
    landings = reanchor.relocate_to(store, sources, commit_id, memo)
    by_id = {c.id: c for c in carried}
    return {
        s.comment.id: Placed(
            by_id[s.comment.id],
            (),
            landing.status.value,
            landing.line_start,
            landing.line_end,
            landing.start,
            landing.end,
            landing.quote,
            None,
            landing.near_heading,
            landing.near_line,
            landing.limited,
        )
        for s, landing in zip(sources, landings, strict=True)
    }


def _near_headings(
    db: Session, store: DraftStore, stored: dict[int, Placed], commit_id: str
) -> dict[int, Placed]:
    """`stored` with the heading near each removed passage: relocated again
    (the alignment of the texts is cached) since the rows do not keep it."""
    removed = [
        p.comment for p in stored.values() if p.status == AnchorStatus.ORPHANED.value
    ]
    if not removed:
        return stored
    memo: dict[tuple[str, str], str | None] = {}
    sources = reanchor.sources(db, store, removed, memo)
    for source, landing in zip(
        sources, reanchor.relocate_to(store, sources, commit_id, memo), strict=True
    ):
        found = stored[source.comment.id]
        stored[source.comment.id] = replace(
            found,
            near_heading=landing.near_heading,
            near_line=landing.near_line,
            limited=landing.limited,
        )
    return stored


def for_version(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    path: str,
    commit_id: str,
    filters: Filters,
) -> Margin:
    """The threads the reader may see on `path` at `commit_id`."""
    margin = Margin()
    if user is None:
        return margin
    iteration = db.scalar(
        select(Iteration).where(
            Iteration.code_id == code.id, Iteration.commit_id == commit_id
        )
    )
    margin.on_iteration = iteration is not None
    if iteration is not None and reanchor.pending(db, code, commit_id):
        # Comments written on an older version after this one was published
        # (a Chair's note, say) are carried here once, on first reading;
        # reanchor commits them at once, for every later reader.
        reanchor.reanchor(db, store, code, commit_id, iteration.tag)
    comments = _candidates(
        db, code, path, commit_id, iteration is not None, filters.scope
    )
    visible = [c for c in comments if can_see(user, c)]
    margin.hidden = len(comments) - len(visible)
    wanted = [c for c in visible if _wanted(c, user, filters)]
    landings = _landings(db, store, wanted, commit_id, iteration is not None)
    replies = _replies(db, wanted)
    for comment in wanted:
        thread = tuple(r for r in replies.get(comment.id, []) if can_see(user, r))
        original = Anchor.from_dict(comment.anchor or {})
        if comment.commit_id == commit_id:
            placed = Placed(
                comment,
                thread,
                ORIGINAL,
                original.line_start,
                original.line_end,
                original.start,
                original.end,
                original.quote,
                None,
            )
        elif comment.id in landings:
            land = landings[comment.id]
            placed = replace(
                land, comment=comment, replies=thread, old_quote=original.quote
            )
        else:
            continue  # written on a later version than the one shown
        if placed.status == AnchorStatus.ORPHANED.value:
            margin.removed.append(placed)
        else:
            margin.placed.append(placed)
    margin.placed.sort(key=lambda p: (p.line_start or 0, p.start or 0, p.comment.id))
    return margin


@dataclass(frozen=True, slots=True)
class Panel:
    """Everything the comment margin of a section page needs."""

    margin: Margin
    round: Round | None
    window: str | None
    may_comment: bool
    may_note: bool
    may_place: bool  # carried comments placed by hand (services.placing)
    sees_authors: bool
    message: str
    next_round: Round | None


def panel(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    path: str,
    commit_id: str,
    wg: int | None,
    filters: Filters,
    now: datetime | None = None,
) -> Panel:
    """The margin, the round of this version and what the reader may do."""
    now = now or utcnow()
    round_ = rounds.find_round(db, code, commit_id)
    margin = for_version(db, store, code, user, path, commit_id, filters)
    return Panel(
        margin=margin,
        round=round_,
        window=rounds.state(round_, now).value if round_ else None,
        may_comment=comments.may_comment(user, round_, wg, now),
        may_note=can(user, Action.WRITE_NOTE, wg=wg),
        may_place=margin.on_iteration and can(user, Action.DISPOSE, wg=wg),
        sees_authors=can(user, Action.SEE_ALL_COMMENTS, wg=wg),
        message=comments.window_message(round_, now),
        next_round=rounds.next_open(db, code, now),
    )


@dataclass(frozen=True, slots=True)
class SectionThreads:
    """One section's threads, for the Code-wide list."""

    path: str
    title: str
    wg: int | None
    margin: Margin
    readable: bool = True  # False: its comments are for its Working Group only


def for_code(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    commit_id: str,
    filters: Filters,
) -> list[SectionThreads]:
    """Every section's threads at `commit_id`, filtered (``wg`` picks sections)."""
    out = []
    for section in store.manifest(commit_id).sections:
        if filters.wg is not None and section.wg != filters.wg:
            continue
        found = for_version(db, store, code, user, section.path, commit_id, filters)
        readable = comments.reads_section(user, section.wg)
        out.append(
            SectionThreads(section.path, section.title, section.wg, found, readable)
        )
    return out
