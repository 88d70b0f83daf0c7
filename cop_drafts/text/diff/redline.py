"""Rendered redline: the formatted new text with <ins>/<del>, moves and folds.

Unchanged and whole blocks are rendered from the versions' own tokens; changed
blocks are rendered from merged sources whose private-use markers become
<del>/<ins> after sanitising, one text node at a time, so tags always nest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markdown_it.token import Token
from markupsafe import Markup

from cop_drafts.text.diff.blocks import Block, BlockKind, Version
from cop_drafts.text.diff.html import (
    block_tokens,
    direct_html,
    footnote_marks,
    render_batch,
    sanitise_all,
    slices_html,
)
from cop_drafts.text.diff.match import ChangeKind, Step
from cop_drafts.text.diff.merge import (
    DEL_CLOSE,
    DEL_OPEN,
    INS_CLOSE,
    INS_OPEN,
    Merge,
    Shown,
)
from cop_drafts.text.render import FOOTNOTE_MARKS, prepare_tokens

# A tag: the same language as <(?:[^>"']|"[^"]*"|'[^']*')*>, unrolled so that
# the regex engine does not try alternatives at every character.
_TAG_SPLIT = re.compile(r"""(<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>)""")
_MARK_SPLIT = re.compile("([\ue000-\ue003])")
_MARKS = re.compile("[\ue000-\ue003]")
_ENCODED_MARKS = re.compile("%EE%80%8[0-3]", re.IGNORECASE)
_STATE = {DEL_OPEN: "del", INS_OPEN: "ins", DEL_CLOSE: None, INS_CLOSE: None}
#: Unchanged runs longer than this many blocks are folded.
FOLD_AFTER = 3
_FOLDABLE = (ChangeKind.UNCHANGED, ChangeKind.RENUMBERED)
_CLASS = {
    ChangeKind.UNCHANGED: "rl-unchanged",
    ChangeKind.RENUMBERED: "rl-renumbered",
    ChangeKind.CHANGED: "rl-changed",
    ChangeKind.MOVED: "rl-moved",
    ChangeKind.MOVED_EDITED: "rl-moved rl-edited",
    ChangeKind.INSERTED: "rl-inserted",
    ChangeKind.DELETED: "rl-deleted",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the redline: its step, change id and merge (if changed)."""

    step: Step
    change_id: str
    merge: Merge | None


def _batch_source(row: Row, new: Block) -> str:
    assert row.merge is not None
    source = row.merge.source
    if new.kind is BlockKind.FOOTNOTE and source.startswith(new.prefix):
        source = source[len(new.prefix) :]
    return source


def _footnote(marks: dict[str, str], block: Block, html: str) -> str:
    """A footnote definition led by the mark its version's section page shows."""
    if block.kind is not BlockKind.FOOTNOTE:
        return html
    label = block.prefix.strip().removeprefix("[^").removesuffix(":").removesuffix("]")
    mark = escape(marks.get(label, f"[{label}]"))
    return f'<div class="footnote"><span class="rl-fn-label">{mark}</span>{html}</div>'


def _mark(html: str, whole: str | None = None, old_ids: bool = False) -> str:
    """Turn markers into <del>/<ins> per text node; `whole` wraps every node."""
    parts = _TAG_SPLIT.split(html)  # text, tag, text, ..., text
    if _MARKS.search(html) is None and _ENCODED_MARKS.search(html) is None:
        # no markers anywhere: only whole-block wrapping and ids to do
        if whole:
            parts[::2] = [
                f"<{whole}>{p}</{whole}>" if p.strip() else p for p in parts[::2]
            ]
        if old_ids:
            parts[1::2] = [p.replace(' id="', ' id="old-', 1) for p in parts[1::2]]
        return "".join(parts)
    out: list[str] = []
    state: str | None = None
    for index, part in enumerate(parts):
        if index % 2:
            part = _ENCODED_MARKS.sub("", _MARKS.sub("", part))
            if old_ids:
                part = part.replace(' id="', ' id="old-', 1)
            out.append(part)
        else:
            state = _mark_text(part, state, whole, out)
    return "".join(out)


def _mark_text(
    text: str, state: str | None, whole: str | None, out: list[str]
) -> str | None:
    for piece in _MARK_SPLIT.split(text):
        if piece in _STATE:
            state = _STATE[piece]
            continue
        tag = state or whole
        if tag and piece.strip():
            out.append(f"<{tag}>{piece}</{tag}>")
        else:
            out.append(piece)
    return state


