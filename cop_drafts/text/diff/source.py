"""Source diff of two Markdown texts: side by side or unified, words marked.

Every piece of either text is escaped here, so the HTML carries no markup
from the drafts at all; unchanged stretches fold into <details>.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from html import escape

from markupsafe import Markup

from cop_drafts.text.diff.merge import REWRITE_BELOW, Budget
from cop_drafts.text.diff.words import Op, Vocabulary, diff_words

#: Unchanged lines kept around a change; longer unchanged runs fold.
CONTEXT = 3
_MODES = ("split", "unified")


def _marked(ops: list[tuple[Op, str]], side: Op) -> str:
    tag = "del" if side is Op.DELETE else "ins"
    out = []
    for op, text in ops:
        if op is Op.EQUAL:
            out.append(escape(text))
        elif op is side:
            out.append(f"<{tag}>{escape(text)}</{tag}>")
    return "".join(out)


def _pair(old: str, new: str, vocabulary: Vocabulary) -> tuple[str, str]:
    """HTML of a changed line pair with changed words marked on each side."""
    diff = diff_words(old, new, vocabulary, timeout=0.02, max_units=Budget().max_units)
    if diff is None or diff.similarity < REWRITE_BELOW:
        return escape(old), escape(new)
    ops = list(diff.ops)
    return _marked(ops, Op.DELETE), _marked(ops, Op.INSERT)


class _Table:
    """Rows of one mode; changes get ids and the class the navigation uses."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.rows: list[str] = []
        self.changes = 0

    def _start_change(self) -> str:
        self.changes += 1
        return f' id="s-{self.changes}" class="sd-change rl-change"'

    def equal(self, old_no: int, new_no: int, text: str) -> None:
        html = escape(text)
        if self.mode == "split":
            self.rows.append(
                f'<tr class="sd-eq"><td class="sd-num">{old_no}</td>'
                f'<td class="sd-text">{html}</td><td class="sd-num">{new_no}</td>'
                f'<td class="sd-text">{html}</td></tr>'
            )
        else:
            self.rows.append(
                f'<tr class="sd-eq"><td class="sd-num">{old_no}</td>'
                f'<td class="sd-num">{new_no}</td><td class="sd-sign"></td>'
                f'<td class="sd-text">{html}</td></tr>'
            )

    def change(
        self,
        old: list[tuple[int, str]],
        new: list[tuple[int, str]],
        vocabulary: Vocabulary,
    ) -> None:
        pairs = min(len(old), len(new))
        old_html = [escape(t) for _, t in old]
        new_html = [escape(t) for _, t in new]
        for k in range(pairs):
            old_html[k], new_html[k] = _pair(old[k][1], new[k][1], vocabulary)
        first = self._start_change()
        if self.mode == "split":
            for k in range(max(len(old), len(new))):
                attrs = first if k == 0 else ' class="sd-chg"'
                left = _cells(old, old_html, k, "sd-del")
                right = _cells(new, new_html, k, "sd-ins")
                self.rows.append(f"<tr{attrs}>{left}{right}</tr>")
            return
        lines = [
            (str(n), "", "\u2212", h, "sd-del")
            for (n, _), h in zip(old, old_html, strict=True)
        ]
        lines += [
            ("", str(n), "+", h, "sd-ins")
            for (n, _), h in zip(new, new_html, strict=True)
        ]
        for k, (o, n, sign, html, cls) in enumerate(lines):
            attrs = (
                first.replace('class="', f'class="{cls} ')
                if k == 0
                else f' class="{cls}"'
            )
            self.rows.append(
                f'<tr{attrs}><td class="sd-num">{o}</td><td class="sd-num">{n}</td>'
                f'<td class="sd-sign">{sign}</td><td class="sd-text">{html}</td></tr>'
            )

    def flush(self) -> str:
        if not self.rows:
            return ""
        cols = '<col class="sd-c-num"><col><col class="sd-c-num"><col>'
        if self.mode == "unified":
            cols = (
                '<col class="sd-c-num"><col class="sd-c-num">'
                '<col class="sd-c-sign"><col>'
            )
        html = (
            f'<table class="sd-table"><colgroup>{cols}</colgroup>'
            f"<tbody>{''.join(self.rows)}</tbody></table>"
        )
        self.rows = []
        return html


def _cells(lines: list[tuple[int, str]], html: list[str], k: int, cls: str) -> str:
    if k >= len(lines):
        return '<td class="sd-num"></td><td class="sd-text sd-empty"></td>'
    return (
        f'<td class="sd-num">{lines[k][0]}</td><td class="sd-text {cls}">{html[k]}</td>'
    )


def _is_blank(line: str) -> bool:
    return not line.strip()


def source_diff_html(old_text: str, new_text: str, mode: str = "split") -> Markup:
    """HTML of the source diff; `mode` is "split" or "unified" (ValueError)."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, not {mode!r}")
    old, new = old_text.split("\n"), new_text.split("\n")
    table = _Table(mode)
    vocabulary = Vocabulary()
    out: list[str] = []
    # Blank lines may extend a match but never start one: with autojunk off
    # and hundreds of identical blank lines, difflib would take seconds.
    matcher = SequenceMatcher(_is_blank, old, new, autojunk=False)
    opcodes = matcher.get_opcodes()
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag != "equal":
            table.change(
                list(zip(range(i1 + 1, i2 + 1), old[i1:i2], strict=True)),
                list(zip(range(j1 + 1, j2 + 1), new[j1:j2], strict=True)),
                vocabulary,
            )
            continue
        head = CONTEXT if number > 0 else 0
        tail = CONTEXT if number < len(opcodes) - 1 else 0
        if i2 - i1 <= head + tail + 1:
            head, tail = i2 - i1, 0
        for k in range(head):
            table.equal(i1 + k + 1, j1 + k + 1, old[i1 + k])
        folded = i2 - i1 - head - tail
        if folded > 0:
            out.append(table.flush())
            for k in range(head, head + folded):
                table.equal(i1 + k + 1, j1 + k + 1, old[i1 + k])
            summary = (
                f"{folded} unchanged line{'s' if folded != 1 else ''} "
                f"(old {i1 + head + 1}–{i1 + head + folded}, "
                f"new {j1 + head + 1}–{j1 + head + folded})"
            )
            out.append(
                f'<details class="sd-fold"><summary>{summary}</summary>'
                f"{table.flush()}</details>"
            )
        for k in range(i2 - i1 - tail, i2 - i1):
            table.equal(i1 + k + 1, j1 + k + 1, old[i1 + k])
    out.append(table.flush())
    # Trusted: every piece of text in it was escaped here.
    return Markup(f'<div class="srcdiff srcdiff-{mode}">{"".join(out)}</div>')
