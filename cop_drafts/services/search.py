"""Full-text search over comments, one interface over two engines.

SQLite: the FTS5 table ``comments_fts`` (kept by triggers, see migration
0005). PostgreSQL: a GIN index on the same ``to_tsvector('simple', ...)``
expression written below, so the planner uses it. Both match every word the
reader typed as a prefix, in the comment, its proposed wording or its quote;
only word characters reach either engine, so no query syntax can be injected.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Integer, TextClause, column, text
from sqlalchemy.orm import Session

from cop_drafts.db.models import Comment

MAX_WORDS = 12
_WORD = re.compile(r"\w+")

_POSTGRES = text(
    "to_tsvector('simple', comments.body || ' ' || "
    "coalesce(comments.proposed_text, '') || ' ' || "
    "coalesce(comments.anchor ->> 'quote', '')) @@ to_tsquery('simple', :tsquery)"
)


def words(query: str) -> list[str]:
    """The words of a search, lower-cased, at most MAX_WORDS."""
    return _WORD.findall(query.lower())[:MAX_WORDS]


def matching(db: Session, query: str) -> ColumnElement[bool] | TextClause | None:
    """A condition on comments matching every word of `query` (as prefixes),
    or None when the query has no words."""
    found = words(query)
    if not found:
        return None
    if db.get_bind().dialect.name == "sqlite":
        fts = " AND ".join(f'"{w}"*' for w in found)
        ids = (
            text("SELECT rowid FROM comments_fts WHERE comments_fts MATCH :fts")
            .bindparams(fts=fts)
            .columns(column("rowid", Integer))
        )
        return Comment.id.in_(ids)
    return _POSTGRES.bindparams(tsquery=" & ".join(f"{w}:*" for w in found))