def _contexts(version: Version) -> list[str]:
    """For each block, the heading it stands under (itself for a heading)."""
    current = ""
    result = []
    for block in version.blocks:
        if block.kind is BlockKind.HEADING:
            current = " ".join(block.content.split())
        result.append(current)
    return result


def _where(line: int, heading: str) -> str:
    text = f"line {line}"
    if heading:
        short = heading if len(heading) <= 70 else heading[:67] + "…"
        text += f" (§ {short})"
    return escape(text)


class _Builder:
    """Collects raw pieces, sanitises them together and wraps the rows."""

    def __init__(self, old: Version, new: Version, rows: Sequence[Row]) -> None:
        self.old, self.new, self.rows = old, new, rows
        self.old_context = _contexts(old)
        self.new_context = _contexts(new)
        self.direct: tuple[dict[int, str], dict[int, str]] = ({}, {})
        self.marks = (footnote_marks(old), footnote_marks(new))
        # Blocks rendered from a version's own tokens show the same marks.
        old.env[FOOTNOTE_MARKS], new.env[FOOTNOTE_MARKS] = self.marks

    def pieces(self) -> list[list[tuple[str, str | None, bool]]]:
        """Per row: (raw html, whole-mark, old ids) pieces, not yet sanitised."""
        merged = [
            (i, _batch_source(row, self.new.blocks[row.step.new or 0]))
            for i, row in enumerate(self.rows)
            if row.merge is not None and row.merge.shown is not Shown.REWRITE
        ]
        batch = render_batch(
            self.old,
            self.new,
            [(src, self.new.blocks[self.rows[i].step.new or 0]) for i, src in merged],
            {**self.marks[0], **self.marks[1]},
        )
        batch_of = {i: html for (i, _), html in zip(merged, batch, strict=True)}
        self._prepare()
        # Slices are rendered later, all of one version in one renderer call.
        wanted: tuple[list[Block], list[Block]] = ([], [])
        plan: list[list[tuple[int, Block | str, str | None, bool]]] = []
        for i, row in enumerate(self.rows):
            step = row.step
            old = self.old.blocks[step.old] if step.old is not None else None
            new = self.new.blocks[step.new] if step.new is not None else None
            if step.away:
                plan.append([])
            elif i in batch_of and new is not None:
                plan.append(
                    [(-1, _footnote(self.marks[1], new, batch_of[i]), "", False)]
                )
            elif row.merge is not None and old is not None and new is not None:
                plan.append([(0, old, "del", True), (1, new, "ins", False)])
            elif step.kind is ChangeKind.DELETED and old is not None:
                plan.append([(0, old, "del", True)])
            elif new is not None:
                whole = "ins" if step.kind is ChangeKind.INSERTED else None
                plan.append([(1, new, whole, False)])
            for side, block, _, _ in plan[-1]:
                if side >= 0 and isinstance(block, Block):
                    wanted[side].append(block)
        html = (
            slices_html(self.old, wanted[0], self.direct[0]),
            slices_html(self.new, wanted[1], self.direct[1]),
        )
        return [
            [
                (
                    piece
                    if isinstance(piece, str)
                    else _footnote(self.marks[side], piece, html[side][piece.index]),
                    whole,
                    old_ids,
                )
                for side, piece, whole, old_ids in pieces
            ]
            for pieces in plan
        ]

    def _prepare(self) -> None:
        """Inline-parse, in one pass per version, the blocks shown from tokens;
        plain paragraphs and headings (most) are rendered directly instead."""
        shown: tuple[list[Token], list[Token]] = ([], [])
        for row in self.rows:
            step = row.step
            if step.away:
                continue
            merged = row.merge is not None and row.merge.shown is not Shown.REWRITE
            if step.old is not None and (
                step.kind is ChangeKind.DELETED
                or (row.merge is not None and not merged)
            ):
                self._show(0, self.old.blocks[step.old], shown[0])
            if step.new is not None and not merged:
                self._show(1, self.new.blocks[step.new], shown[1])
        prepare_tokens(shown[0], self.old.env)
        prepare_tokens(shown[1], self.new.env)

    def _show(self, side: int, block: Block, shown: list[Token]) -> None:
        tokens = block_tokens(self.new if side else self.old, block)
        html = direct_html(tokens)
        if html is None:
            shown.extend(tokens)
        else:
            self.direct[side][block.index] = html

    def render(self, no_changes: bool) -> str:
        """The redline's HTML: rows wrapped, unchanged stretches folded."""
        raw = self.pieces()
        flat = [piece for pieces in raw for piece in pieces]
        clean = iter(sanitise_all([html for html, _, _ in flat]))
        rows_html: list[str] = []
        for row, pieces in zip(self.rows, raw, strict=True):
            body = []
            for _, whole, old_ids in pieces:
                html: str = next(clean)
                if whole is not None:
                    html = _mark(html, whole or None, old_ids)
                body.append(html)
            rows_html.append(self._wrap(row, "".join(body)))
        folded = self._fold(rows_html)
        notice = ""
        if no_changes:
            notice = '<p class="rl-nochange">No changes between these versions.</p>'
        return f'<div class="redline">{notice}{folded}</div>'

    def _wrap(self, row: Row, body: str) -> str:
        step = row.step
        if step.away:
            return self._stub(row)
        classes = ["rl-block", _CLASS[step.kind]]
        if step.kind not in _FOLDABLE:
            classes.append("rl-change")
        label = self._label(row)
        if row.merge is not None and row.merge.shown is Shown.REWRITE:
            classes.append("rl-rewritten")
        attrs = f' class="{" ".join(classes)}" data-change="{step.kind}"'
        if row.change_id:
            attrs += f' id="{row.change_id}"'
        if step.old is not None:
            old = self.old.blocks[step.old]
            attrs += f' data-old-lines="{old.line_start}-{old.line_end}"'
        return f"<div{attrs}>{label}{body}</div>\n"

    def _label(self, row: Row) -> str:
        step, parts = row.step, []
        old = self.old.blocks[step.old] if step.old is not None else None
        if step.kind in (ChangeKind.MOVED, ChangeKind.MOVED_EDITED) and old:
            where = _where(old.line_start, self.old_context[old.index])
            edited = ", and edited" if step.kind is ChangeKind.MOVED_EDITED else ""
            parts.append(
                f'Moved from <a href="#{row.change_id}-from">{where}</a>{edited}'
            )
        elif step.kind is ChangeKind.RENUMBERED and old and step.new is not None:
            new_number = self.new.blocks[step.new].number or "none"
            parts.append(
                f"Renumbered: {escape(old.number or 'none')} → {escape(new_number)}"
            )
        if row.merge is not None and row.merge.shown is Shown.REWRITE:
            parts.append("Rewritten: the old text is struck, the new one inserted")
        if row.merge is not None and row.merge.note:
            parts.append(escape(row.merge.note))
        if not parts:
            return ""
        return f'<p class="rl-label">{" · ".join(parts)}</p>'

    def _stub(self, row: Row) -> str:
        new = self.new.blocks[row.step.new or 0]
        where = _where(new.line_start, self.new_context[new.index])
        return (
            f'<div class="rl-stub" id="{row.change_id}-from">'
            f'<a href="#{row.change_id}">Moved to {where}</a></div>\n'
        )

    def _fold(self, rows_html: list[str]) -> str:
        out: list[str] = []
        run: list[int] = []
        for index in range(len(self.rows) + 1):
            row = self.rows[index] if index < len(self.rows) else None
            if row is not None and not row.step.away and row.step.kind in _FOLDABLE:
                run.append(index)
                continue
            out.append(self._fold_run(run, rows_html, index == len(self.rows)))
            run = []
            if row is not None:
                out.append(rows_html[index])
        return "".join(out)

    def _fold_run(self, run: list[int], rows_html: list[str], at_end: bool) -> str:
        if len(run) <= FOLD_AFTER:
            return "".join(rows_html[i] for i in run)
        head = run[:1] if run[0] > 0 else []
        tail = run[-1:] if not at_end else []
        middle = run[len(head) : len(run) - len(tail)]
        blocks = [self.new.blocks[self.rows[i].step.new or 0] for i in middle]
        headings = [b for b in blocks if b.kind is BlockKind.HEADING]
        text = (
            f"{len(middle)} unchanged paragraph{'s' if len(middle) != 1 else ''} "
            f"(lines {blocks[0].line_start}–{blocks[-1].line_end})"
        )
        if headings:
            first = " ".join(headings[0].content.split())
            text += f" · § {first[:60]}" + (" …" if len(headings) > 1 else "")
        return (
            "".join(rows_html[i] for i in head)
            + f'<details class="rl-fold"><summary>{escape(text)}</summary>'
            + "".join(rows_html[i] for i in middle)
            + "</details>\n"
            + "".join(rows_html[i] for i in tail)
        )


def render_redline(
    old: Version, new: Version, rows: Sequence[Row], *, no_changes: bool
) -> Markup:
    """Sanitised redline HTML for aligned rows of two split versions."""
    # Trusted: sanitised pieces in wrappers built here from escaped values.
    return Markup(_Builder(old, new, rows).render(no_changes))
