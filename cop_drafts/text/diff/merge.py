"""Merge an old and a new block into one Markdown source with change markers.

The new block's structure is kept; deleted words go in where they stood,
flattened onto one line, inserted words are wrapped line by line. Markers are
private-use characters that the redline turns into <del> and <ins> after
rendering, so the formatting (emphasis, links, lists, tables) survives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from cop_drafts.text.diff.blocks import Block, BlockKind
from cop_drafts.text.diff.words import (
    Op,
    Vocabulary,
    WordDiff,
    count_words,
    diff_words,
)
from cop_drafts.text.sequence import sequence_opcodes

DEL_OPEN, DEL_CLOSE, INS_OPEN, INS_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
#: Below this word-level similarity a redline would shred the paragraph: the
#: old one is shown struck whole and the new one inserted whole instead.
REWRITE_BELOW = 0.5
#: Below this share of content words in common the diff is not even tried.
REWRITE_FLOOR = 0.45
BUDGET_NOTE = "Shown line by line: this change is too large to compare word by word."
_LINE_LEAD = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_SOFT_BREAK = re.compile(r"[ \t]*\n[ \t>]*")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


class Shown(StrEnum):
    """How a changed block is shown in the redline."""

    WORDS = "words"  # word by word, inside the formatted block
    REWRITE = "rewrite"  # old block struck whole, new block inserted whole
    LINES = "lines"  # line by line (code, or past the word-diff budget)


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one block's word diff; past them the block is shown by lines."""

    timeout: float = 0.05  # seconds of diff-match-patch per block
    max_units: int = 4000  # words and marks per side


@dataclass(frozen=True, slots=True)
class Merge:
    """A changed block ready to render: merged source (empty for REWRITE)."""

    shown: Shown
    source: str
    words_added: int
    words_removed: int
    similarity: float
    note: str = ""


def wrap_deleted(text: str) -> str:
    """Deleted text flattened onto one line and wrapped in markers."""
    flat = _SOFT_BREAK.sub(" ", text)
    core = flat.rstrip()
    return DEL_OPEN + core + DEL_CLOSE + flat[len(core) :] if core else flat


def wrap_inserted(text: str) -> str:
    """Inserted text wrapped line by line, leaving line markers outside."""
    out = []
    for number, part in enumerate(text.split("\n")):
        lead_match = _LINE_LEAD.match(part) if number else None
        lead = lead_match.group(0) if lead_match else ""
        body = part[len(lead) :]
        core = body.rstrip()
        marked = INS_OPEN + core + INS_CLOSE if core else ""
        out.append(lead + marked + body[len(core) :])
    return "\n".join(out)


def emit(diff: WordDiff) -> str:
    """Markdown with markers for a word diff."""
    parts = []
    for op, text in diff.ops:
        if op is Op.EQUAL:
            parts.append(text)
        elif op is Op.DELETE:
            parts.append(wrap_deleted(text))
        else:
            parts.append(wrap_inserted(text))
    return "".join(parts)


def _line_ops(old: list[str], new: list[str]) -> list[tuple[Op, str]]:
    ops: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in sequence_opcodes(old, new):
        if tag == "equal":
            ops.extend((Op.EQUAL, line) for line in new[j1:j2])
            continue
        ops.extend((Op.DELETE, line) for line in old[i1:i2])
        ops.extend((Op.INSERT, line) for line in new[j1:j2])
    return ops


def merge_lines(old: str, new: str, *, code: bool, note: str = "") -> Merge:
    """Line-level merge: whole lines deleted and inserted, for code or fallback."""
    lines: list[str] = []
    added = removed = 0
    for op, line in _line_ops(old.split("\n"), new.split("\n")):
        lead_match = re.match(r"^[ \t]*" if code else _LINE_LEAD, line)
        lead = lead_match.group(0) if lead_match else ""
        body = line[len(lead) :]
        if op is Op.EQUAL or not body.strip() or (code and _is_fence(line)):
            if op is not Op.DELETE:
                lines.append(line)
            continue
        if op is Op.DELETE:
            removed += count_words(body)
            lines.append((lead if code else "") + DEL_OPEN + body + DEL_CLOSE)
        else:
            added += count_words(body)
            lines.append(lead + INS_OPEN + body + INS_CLOSE)
    return Merge(Shown.LINES, "\n".join(lines), added, removed, 0.0, note)


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith(("```", "~~~"))


