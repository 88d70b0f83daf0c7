"""Carrying comments to a new iteration: relocate every open comment once.

Each comment is relocated from where it last landed (its previous
relocation that was not orphaned, else its original anchor), because
consecutive iterations differ least; an orphan from a chained position is
retried from the original anchor before it is given up. Results are stored
beside the comment, one row per comment and iteration, never over it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Comment, CommentStatus, Relocation, utcnow
from cop_drafts.db.session import upsert
from cop_drafts.store.errors import NotFound
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor, AnchorStatus, relocate_many
from cop_drafts.text.anchor import Relocation as Landing


class Anchored(Protocol):
    """What relocation needs of a comment (a Comment, or a light row); read only."""

    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def commit_id(self) -> str: ...
    @property
    def anchor(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    path: str
    commit_id: str
    anchor: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Source:
    comment: Anchored
    commit_id: str
    anchor: Anchor
    is_original: bool


def _text(
    store: DraftStore,
    commit_id: str,
    path: str,
    memo: dict[tuple[str, str], str | None],
) -> str | None:
    key = (commit_id, path)
    if key not in memo:
        try:
            memo[key] = store.read(commit_id, path).text
        except NotFound:
            memo[key] = None
    return memo[key]


def pending(db: Session, code: Code, commit_id: str) -> list[Anchored]:
    """Open top-level comments of other versions not yet relocated to `commit_id`."""
    done = select(Relocation.comment_id).where(Relocation.commit_id == commit_id)
    query = (
        select(Comment.id, Comment.path, Comment.commit_id, Comment.anchor)
        .where(
            Comment.code_id == code.id,
            Comment.parent_id.is_(None),
            Comment.status == CommentStatus.OPEN,
            Comment.commit_id != commit_id,
            Comment.anchor.is_not(None),
            Comment.id.not_in(done),
        )
        .order_by(Comment.id)
    )
    return [_Row(*row) for row in db.execute(query)]


def sources(
    db: Session,
    store: DraftStore,
    comments: Sequence[Anchored],
    memo: dict[tuple[str, str], str | None],
) -> list[_Source]:
    """Where each comment last landed: its newest relocation that was not
    orphaned, else its original anchor."""
    latest: dict[int, Relocation] = {}
    ids = [c.id for c in comments]
    for chunk in range(0, len(ids), 500):
        rows = db.scalars(
            select(Relocation)
            .where(
                Relocation.comment_id.in_(ids[chunk : chunk + 500]),
                Relocation.status != AnchorStatus.ORPHANED.value,
            )
            .order_by(Relocation.id)
        )
        for row in rows:
            latest[row.comment_id] = row
    out = []
    for comment in comments:
        original = Anchor.from_dict(comment.anchor or {})
        last = latest.get(comment.id)
        text = _text(store, last.commit_id, last.path, memo) if last else None
        if (
            last is not None
            and text is not None
            and last.start is not None
            and last.end is not None
            and last.end <= len(text)
        ):
            anchor = Anchor.from_span(text, last.start, last.end)
            out.append(_Source(comment, last.commit_id, anchor, False))
        else:
            out.append(_Source(comment, comment.commit_id, original, True))
    return out


def relocate_to(
    store: DraftStore,
    sources: list[_Source],
    commit_id: str,
    memo: dict[tuple[str, str], str | None],
) -> list[Landing]:
    """Where each source lands on `commit_id`, diffing each text pair once."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, source in enumerate(sources):
        groups[(source.commit_id, source.comment.path)].append(index)
    landings: list[Landing | None] = [None] * len(sources)
    for (old_commit, path), indexes in groups.items():
        old = _text(store, old_commit, path, memo)
        new = _text(store, commit_id, path, memo)
        if old is None or new is None:
            for i in indexes:
                landings[i] = Landing.orphaned()
            continue
        found = relocate_many([sources[i].anchor for i in indexes], old, new)
        for i, landing in zip(indexes, found, strict=True):
            landings[i] = landing
    retry = [
        i
        for i, (s, landing) in enumerate(zip(sources, landings, strict=True))
        if landing is not None
        and landing.status is AnchorStatus.ORPHANED
        and not s.is_original
    ]
    if retry:
        originals = [
            _Source(
                sources[i].comment,
                sources[i].comment.commit_id,
                Anchor.from_dict(sources[i].comment.anchor or {}),
                True,
            )
            for i in retry
        ]
        for i, landing in zip(
            retry, relocate_to(store, originals, commit_id, memo), strict=True
        ):
            landings[i] = landing
    return [landing or Landing.orphaned() for landing in landings]


def carry(
    db: Session, store: DraftStore, code: Code, commit_id: str
) -> list[tuple[Anchored, Landing]]:
    """Where every pending comment lands on `commit_id`; nothing is written."""
    comments = pending(db, code, commit_id)
    memo: dict[tuple[str, str], str | None] = {}
    found = sources(db, store, comments, memo)
    landings = relocate_to(store, found, commit_id, memo)
    return [(s.comment, landing) for s, landing in zip(found, landings, strict=True)]


def record(
    db: Session,
    carried: Sequence[tuple[Anchored, Landing]],
    commit_id: str,
    tag: str,
) -> Counter[str]:
    """Store where each comment landed on iteration `tag` (not committed).

    `commit_id` may differ from the commit the landings were computed on
    when the sections are the same (publishing adds the record of comments
    in a commit of its own). Counts by status.
    """
    counts: Counter[str] = Counter()
    rows = []
    now = utcnow()
    for comment, landing in carried:
        counts[landing.status.value] += 1
        rows.append(
            {
                "comment_id": comment.id,
                "tag": tag,
                "commit_id": commit_id,
                "path": comment.path,
                "status": landing.status.value,
                "start": landing.start,
                "end": landing.end,
                "line_start": landing.line_start,
                "line_end": landing.line_end,
                "quote": landing.quote,
                "score": landing.score,
                "created_at": now,
            }
        )
    if rows:
        # One executemany, not 10,000 ORM objects: publishing stays fast. A
        # landing is stored once: two readers carrying the same late comments
        # at the same moment both insert them, and the second writes nothing.
        table = Relocation.__table__
        assert isinstance(table, Table)
        stmt = upsert(db, table).on_conflict_do_nothing(
            index_elements=[table.c.comment_id, table.c.commit_id]
        )
        db.execute(stmt, rows)
    return counts


def reanchor(
    db: Session, store: DraftStore, code: Code, commit_id: str, tag: str
) -> Counter[str]:
    """Relocate every pending comment to iteration `tag` once; counts by status."""
    counts = record(db, carry(db, store, code, commit_id), commit_id, tag)
    db.commit()
    return counts
