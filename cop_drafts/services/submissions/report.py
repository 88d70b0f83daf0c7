"""The export of every comment of a Code with the Chairs' answers, as CSV or
XLSX."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Disposition,
)
from cop_drafts.export.report import ReportRow, to_csv, to_xlsx
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import Manifest, SectionSpec
from cop_drafts.store.repo import DraftStore

from .. import codes
from ..errors import ValidationError
from ..record import heading_above
from .values import FORMATS


def export(db: Session, store: DraftStore, code: Code, fmt: str) -> bytes:
    """Every comment of the Code with the Chairs' answers, as CSV or XLSX
    (report.COLUMNS), by iteration, section and line.

    Every open (not withdrawn) comment, not replies or internal notes, of
    every round. "Where it landed" says which iteration it was written on and
    "Place" where. Disposition is the label of the Chairs' disposition;
    while the answer is not released to participants, " [not released]"
    follows the label (or stands alone when there is no label yet), and the
    Response column holds the response as the Chairs wrote it, released or
    not. Raises ValidationError (format).
    """
    if fmt not in FORMATS:
        raise ValidationError(f"No export as {fmt!r}: choose csv or xlsx.")
    comments = list(
        db.scalars(
            select(Comment).where(
                Comment.code_id == code.id,
                Comment.parent_id.is_(None),
                Comment.kind == CommentKind.COMMENT,
                Comment.status == CommentStatus.OPEN,
            )
        )
    )
    answers = {
        d.comment_id: d
        for d in db.scalars(
            select(Disposition).where(
                Disposition.comment_id.in_(
                    select(Comment.id).where(Comment.code_id == code.id)
                )
            )
        )
    }
    order = {it.tag: n for n, it in enumerate(codes.iterations_all(db, code))}
    manifests: dict[str, Manifest] = {}
    texts: dict[tuple[str, str], str] = {}
    rows: list[tuple[tuple[int, int, int, int], ReportRow]] = []
    for comment in comments:
        if comment.commit_id not in manifests:
            manifests[comment.commit_id] = store.manifest(comment.commit_id)
        manifest = manifests[comment.commit_id]
        key = (comment.commit_id, comment.path)
        if key not in texts:
            try:
                texts[key] = store.read(*key).text
            except NotFound:
                texts[key] = ""
        paths = [s.path for s in manifest.sections]
        spec = manifest.find_section(comment.path)
        sort = (
            order.get(comment.tag, len(order)),
            paths.index(comment.path) if comment.path in paths else len(paths),
            comment.line_start or 0,
            comment.id,
        )
        rows.append((sort, _report_row(comment, spec, texts[key], answers)))
    rows.sort(key=lambda pair: pair[0])
    ordered = [row for _, row in rows]
    if fmt == "csv":
        return to_csv(ordered)
    times = [c.updated_at for c in comments] + [d.updated_at for d in answers.values()]
    return to_xlsx(ordered, when=max(times, default=datetime(2020, 1, 1, tzinfo=UTC)))


def _report_row(
    comment: Comment,
    spec: SectionSpec | None,
    text: str,
    answers: dict[int, Disposition],
) -> ReportRow:
    author = comment.author
    category = author.category or (
        author.organisation.category if author.organisation else None
    )
    answer = answers.get(comment.id)
    disposition = response = ""
    if answer is not None:
        disposition = DISPOSITION_LABELS[answer.kind] if answer.kind else ""
        if answer.released_at is None:
            disposition = f"{disposition} [not released]".strip()
        response = answer.response
    start, end = comment.line_start or 0, comment.line_end or comment.line_start or 0
    where = f"line {start}" if start == end else f"lines {start}–{end}"
    heading = heading_above(text, start) if text and start else ""
    return ReportRow(
        comment_id=comment.id,
        wg=comment.wg,
        section=spec.title if spec else comment.path,
        path=comment.path,
        quote=str((comment.anchor or {}).get("quote", "")),
        landing=f"Written on {comment.tag}",
        place=(f"{where}, § {heading}" if heading else where) if start else "",
        organisation=author.organisation.name if author.organisation else "",
        category=CATEGORY_LABELS[category] if category else "",
        comment=comment.body,
        proposed=comment.proposed_text or "",
        disposition=disposition,
        response=response,
    )