def _rewrite(old: Block, new: Block, similarity: float) -> Merge:
    return Merge(
        Shown.REWRITE,
        "",
        count_words(new.content),
        count_words(old.content),
        similarity,
    )


def merge_blocks(
    old: Block, new: Block, vocabulary: Vocabulary, budget: Budget
) -> Merge:
    """Merge two paired blocks; the shown mode says how to render the result."""
    if BlockKind.CODE in (old.kind, new.kind) or new.kind is BlockKind.OTHER:
        return merge_lines(old.source, new.source, code=True)
    if old.kind is BlockKind.TABLE and new.kind is BlockKind.TABLE:
        table = _merge_table(old.source, new.source, vocabulary, budget)
        return table if table is not None else _rewrite(old, new, 0.0)
    diff = diff_words(
        old.content,
        new.content,
        vocabulary,
        timeout=budget.timeout,
        max_units=budget.max_units,
        floor=REWRITE_FLOOR,
        below=REWRITE_BELOW,
    )
    if diff is None:
        merged = merge_lines(old.content, new.content, code=False, note=BUDGET_NOTE)
        return Merge(
            merged.shown,
            new.prefix + merged.source,
            merged.words_added,
            merged.words_removed,
            0.0,
            BUDGET_NOTE,
        )
    if diff.similarity < REWRITE_BELOW:
        return _rewrite(old, new, diff.similarity)
    note = ""
    if old.kind is BlockKind.HEADING and old.level != new.level:
        note = f"Heading level changed from {old.level} to {new.level}."
    return Merge(
        Shown.WORDS,
        new.prefix + emit(diff),
        diff.words_added,
        diff.words_removed,
        diff.similarity,
        note,
    )


def _cells(row: str) -> list[str]:
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(text)]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _merge_table(
    old: str, new: str, vocabulary: Vocabulary, budget: Budget
) -> Merge | None:
    """Row by row, cell by cell; None when the columns changed."""
    old_rows = [_cells(row) for row in old.split("\n")]
    new_rows = [_cells(row) for row in new.split("\n")]
    width = len(new_rows[0])
    if len(old_rows) < 2 or len(new_rows) < 2 or len(old_rows[0]) != width:
        return None
    counts = [0, 0]

    def cells(old_cells: list[str] | None, new_cells: list[str] | None) -> str:
        merged = []
        for column in range(width):
            before = old_cells[column] if old_cells and column < len(old_cells) else ""
            after = new_cells[column] if new_cells and column < len(new_cells) else ""
            diff = diff_words(
                before,
                after,
                vocabulary,
                timeout=budget.timeout,
                max_units=budget.max_units,
            )
            if diff is None:
                ops = ((Op.DELETE, before), (Op.INSERT, after))
                diff = WordDiff(ops, count_words(after), count_words(before), 0)
            counts[0] += diff.words_added
            counts[1] += diff.words_removed
            merged.append(emit(diff).replace("\n", " "))
        return _row(merged)

    rows = [cells(old_rows[0], new_rows[0]), new.split("\n")[1]]
    old_body, new_body = old_rows[2:], new_rows[2:]
    for tag, i1, i2, j1, j2 in sequence_opcodes(
        ["|".join(row) for row in old_body], ["|".join(row) for row in new_body]
    ):
        if tag == "equal":
            rows.extend(_row(row) for row in new_body[j1:j2])
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            rows.append(cells(old_body[i1 + offset], new_body[j1 + offset]))
        rows.extend(cells(row, None) for row in old_body[i1 + paired : i2])
        rows.extend(cells(None, row) for row in new_body[j1 + paired : j2])
    return Merge(Shown.WORDS, "\n".join(rows), counts[0], counts[1], 1.0)
