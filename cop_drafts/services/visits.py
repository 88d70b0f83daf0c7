"""When a signed-in person last read each section, and which sections changed
on the text they read since then (marked unread on the Code page)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, case, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, SectionVisit, User, utcnow
from cop_drafts.db.session import upsert
from cop_drafts.store.errors import StoreError
from cop_drafts.store.refs import MAIN, is_branch_name
from cop_drafts.store.repo import DraftStore

from . import codes as code_service

log = logging.getLogger(__name__)

REREAD = timedelta(minutes=1)
VISIT_WAIT_MS = 500


@dataclass(frozen=True, slots=True)
class Visit:
    """A person's last reading of one section."""

    path: str
    rev: str
    commit_id: str
    blob_id: str
    before_commit_id: str | None
    visited_at: datetime


def record(
    db: Session,
    store: DraftStore,
    user: User | None,
    code: Code,
    path: str,
    *,
    rev: str,
    commit_id: str,
) -> bool:
    """Note that `user` just read `path` at `commit_id` (asked for as `rev`).

    One upsert and a commit; call it after the page is rendered. It never
    raises: a visit not written must not fail the page (False then). A
    visitor who is not signed in leaves no trace.
    """
    if user is None:
        return False
    try:
        blob_id = store.read(commit_id, path).blob_id
        stmt = _upsert(db, user, code, path, rev, commit_id, blob_id)
        if db.get_bind().dialect.name == "postgresql":
            # A visit is worth no disk flush of its own: after a crash the
            # last second of visits may be gone, never anything else.
            db.execute(text("SET LOCAL synchronous_commit TO OFF"))
            db.execute(stmt)
        else:
            _write_briefly(db, stmt)
        db.commit()
    except (SQLAlchemyError, StoreError):
        log.warning("visit of %s by user %s not recorded", path, user.id, exc_info=True)
        db.rollback()
        return False
    return True


def _write_briefly(db: Session, stmt: Any) -> None:
    """Run `stmt` on SQLite waiting at most VISIT_WAIT_MS for the write lock.

    Writers that hold the lock (a rush of comments) must not hold up a page
    view for the ten seconds a save may wait: a visit not written in time is
    dropped. The connection's own wait is restored before it is released.
    """
    connection = db.connection()
    usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {VISIT_WAIT_MS}")
    try:
        connection.execute(stmt)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual or 0)}")


def _upsert(
    db: Session,
    user: User,
    code: Code,
    path: str,
    rev: str,
    commit_id: str,
    blob_id: str,
) -> Any:
    table = SectionVisit.__table__
    assert isinstance(table, Table)
    now = utcnow()
    stmt = upsert(db, table).values(
        user_id=user.id,
        code_id=code.id,
        path=path,
        rev=rev[:64],
        commit_id=commit_id,
        blob_id=blob_id,
        before_commit_id=None,
        visited_at=now,
    )
    new = stmt.excluded
    # The text read before keeps its place until the section changes again.
    before = case(
        (table.c.blob_id != new.blob_id, table.c.commit_id),
        else_=table.c.before_commit_id,
    )
    # The same text read again within a minute writes nothing (a reload).
    again = (
        (table.c.blob_id == new.blob_id)
        & (table.c.commit_id == new.commit_id)
        & (table.c.rev == new.rev)
        & (table.c.visited_at > now - REREAD)
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.code_id, table.c.path],
        where=~again,
        set_={
            "rev": new.rev,
            "commit_id": new.commit_id,
            "blob_id": new.blob_id,
            "before_commit_id": before,
            "visited_at": new.visited_at,
        },
    )


def visits(db: Session, user: User | None, code: Code) -> dict[str, Visit]:
    """The person's last visit of each section of `code`, by path."""
    if user is None:
        return {}
    rows = db.scalars(
        select(SectionVisit).where(
            SectionVisit.user_id == user.id, SectionVisit.code_id == code.id
        )
    )
    return {
        r.path: Visit(
            r.path, r.rev, r.commit_id, r.blob_id, r.before_commit_id, r.visited_at
        )
        for r in rows
    }


def find_visit(db: Session, user: User | None, code: Code, path: str) -> Visit | None:
    """The person's last visit of section `path`, or None."""
    return visits(db, user, code).get(path) if user is not None else None


def changed_since(
    db: Session,
    store: DraftStore,
    user: User | None,
    code: Code,
    path: str,
    commit_id: str,
) -> Visit | None:
    """The person's last visit of `path` when the text at `commit_id` came
    after the one they read then and differs from it (None otherwise: a first
    visit, the same text, or an older or unrelated version)."""
    visit = find_visit(db, user, code, path)
    if visit is None:
        return None
    try:
        blob_id = store.read(commit_id, path).blob_id
        later = store.is_ancestor(visit.commit_id, commit_id)
    except StoreError:
        return None
    return visit if later and visit.blob_id != blob_id else None


def since_commit(visit: Visit | None, blob_id: str) -> str | None:
    """The text to compare with for "since my last visit" when the section's
    text is now blob `blob_id`: the one last read if it differs, else the one
    read before that (the visit that just happened read this very text)."""
    if visit is None:
        return None
    if visit.blob_id != blob_id:
        return visit.commit_id
    return visit.before_commit_id


def unread_paths(
    db: Session, user: User | None, code: Code, store: DraftStore
) -> set[str]:
    """Sections the person read before whose text has changed since, on the
    text they read: the same Working Group's draft or the consolidated text,
    or the newest published draft they may see when they read a published
    one (or a single version). Sections never read are not listed.
    Raises nothing for a store that cannot be read: the sections concerned
    are then not marked.
    """
    seen = visits(db, user, code)
    if not seen:
        return set()
    return _changed(db, user, code, store, seen)


def _changed(
    db: Session,
    user: User | None,
    code: Code,
    store: DraftStore,
    seen: dict[str, Visit],
) -> set[str]:
    visible = code_service.iterations(db, code, user)
    newest = visible[-1].tag if visible else MAIN
    heads: dict[str, str | None] = {}
    out = set()
    for visit in seen.values():
        follow = visit.rev if is_branch_name(visit.rev) else newest
        if follow not in heads:
            heads[follow] = store.find_commit_id(follow)
        head = heads[follow]
        if head is None:
            continue
        try:
            blob_id = store.read(head, visit.path).blob_id
        except StoreError:
            continue  # the section is not in that text (any more)
        if blob_id != visit.blob_id:
            out.add(visit.path)
    return out
