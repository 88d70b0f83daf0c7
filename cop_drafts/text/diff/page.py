"""A complete, printable HTML document of a redline (no JavaScript needed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from cop_drafts.text.diff.summary import ItemChange

if TYPE_CHECKING:
    from cop_drafts.text.diff import DiffResult

#: Print-first stylesheet of the standalone document. The app's own
#: web/static/css/redline.css is for pages; the text layer does not read web/.
PAGE_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; }
body { font: 11pt/1.5 Georgia, "Times New Roman", serif; color: #1b1f24;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1.doc-title { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2.doc-section { font-size: 1.2rem; margin: 2rem 0 0.4rem;
  border-bottom: 1px solid #d9dce1; break-after: avoid; }
.doc-meta, .rl-legend, .doc-summary, .rl-label, .rl-stub, summary, h2.doc-section {
  font-family: system-ui, "Helvetica Neue", Arial, sans-serif; }
.doc-meta { color: #5c6370; margin-top: 0; }
.doc-summary { border: 1px solid #d9dce1; padding: 0.6rem 0.9rem; font-size: 0.9rem; }
.doc-summary table { border-collapse: collapse; margin-top: 0.4rem; }
.doc-summary td, .doc-summary th { text-align: left; padding: 0.1rem 0.8rem 0.1rem 0; }
.rl-legend { font-size: 0.85rem; margin: 0.8rem 0; }
.rl-legend span { margin-right: 1.2rem; }
ins { color: #0a6b2d; text-decoration: underline; text-underline-offset: 2px;
  background: #e3f5e8; }
del { color: #a3141c; text-decoration: line-through; background: #fbe6e7; }
del + ins { margin-left: 0.2em; }
.rl-deleted del, .rl-inserted ins, .rl-rewritten del, .rl-rewritten ins {
  background: none; }
.rl-block { padding-left: 0.8rem; border-left: 3px solid transparent; }
.rl-changed { border-left-color: #c9a227; }
.rl-inserted { border-left-color: #0a6b2d; }
.rl-deleted { border-left-color: #a3141c; }
.rl-moved { border-left: 3px double #3d5ab8; }
.rl-label { font-size: 0.78rem; color: #5c6370; margin: 0.5rem 0 0; }
.rl-moved > .rl-label { color: #3d5ab8; font-weight: 600; }
.rl-stub { font-size: 0.78rem; color: #3d5ab8; margin: 0.2rem 0 0.2rem 0.8rem; }
.rl-stub a, .rl-label a { color: inherit; }
.rl-nochange { padding: 0.5rem 0.8rem; background: #f1f3f5; }
details.rl-fold > summary { font-size: 0.8rem; color: #5c6370; cursor: pointer;
  border: 1px dashed #d9dce1; padding: 0.2rem 0.6rem; }
table { border-collapse: collapse; }
td, th { border: 1px solid #d9dce1; padding: 0.2rem 0.4rem; vertical-align: top; }
.doc-summary td, .doc-summary th { border: none; }
@media print {
  body { margin: 0; max-width: none; }
  ins { background: none; } del { background: none; }
  .rl-block { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

_FOLD = '<details class="rl-fold">'
_FOLD_OPEN = '<details class="rl-fold" open>'
_ITEM_WORDS = {
    "added": "added",
    "removed": "removed",
    "renumbered": "renumbered",
    "changed": "changed",
}


@dataclass(frozen=True, slots=True)
class PagePart:
    """One section of a standalone redline document.

    `heading` is "" in a one-section document; `anchor` prefixes its ids
    (see prefix_ids) and names the section in the document's own links.
    """

    heading: str
    anchor: str
    summary_line: str
    items: tuple[ItemChange, ...]
    redline_html: str


def _items(items: tuple[ItemChange, ...], anchor: str) -> str:
    rows = []
    for item in items:
        label = escape(item.label_new or item.label_old)
        if item.label_old and item.label_new and item.label_old != item.label_new:
            label = f"{escape(item.label_old)} → {escape(item.label_new)}"
        what = _ITEM_WORDS[item.kind]
        if item.kind == "renumbered" and item.content_changed:
            what += " and changed"
        link = (
            f'<a href="#{escape(anchor)}{item.change_id}">{label}</a>'
            if item.change_id
            else label
        )
        rows.append(
            f"<tr><td>{what}</td><td>{link}</td><td>{escape(item.title)}</td></tr>"
        )
    if not rows:
        return ""
    return f"<table><tbody>{''.join(rows)}</tbody></table>"


def document_html(
    parts: Sequence[PagePart],
    *,
    title: str,
    old_label: str,
    new_label: str,
    css: str | None = None,
) -> str:
    """A whole HTML document: title, then per part its summary and redline."""
    style = PAGE_CSS if css is None else css
    style = style.replace("</", "<\\/")  # a caller's CSS cannot close <style>
    meta = f"Changes from <b>{escape(old_label)}</b> to <b>{escape(new_label)}</b>"
    body = []
    for part in parts:
        if part.heading:
            body.append(
                f'<h2 class="doc-section" id="{escape(part.anchor)}">'
                f"{escape(part.heading)}</h2>"
            )
        body.append(
            f'<div class="doc-summary"><p>{escape(part.summary_line)}</p>'
            f"{_items(part.items, part.anchor)}</div>"
        )
        # A file to read and print shows the unchanged text too: folds open.
        # str(): Markup.replace would escape the markup being replaced.
        body.append(str(part.redline_html).replace(_FOLD, _FOLD_OPEN))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{style}</style></head><body>"
        f'<h1 class="doc-title">{escape(title)}</h1>'
        f'<p class="doc-meta">{meta}</p>'
        '<p class="rl-legend"><span><ins>inserted</ins></span>'
        "<span><del>deleted</del></span>"
        '<span class="rl-key-moved">moved: marked in the margin, '
        "with where it came from</span></p>"
        f"{''.join(body)}</body></html>\n"
    )


def page_html(
    result: DiffResult,
    *,
    title: str,
    old_label: str,
    new_label: str,
    css: str | None = None,
) -> str:
    """A whole HTML document of `result`: title, summary, legend, redline."""
    part = PagePart(
        "", "", result.summary_line(), result.summary.items, result.redline_html
    )
    return document_html(
        [part], title=title, old_label=old_label, new_label=new_label, css=css
    )
