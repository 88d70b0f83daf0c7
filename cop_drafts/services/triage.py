"""The Chairs' triage table: every comment of their Working Groups with where
it landed in the latest iteration, its author, round, thread and answer;
filters on every column, full-text search, sorting and paging in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Category,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Disposition,
    DispositionKind,
    DispositionRevision,
    Organisation,
    Relocation,
    Round,
    User,
)
from cop_drafts.store.errors import NotFound
from cop_drafts.store.refs import MAIN, wg_branch
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import CommitInfo
from cop_drafts.text.anchor import AnchorStatus

from . import codes, comments, dispositions, grouping, search
from .errors import PermissionDenied
from .permissions import Action, can

PER_PAGE = 50
LANDINGS = ("exact", "moved", "fuzzy", "orphaned", "here")
LANDING_WORDS = {
    "exact": "exact",
    "moved": "moved",
    "fuzzy": "reworded",
    "orphaned": "on removed text",
    "here": "written on it",
}
SORTS = {
    "newest": "newest first",
    "oldest": "oldest first",
    "section": "by section and line",
    "thread": "longest threads first",
    "disposition": "by disposition",
}
ANSWERS = ("none", "draft", "released", *[k.value for k in DispositionKind])


@dataclass(frozen=True, slots=True)
class Filters:
    """What the table is narrowed to; empty values mean no filter."""

    wg: int | None = None
    path: str = ""
    landing: str = ""
    category: str = ""
    round_tag: str = ""
    answer: str = ""
    assignee: str = ""  # "me", "none" or a user id
    organisation: str = ""
    q: str = ""
    commit: str = ""  # answers implemented by this change
    group: int = 0  # the comments grouped with this one (same passage or text)
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True, slots=True)
class Row:
    """One comment as the table lists it."""

    id: int
    wg: int | None
    path: str
    line_start: int | None
    quote: str
    body: str
    landing: str
    new_line: int | None
    author: str
    organisation: str
    category: str
    round_tag: str
    created_at: datetime
    replies: int
    kind: DispositionKind | None
    released: bool
    assignee: str


@dataclass(frozen=True, slots=True)
class Table:
    """A page of the table and what it was made from."""

    rows: tuple[Row, ...]
    total: int
    page: int
    pages: int
    filters: Filters
    wgs: tuple[int | None, ...]
    latest_tag: str | None
    latest_commit: str | None
    ids: tuple[int, ...] = field(default=())


def require_triage(
    actor: User | None, all_wgs: tuple[int, ...]
) -> tuple[User, tuple[int | None, ...]]:
    """`actor`, known to triage comments, and the Working Groups whose
    comments they triage (None: sections of the coordinating Chair). Raises
    PermissionDenied when none."""
    found: list[int | None] = [
        wg for wg in all_wgs if can(actor, Action.DISPOSE, wg=wg)
    ]
    if can(actor, Action.DISPOSE, wg=None):
        found.append(None)
    if not found and can(actor, Action.SEE_ALL_COMMENTS, wg=None):
        found = [*all_wgs, None]  # the AI Office reads the table
    if actor is None or not found:
        raise PermissionDenied("The comment table is for the Chairs.")
    return actor, tuple(found)


def _base(
    code: Code, wgs: tuple[int | None, ...], latest: str | None
) -> tuple[Select[int], type[Relocation]]:
    landed = aliased(Relocation)
    in_wgs = [Comment.wg.in_([w for w in wgs if w is not None])]
    if None in wgs:
        in_wgs.append(Comment.wg.is_(None))
    query = (
        select(Comment.id)
        .join(User, User.id == Comment.author_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Round, Round.id == Comment.round_id)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .outerjoin(
            landed,
            and_(landed.comment_id == Comment.id, landed.commit_id == (latest or "")),
        )
        .where(
            Comment.code_id == code.id,
            Comment.parent_id.is_(None),
            Comment.kind == CommentKind.COMMENT,
            Comment.status == CommentStatus.OPEN,
            or_(*in_wgs),
        )
    )
    return query, landed


def _filtered(
    db: Session,
    query: Select[int],
    landed: type[Relocation],
    f: Filters,
    actor: User,
    latest: str | None,
    group_ids: tuple[int, ...] = (),
) -> Select[int]:
    if f.wg is not None:
        query = query.where(Comment.wg == f.wg)
    if f.path:
        query = query.where(Comment.path == f.path)
    if f.landing == "here":
        query = query.where(Comment.commit_id == (latest or ""))
    elif f.landing in LANDINGS:
        query = query.where(landed.status == f.landing)
    if f.category in {c.value for c in Category}:
        query = query.where(User.category == Category(f.category))
    if f.round_tag:
        query = query.where(Round.tag == f.round_tag)
    if f.answer == "none":
        query = query.where(or_(Disposition.id.is_(None), Disposition.kind.is_(None)))
    elif f.answer == "draft":
        query = query.where(
            Disposition.id.is_not(None), Disposition.released_at.is_(None)
        )
    elif f.answer == "released":
        query = query.where(Disposition.released_at.is_not(None))
    elif f.answer in {k.value for k in DispositionKind}:
        query = query.where(Disposition.kind == DispositionKind(f.answer))
    if f.assignee == "me":
        query = query.where(Disposition.assignee_id == actor.id)
    elif f.assignee == "none":
        query = query.where(Disposition.assignee_id.is_(None))
    elif f.assignee.isdigit():
        query = query.where(Disposition.assignee_id == int(f.assignee))
    if f.organisation:
        pattern = "%" + f.organisation.lower().replace("%", "").replace("_", "") + "%"
        query = query.where(func.lower(Organisation.name).like(pattern))
    if f.commit:
        query = query.where(Disposition.commit_id == f.commit)
    if f.group:
        query = query.where(Comment.id.in_(group_ids or (f.group,)))
    condition = search.matching(db, f.q)
    if condition is not None:
        query = query.where(condition)
    return query


def _order(query: Select[int], sort: str, replies: object) -> Select[int]:
    match sort:
        case "oldest":
            return query.order_by(Comment.created_at, Comment.id)
        case "section":
            return query.order_by(Comment.path, Comment.line_start, Comment.id)
        case "thread":
            return query.order_by(replies.desc(), Comment.id.desc())  # type: ignore[attr-defined]
        case "disposition":
            return query.order_by(Disposition.kind, Comment.id.desc())
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def table(
    db: Session, store: DraftStore, code: Code, actor: User | None, f: Filters
) -> Table:
    """A page of the comments `actor` triages, filtered, searched and sorted.

    Raises PermissionDenied.
    """
    actor, wgs = require_triage(actor, store.manifest(MAIN).wgs())
    every = codes.iterations_all(db, code)
    latest = every[-1] if every else None
    latest_commit = latest.commit_id if latest else None
    query, landed = _base(code, wgs, latest_commit)
    group_ids: tuple[int, ...] = ()
    if f.group:
        found = grouping.group_of(db, store, code, f.group)
        group_ids = found.ids if found else (f.group,)
    query = _filtered(db, query, landed, f, actor, latest_commit, group_ids)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, f.page), pages)
    reply = aliased(Comment)
    replies = (
        select(func.count(reply.id))
        .where(reply.parent_id == Comment.id)
        .correlate(Comment)
        .scalar_subquery()
    )
    ordered = _order(query, f.sort, replies)
    ids = list(db.scalars(ordered.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    rows = _rows(db, ids, latest_commit)
    return Table(
        tuple(rows),
        total,
        page,
        pages,
        f,
        wgs,
        latest.tag if latest else None,
        latest_commit,
        tuple(ids),
    )


def _rows(db: Session, ids: list[int], latest: str | None) -> list[Row]:
    if not ids:
        return []
    reply = aliased(Comment)
    assignee = aliased(User)
    counts = dict(
        db.execute(
            select(reply.parent_id, func.count(reply.id))
            .where(reply.parent_id.in_(ids))
            .group_by(reply.parent_id)
        ).all()
    )
    landed = dict(
        db.execute(
            select(Relocation.comment_id, Relocation).where(
                Relocation.comment_id.in_(ids), Relocation.commit_id == (latest or "")
            )
        ).all()
    )
    query = (
        select(Comment, User, Organisation, Round, Disposition, assignee)
        .join(User, User.id == Comment.author_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Round, Round.id == Comment.round_id)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .outerjoin(assignee, assignee.id == Disposition.assignee_id)
        .where(Comment.id.in_(ids))
    )
    found = {row[0].id: row for row in db.execute(query).all()}
    out = []
    for comment_id in ids:
        comment, author, org, round_, answer, chair = found[comment_id]
        landing = landed.get(comment_id)
        status = (
            "here"
            if comment.commit_id == latest
            else (landing.status if landing is not None else "")
        )
        new_line = (
            comment.line_start
            if status == "here"
            else landing.line_start
            if landing is not None and landing.status != AnchorStatus.ORPHANED.value
            else None
        )
        out.append(
            Row(
                id=comment.id,
                wg=comment.wg,
                path=comment.path,
                line_start=comment.line_start,
                quote=str((comment.anchor or {}).get("quote", "")),
                body=comment.body,
                landing=status,
                new_line=new_line,
                author=author.name,
                organisation=org.name if org else "",
                category=CATEGORY_LABELS[author.category] if author.category else "",
                round_tag=round_.tag if round_ else comment.tag,
                created_at=comment.created_at,
                replies=counts.get(comment_id, 0),
                kind=answer.kind if answer else None,
                released=bool(answer and answer.released_at),
                assignee=chair.name if chair else "",
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Detail:
    """One comment opened beside the table: its passage, thread and answer."""

    comment: Comment
    replies: tuple[Comment, ...]
    passage: tuple[tuple[int, str], ...]
    passage_rev: str
    passage_line: int | None
    landing: str
    answer: Disposition | None
    history: tuple[DispositionRevision, ...]
    chairs: tuple[User, ...]
    changes: tuple[CommitInfo, ...]
    may_answer: bool
    implemented: CommitInfo | None
    group: grouping.CommentGroup | None


def detail(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    comment_id: int,
    latest: Table,
) -> Detail:
    """The comment `comment_id` as the panel shows it. Raises NotFound,
    PermissionDenied."""
    comment = comments.get_comment(db, code, comment_id)
    if comment.parent_id is not None or comment.wg not in latest.wgs:
        raise NotFound(f"no comment {comment_id} in your table")
    row = _rows(db, [comment.id], latest.latest_commit)[0]
    rev = latest.latest_tag if row.new_line is not None else comment.tag
    line = row.new_line if row.new_line is not None else comment.line_start
    passage: tuple[tuple[int, str], ...] = ()
    if rev and line:
        try:
            lines = store.read(rev, comment.path).text.splitlines()
        except NotFound:
            lines = []
        first = max(1, line - 2)
        passage = tuple(
            (n, lines[n - 1]) for n in range(first, min(len(lines), line + 6) + 1)
        )
    branch = wg_branch(comment.wg) if comment.wg is not None else MAIN
    try:
        changes = tuple(store.history(branch, comment.path, limit=15))
    except NotFound:
        changes = ()
    replies = db.scalars(
        select(Comment).where(Comment.parent_id == comment.id).order_by(Comment.id)
    )
    answer = dispositions.answers(db, [comment.id]).get(comment.id)
    implemented = None
    if answer is not None and answer.commit_id:
        implemented = store.commit_info(answer.commit_id)
    return Detail(
        comment,
        tuple(replies),
        passage,
        rev or comment.tag,
        line,
        row.landing,
        answer,
        tuple(dispositions.history(db, comment.id)),
        tuple(dispositions.chairs(db, comment.wg)),
        changes,
        can(actor, Action.DISPOSE, wg=comment.wg),
        implemented,
        grouping.group_of(db, store, code, comment.id),
    )


def similar(
    db: Session, store: DraftStore, code: Code, actor: User | None, wg: int | None
) -> list[grouping.CommentGroup]:
    """Groups of similar comments in the Working Groups `actor` triages.

    Raises PermissionDenied.
    """
    _, wgs = require_triage(actor, store.manifest(MAIN).wgs())
    if wg is not None and wg in wgs:
        return grouping.groups(db, store, code, wg=wg)
    found = grouping.groups(db, store, code)
    if set(wgs) >= {*store.manifest(MAIN).wgs(), None}:
        return found
    mine = set(
        db.scalars(
            select(Comment.id).where(
                Comment.code_id == code.id,
                or_(
                    Comment.wg.in_([w for w in wgs if w is not None]),
                    Comment.wg.is_(None) if None in wgs else false(),
                ),
            )
        )
    )
    return [g for g in found if set(g.ids) <= mine]


def excerpts(db: Session, ids: list[int]) -> dict[int, str]:
    """The text of these comments, by id (for a group's representative)."""
    if not ids:
        return {}
    rows = db.execute(select(Comment.id, Comment.body).where(Comment.id.in_(ids)))
    return {comment_id: body for comment_id, body in rows}
