"""The standalone redline document: one HTML file to keep, mail and print.

Rendered from the template web/templates/diffs/standalone.html with a plain
Jinja environment (autoescaped, no Flask), the app's own stylesheets inlined:
redline.css, the document's frame (redline-document.css) and the variables
of app.css they use. It fetches nothing (a Content-Security-Policy that
allows inline styles only) and runs no script. Used by downloads
(services.diffs), the redline PDF (export.pdf replaces its stylesheet) and
the command line (standalone_html).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from cop_drafts.cache import Memo
from cop_drafts.config import shipped
from cop_drafts.text.diff import ItemChange, PagePart, diff_texts, open_folds

TEMPLATE = "diffs/standalone.html"
_ROOT = re.compile(r":root\s*\{[^}]*\}")
_ITEM_WORDS = {
    "added": "added",
    "removed": "removed",
    "renumbered": "renumbered",
    "changed": "changed",
}


def _item_words(item: ItemChange) -> str:
    what = _ITEM_WORDS[item.kind]
    if item.kind == "renumbered" and item.content_changed:
        what += " and changed"
    return what


def _item_label(item: ItemChange) -> str:
    if item.label_old and item.label_new and item.label_old != item.label_new:
        return f"{item.label_old} → {item.label_new}"
    return item.label_new or item.label_old


# Built once per folder of templates (one in a running app; a few in tests).
_environments: Memo[Path, jinja2.Environment] = Memo(4)
_stylesheets: Memo[Path, Markup] = Memo(4)


def _environment(web_dir: Path) -> jinja2.Environment:
    return _environments.value(web_dir, lambda: _new_environment(web_dir))


def _new_environment(web_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(web_dir / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals.update(item_words=_item_words, item_label=_item_label)
    return env


def stylesheet(web_dir: Path) -> Markup:
    """The app's CSS the document inlines: app.css's variables, redline.css
    and the document's own frame, redline-document.css.

    Safe inside <style>: a "</" cannot close it.
    """
    return _stylesheets.value(web_dir, lambda: _read_stylesheet(web_dir))


def _read_stylesheet(web_dir: Path) -> Markup:
    css = web_dir / "static" / "css"
    app = _ROOT.search((css / "app.css").read_text(encoding="utf-8"))
    variables = app.group(0) if app else ""
    sheets = [variables] + [
        (css / name).read_text(encoding="utf-8")
        for name in ("redline.css", "redline-document.css")
    ]
    text = "\n".join(sheets).replace("</", "<\\/")
    return Markup(text)  # noqa: S704 -- the app's own stylesheet, not user text


def document_html(
    parts: Sequence[PagePart],
    *,
    title: str,
    old_label: str,
    new_label: str,
    web_dir: Path | None = None,
) -> str:
    """A whole HTML document: title, legend, then per part its summary and
    redline with every fold open (a file to read and print shows it all)."""
    folder = web_dir or shipped("web")
    template = _environment(folder).get_template(TEMPLATE)
    return template.render(
        css=stylesheet(folder),
        title=title,
        old_label=old_label,
        new_label=new_label,
        parts=parts,
        redlines=[open_folds(part.redline_html) for part in parts],
    )


def standalone_html(
    old_text: str,
    new_text: str,
    *,
    title: str,
    old_label: str,
    new_label: str,
    web_dir: Path | None = None,
) -> tuple[str, str]:
    """(document, summary line) of the redline of two Markdown texts, for
    files from outside the store (the command line).

    Raises OSError only when the web folder cannot be read.
    """
    result = diff_texts(old_text, new_text)
    part = PagePart(
        "", "", result.summary_line(), result.summary.items, result.redline_html
    )
    html = document_html(
        [part], title=title, old_label=old_label, new_label=new_label, web_dir=web_dir
    )
    return html, result.summary_line()
