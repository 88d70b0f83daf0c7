"""The record of a round's comments: where each landed and how it was answered,
written as CSV, XLSX and Markdown into the commit of the next iteration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Round,
    Visibility,
)
from cop_drafts.export.report import ReportRow, report_files
from cop_drafts.store.errors import NotFound
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import AnchorStatus
from cop_drafts.text.anchor import Relocation as Landing

from . import dispositions
from .reanchor import Anchored

#: How a landing reads in the record: plain words, as on the pages.
LANDING_WORDS = {
    AnchorStatus.EXACT: "exact",
    AnchorStatus.MOVED: "moved",
    AnchorStatus.FUZZY: "reworded",
    AnchorStatus.ORPHANED: "on removed text",
}


def round_comments(db: Session, round_: Round) -> list[Comment]:
    """The open comments (not notes, not replies) of a round, in id order."""
    return list(
        db.scalars(
            select(Comment)
            .where(
                Comment.round_id == round_.id,
                Comment.parent_id.is_(None),
                Comment.kind == CommentKind.COMMENT,
                Comment.status == CommentStatus.OPEN,
            )
            .order_by(Comment.id)
        )
    )


def heading_above(text: str, line: int) -> str:
    """The text of the nearest Markdown heading at or above 1-based `line`."""
    lines = text.splitlines()
    for index in range(min(line, len(lines)) - 1, -1, -1):
        stripped = lines[index].lstrip()
        if stripped.startswith("#"):
            return stripped.lstrip("#").strip()
    return ""


def place(text: str | None, landing: Landing) -> str:
    """Where a landing is: "lines 12–14, § Measure 2.1"; "" when orphaned."""
    if landing.status is AnchorStatus.ORPHANED or landing.line_start is None:
        return ""
    start, end = landing.line_start, landing.line_end or landing.line_start
    where = f"line {start}" if start == end else f"lines {start}–{end}"
    heading = heading_above(text, start) if text else ""
    return f"{where}, § {heading}" if heading else where


def files(
    db: Session,
    store: DraftStore,
    code: Code,
    round_: Round,
    new_tag: str,
    new_commit: str,
    carried: Sequence[tuple[Anchored, Landing]],
    when: datetime,
) -> dict[str, bytes]:
    """The record files of `round_` (path -> bytes) for iteration `new_tag`.

    Organisations are named only where the round showed comments to the
    Working Group; a round kept to the Chairs gives stakeholder categories.
    Answers appear as far as the Chairs released them.
    """
    landed = {comment.id: landing for comment, landing in carried}
    manifest = store.manifest(new_commit)
    titles = {s.path: s.title for s in manifest.sections}
    texts: dict[str, str | None] = {}
    named = round_.visibility is Visibility.WORKING_GROUP
    found = round_comments(db, round_)
    answers = dispositions.released(db, [c.id for c in found])
    rows = []
    for comment in found:
        answer = answers.get(comment.id)
        landing = landed.get(comment.id)
        if comment.path not in texts:
            try:
                texts[comment.path] = store.read(new_commit, comment.path).text
            except NotFound:
                texts[comment.path] = None
        author = comment.author
        category = author.category or (
            author.organisation.category if author.organisation else None
        )
        rows.append(
            ReportRow(
                comment_id=comment.id,
                wg=comment.wg,
                section=titles.get(comment.path, comment.path),
                path=comment.path,
                quote=str((comment.anchor or {}).get("quote", "")),
                landing=LANDING_WORDS[landing.status] if landing else "",
                place=place(texts[comment.path], landing) if landing else "",
                organisation=(
                    author.organisation.name if named and author.organisation else ""
                ),
                category=CATEGORY_LABELS[category] if category else "",
                comment=comment.body,
                proposed=comment.proposed_text or "",
                disposition=(
                    DISPOSITION_LABELS[answer.kind] if answer and answer.kind else ""
                ),
                response=answer.response if answer else "",
            )
        )
    order = {s.path: n for n, s in enumerate(manifest.sections)}
    rows.sort(key=lambda r: (order.get(r.path, len(order)), r.comment_id))
    return report_files(
        round_.tag,
        title=manifest.title,
        new_iteration=new_tag,
        when=when,
        rows=rows,
    )
