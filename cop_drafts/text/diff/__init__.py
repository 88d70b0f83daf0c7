"""Diff of two Markdown versions as policy people read it: a tracked-changes redline.

Blocks are matched (unchanged, changed, moved, inserted, deleted), changed ones
refined to words with diff-match-patch, and the result is rendered as
sanitised HTML, as a source diff and as a summary. Pure functions on strings.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from markupsafe import Markup

from cop_drafts.text.diff import plain as _plain
from cop_drafts.text.diff.blocks import Block, BlockKind, Version, clean_text
from cop_drafts.text.diff.blocks import split_version as _split
from cop_drafts.text.diff.match import ChangeKind, Step, align
from cop_drafts.text.diff.merge import Budget, Merge, Shown, merge_blocks
from cop_drafts.text.diff.page import PagePart, open_folds
from cop_drafts.text.diff.passages import marked_lines
from cop_drafts.text.diff.redline import Row, render_redline
from cop_drafts.text.diff.source import source_diff_html
from cop_drafts.text.diff.summary import (
    DiffSummary,
    ItemChange,
    ItemChangeKind,
    summarise,
)
from cop_drafts.text.diff.words import Vocabulary
from cop_drafts.text.render import RENDER_VERSION, OverBudget, budget_scope
from cop_drafts.text.render import Budget as ParseBudget

#: Bump whenever diff output changes; it keys cached diffs with both commit ids.
DIFF_VERSION = f"6+render{RENDER_VERSION}"
#: What parsing the versions (and the changed blocks) may cost, all together:
#: past it, or past MAX_CHARS, the redline compares the sources line by line.
PARSE_BUDGET = ParseBudget(seconds=1.0)
MAX_CHARS = 3_000_000

__all__ = [
    "DIFF_VERSION",
    "Budget",
    "BlockKind",
    "ChangeKind",
    "DiffBlock",
    "DiffResult",
    "DiffSummary",
    "ItemChange",
    "ItemChangeKind",
    "MAX_CHARS",
    "PARSE_BUDGET",
    "PagePart",
    "Shown",
    "diff_texts",
    "marked_lines",
    "open_folds",
    "prefix_ids",
    "source_html",
    "summary_line",
]


@dataclass(frozen=True, slots=True)
class DiffBlock:
    """One block of the redline in reading order, with what happened to it.

    Lines are 1-based and inclusive; `change_id` is "" for unchanged blocks and
    otherwise usable as a URL fragment of the redline.
    """

    kind: ChangeKind
    change_id: str
    old_lines: tuple[int, int] | None
    new_lines: tuple[int, int] | None
    old_source: str
    new_source: str
    shown: Shown | None
    words_added: int
    words_removed: int
    note: str


@dataclass(frozen=True, slots=True)
class DiffResult:
    """Everything a diff page shows; identical inputs give identical results."""

    old_text: str
    new_text: str
    blocks: tuple[DiffBlock, ...]
    summary: DiffSummary
    identical: bool
    redline_html: Markup

    @property
    def has_changes(self) -> bool:
        """False when the texts are the same or differ only in spacing."""
        return self.summary.changes > 0

    def summary_line(self) -> str:
        """One line for the command line: counts of changes and words."""
        if self.identical:
            return "No changes: the two versions are identical."
        return self.summary.line()

    def source_html(self, mode: str = "split") -> Markup:
        """Source diff HTML, "split" (side by side) or "unified"; ValueError else."""
        return source_diff_html(self.old_text, self.new_text, mode)


def _change_id(kind: ChangeKind, old: Block | None, new: Block | None) -> str:
    parts = (str(kind), old.source if old else "", new.source if new else "", "")
    data = "\0".join(parts).encode("utf-8")
    return "c-" + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:8]


def _rows(
    old: Version, new: Version, steps: Sequence[Step], budget: Budget
) -> list[Row]:
    vocabulary = Vocabulary()
    ids: dict[tuple[int | None, int | None], str] = {}
    seen: dict[str, int] = {}
    rows: list[Row] = []
    for step in steps:
        old_block = old.blocks[step.old] if step.old is not None else None
        new_block = new.blocks[step.new] if step.new is not None else None
        key = (step.old, step.new)
        if key not in ids:
            change_id = ""
            if step.kind is not ChangeKind.UNCHANGED:
                change_id = _change_id(step.kind, old_block, new_block)
                count = seen.get(change_id, 0)
                seen[change_id] = count + 1
                change_id += f"-{count + 1}" if count else ""
            ids[key] = change_id
        merge: Merge | None = None
        edited = step.kind in (ChangeKind.CHANGED, ChangeKind.MOVED_EDITED)
        if edited and not step.away and old_block and new_block:
            merge = merge_blocks(old_block, new_block, vocabulary, budget)
        rows.append(Row(step, ids[key], merge))
    return rows


def _diff_block(row: Row, old: Version, new: Version) -> DiffBlock:
    step, merge = row.step, row.merge
    old_block = old.blocks[step.old] if step.old is not None else None
    new_block = new.blocks[step.new] if step.new is not None else None
    return DiffBlock(
        kind=step.kind,
        change_id=row.change_id,
        old_lines=(old_block.line_start, old_block.line_end) if old_block else None,
        new_lines=(new_block.line_start, new_block.line_end) if new_block else None,
        old_source=old_block.source if old_block else "",
        new_source=new_block.source if new_block else "",
        shown=merge.shown if merge else None,
        words_added=merge.words_added if merge else 0,
        words_removed=merge.words_removed if merge else 0,
        note=merge.note if merge else "",
    )


def diff_texts(
    old_text: str, new_text: str, *, budget: Budget | None = None
) -> DiffResult:
    """Diff two Markdown texts: blocks, redline HTML and summary. Never raises.

    Past the parse budget (PARSE_BUDGET, MAX_CHARS) the redline compares the
    sources line by line, unformatted, and says so.
    """
    if max(len(old_text), len(new_text)) > MAX_CHARS:
        return _plain_diff(old_text, new_text, f"over {MAX_CHARS:,} characters")
    with _collector_paused():
        # Called, not inlined: the tokens and blocks go when _diff returns,
        # before the collector is back, which then has little left to walk.
        try:
            with budget_scope(PARSE_BUDGET):
                return _diff(old_text, new_text, budget or Budget())
        except OverBudget as over:
            reason = over.reason
    return _plain_diff(old_text, new_text, f"the text is {reason}")


def _plain_diff(old_text: str, new_text: str, reason: str) -> DiffResult:
    """The line-by-line redline, as a DiffResult: one block per change."""
    old, new = clean_text(old_text), clean_text(new_text)
    hunks, body = _plain.line_diff(old, new)
    blocks = tuple(
        DiffBlock(
            kind=ChangeKind.CHANGED
            if hunk.old_text and hunk.new_text
            else ChangeKind.DELETED
            if hunk.old_text
            else ChangeKind.INSERTED,
            change_id=hunk.change_id,
            old_lines=hunk.old_lines,
            new_lines=hunk.new_lines,
            old_source=hunk.old_text,
            new_source=hunk.new_text,
            shown=Shown.LINES,
            words_added=0,
            words_removed=0,
            note=_plain.NOTE.format(reason=reason),
        )
        for hunk in hunks
    )
    added, removed = _plain.words(hunks)
    kinds = [block.kind for block in blocks]
    summary = DiffSummary(
        words_added=added,
        words_removed=removed,
        changed=kinds.count(ChangeKind.CHANGED),
        moved=0,
        moved_edited=0,
        inserted=kinds.count(ChangeKind.INSERTED),
        deleted=kinds.count(ChangeKind.DELETED),
        renumbered=0,
        items=(),
    )
    html = _plain.page(body, reason)
    return DiffResult(old, new, blocks, summary, old_text == new_text, html)


def _diff(old_text: str, new_text: str, budget: Budget) -> DiffResult:
    old = _split(clean_text(old_text))
    new = _split(clean_text(new_text))
    steps = align(old.blocks, new.blocks)
    rows = _rows(old, new, steps, budget)
    summary = summarise(rows, old.blocks, new.blocks)
    html = render_redline(old, new, rows, no_changes=summary.changes == 0)
    blocks = tuple(_diff_block(row, old, new) for row in rows if not row.step.away)
    identical = old_text == new_text
    return DiffResult(old.text, new.text, blocks, summary, identical, html)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a diff runs, if it was running.

    A diff makes hundreds of thousands of objects (tokens, blocks, word
    units) that live until it returns and form no cycles, so each collection
    of the oldest generation walks them all for nothing: a fifth of the time
    of a 1.5 MB diff. Reference counting still frees everything as usual,
    and what it frees before the collector is back is never walked at all.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def summary_line(old_text: str, new_text: str) -> str:
    """The one-line summary of diff_texts(old_text, new_text), for the CLI."""
    return diff_texts(old_text, new_text).summary_line()


def source_html(old_text: str, new_text: str, mode: str = "split") -> Markup:
    """Source diff HTML of two texts alone, as DiffResult.source_html gives it.

    Raises ValueError for a mode other than "split" or "unified".
    """
    return source_diff_html(clean_text(old_text), clean_text(new_text), mode)


_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ID_ATTR = re.compile(r'( id="| href="#)')


def prefix_ids(html: str, prefix: str) -> str:
    """Prefix every id and in-page link of diff HTML, so that several diffs
    can share one page. Only for HTML made here (sanitised, attribute values
    double quoted, so no value holds a raw quote). Never raises.
    """
    if not prefix:
        return html
    return _TAG.sub(lambda tag: _ID_ATTR.sub(r"\g<1>" + prefix, tag.group(0)), html)
