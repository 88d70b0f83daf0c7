"""Groups of open comments the Chairs answer together: the same passage
(compared where each comment landed on the newest published iteration) or
near-identical text, body and proposed wording (campaigns, co-signed
letters); see text.similar for the method.

No permission check here: the caller (the triage page) decides who may see
which groups; a group only names comment ids and counts. The last few
groupings are kept in memory per process and reused while no comment of
the Code changed (see _state), so a page may call this on every view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from cop_drafts.cache import Memo
from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Category,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Organisation,
    Relocation,
    Round,
    User,
)
from cop_drafts.store.repo import DraftStore
from cop_drafts.text import similar
from cop_drafts.text.anchor import AnchorStatus
from cop_drafts.text.similar import Reason

from . import codes, reanchor

__all__ = ["CommentGroup", "Reason", "group_of", "groups"]

NOT_GIVEN = "Not given"
_CHUNK = 500  # ids per IN (...): well under every database's parameter limit
_KEPT = 8  # groupings kept in memory, by scope and the state of the comments


@dataclass(frozen=True, slots=True)
class CommentGroup:
    """Open comments answered together and who stands behind them.

    `ids` ascending; `organisations` counts distinct organisations, a
    participant without one counting as their own; `categories` are
    (label, comments) pairs, most first; `near_identical` the members
    linked by text, `representative` the letter to read first (None when
    the group is only the same passage).
    """

    ids: tuple[int, ...]
    size: int
    organisations: int
    authors: int
    categories: tuple[tuple[str, int], ...]
    reason: Reason
    representative: int | None
    near_identical: tuple[int, ...]


@dataclass(slots=True)  # not frozen: reanchor.Anchored has plain attributes
class _Row:
    """A comment as relocation needs it (reanchor.Anchored)."""

    id: int
    path: str
    commit_id: str
    anchor: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Author:
    author_id: int
    organisation_id: int | None
    category: Category | None


_kept: Memo[tuple[object, ...], tuple[similar.Group, ...]] = Memo(_KEPT)


def groups(
    db: Session,
    store: DraftStore,
    code: Code,
    *,
    wg: int | None = None,
    round_tag: str | None = None,
) -> list[CommentGroup]:
    """Groups of two or more open top-level comments of `code` (not notes),
    largest first; narrowed to Working Group `wg` and to the round held on
    iteration `round_tag` when given. Raises nothing of its own.
    """
    found = _grouped(db, store, code, wg, round_tag)
    authors = _authors(db, [i for g in found for i in g.ids])
    return [_describe(g, authors) for g in found]


def group_of(
    db: Session, store: DraftStore, code: Code, comment_id: int
) -> CommentGroup | None:
    """The group of comment `comment_id` among all open comments of `code`,
    or None when it is in none (or is not an open comment of `code`).

    Repeated calls reuse the grouping while no comment of the Code changed.
    """
    for found in _grouped(db, store, code, None, None):
        if comment_id in found.ids:
            return _describe(found, _authors(db, found.ids))
    return None


def _scope(code: Code, wg: int | None, round_tag: str | None) -> Select[Any]:
    """Open top-level comments of the Code (not notes), narrowed."""
    query = select(Comment.id).where(
        Comment.code_id == code.id,
        Comment.parent_id.is_(None),
        Comment.kind == CommentKind.COMMENT,
        Comment.status == CommentStatus.OPEN,
    )
    if wg is not None:
        query = query.where(Comment.wg == wg)
    if round_tag is not None:
        query = query.join(Round, Round.id == Comment.round_id).where(
            Round.tag == round_tag
        )
    return query


def _grouped(
    db: Session,
    store: DraftStore,
    code: Code,
    wg: int | None,
    round_tag: str | None,
) -> tuple[similar.Group, ...]:
    every = codes.iterations_all(db, code)
    latest = every[-1].commit_id if every else None
    key = (code.id, wg, round_tag, latest, *_state(db, code, latest))
    return _kept.value(
        key,
        lambda: tuple(similar.group(_items(db, store, code, wg, round_tag, latest))),
    )


def _state(db: Session, code: Code, latest: str | None) -> tuple[object, ...]:
    """What changes whenever a grouping could: a comment written, edited,
    withdrawn or deleted (count, newest id, last update, total length), a
    landing stored, another database."""
    row = db.execute(
        select(
            func.count(Comment.id),
            func.max(Comment.id),
            func.max(Comment.updated_at),
            func.sum(func.length(Comment.body)),
        ).where(Comment.code_id == code.id)
    ).one()
    landings = db.scalar(
        select(func.count(Relocation.id)).where(Relocation.commit_id == (latest or ""))
    )
    url = db.get_bind().engine.url.render_as_string(hide_password=True)
    return (url, *row, landings)


def _items(
    db: Session,
    store: DraftStore,
    code: Code,
    wg: int | None,
    round_tag: str | None,
    latest: str | None,
) -> list[similar.Item]:
    """One Item per comment in scope, placed on the newest iteration when it
    landed there, else on the iteration it was written on."""
    landed = aliased(Relocation)
    ids = _scope(code, wg, round_tag).subquery()
    query = (
        select(
            Comment.id,
            Comment.body,
            Comment.proposed_text,
            Comment.path,
            Comment.commit_id,
            Comment.anchor,
            landed.status,
            landed.start,
            landed.end,
        )
        .join(ids, ids.c.id == Comment.id)
        .outerjoin(
            landed,
            and_(landed.comment_id == Comment.id, landed.commit_id == (latest or "")),
        )
        .order_by(Comment.id)
    )
    rows = db.execute(query).all()
    missing = [
        _Row(r.id, r.path, r.commit_id, r.anchor)
        for r in rows
        if latest and r.commit_id != latest and r.status is None and r.anchor
    ]
    late = _relocate(db, store, missing, latest) if missing and latest else {}
    items = []
    for r in rows:
        text = f"{r.body}\n\n{r.proposed_text}" if r.proposed_text else r.body
        anchor = r.anchor or {}
        written = (r.commit_id, _offset(anchor, "start"), _offset(anchor, "end"))
        if latest is None or r.commit_id == latest:
            version, start, end = written
        elif r.id in late:
            version, (start, end) = latest, late[r.id]
        elif r.status not in (None, AnchorStatus.ORPHANED) and r.start is not None:
            version, start, end = latest, r.start, r.end
        else:  # gone from the newest iteration: meets others on its own
            version, start, end = written
        items.append(similar.Item(r.id, text, r.path, start, end, version))
    return items


def _offset(anchor: dict[str, Any], name: str) -> int | None:
    value = anchor.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _relocate(
    db: Session, store: DraftStore, rows: Sequence[_Row], latest: str
) -> dict[int, tuple[int | None, int | None]]:
    """Where comments not yet carried to `latest` land there (computed, not
    stored: publishing stores landings; this only covers gaps)."""
    memo: dict[tuple[str, str], str | None] = {}
    found = reanchor.sources(db, store, rows, memo)
    landings = reanchor.relocate_to(store, found, latest, memo)
    return {
        source.comment.id: (landing.start, landing.end)
        for source, landing in zip(found, landings, strict=True)
        if landing.start is not None
    }


def _authors(db: Session, ids: Iterable[int]) -> dict[int, _Author]:
    """Author, organisation and category of each comment (the person's
    category, else their organisation's)."""
    wanted = sorted(set(ids))
    out: dict[int, _Author] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(
                Comment.id,
                Comment.author_id,
                User.organisation_id,
                User.category,
                Organisation.category,
            )
            .join(User, User.id == Comment.author_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(Comment.id.in_(wanted[start : start + _CHUNK]))
        )
        for cid, author, organisation, category, fallback in db.execute(query):
            out[cid] = _Author(author, organisation, category or fallback)
    return out


def _describe(found: similar.Group, authors: dict[int, _Author]) -> CommentGroup:
    people = [authors[i] for i in found.ids if i in authors]
    # A participant without an organisation stands for themselves.
    organisations = {
        ("organisation", a.organisation_id)
        if a.organisation_id is not None
        else ("person", a.author_id)
        for a in people
    }
    labels = Counter(
        CATEGORY_LABELS[a.category] if a.category else NOT_GIVEN for a in people
    )
    return CommentGroup(
        ids=found.ids,
        size=len(found.ids),
        organisations=len(organisations),
        authors=len({a.author_id for a in people}),
        categories=tuple(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))),
        reason=found.reason,
        representative=found.representative,
        near_identical=found.near_identical,
    )
