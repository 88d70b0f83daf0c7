"""The parts of a standalone redline document (services.redline_document
renders it from a template) and its redline with folds open."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from cop_drafts.text.diff.summary import ItemChange

_FOLD = '<details class="rl-fold">'
_FOLD_OPEN = '<details class="rl-fold" open>'


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


def open_folds(html: str) -> Markup:
    """Redline HTML made here with its folds of unchanged text open, for a
    file to read and print. Only for HTML from this package (sanitised)."""
    # str(): Markup.replace would escape the markup being replaced.
    return Markup(str(html).replace(_FOLD, _FOLD_OPEN))  # noqa: S704
