"""The whole Code as one document: an HTML body, a standalone HTML file, one
Markdown file and a zip of the tagged tree. PDF (pdf.py) prints the same HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape, unescape
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from cop_drafts.text.render import heading_slug, parse_blocks, render, sanitise

from .archive import fixed_zip
from .model import Document, Section

ASSETS = Path(__file__).with_name("assets")
#: Nothing in the file may be fetched: styles are inline, there is nothing else.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
#: Tables with this many columns or more print in a smaller type.
WIDE_TABLE = 6
VERY_WIDE_TABLE = 12

_LINE_ATTR = re.compile(r' data-line-(?:start|end)="\d+"')
_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ID_ATTR = re.compile(r'( id="| href="#)')
_HEADING = re.compile(r"<h([1-3])\b([^>]*)>(.*?)</h\1>", re.S)
_ID_VALUE = re.compile(r'\bid="([^"]*)"')
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.S)
_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_FIRST_ROW_END = "</tr>"
#: A word this long may be broken anywhere (a URL, an identifier).
_LONG_WORD = re.compile(r"[^\s<>]{32,}")
_CELL = re.compile(r"<t[hd][\s>]")
_TICKS = re.compile(r"`+")
_ANY_ID = re.compile(r' id="([^"]*)"')
_LOCAL_HREF = re.compile(r' href="#([^"]*)"')
_NOTE_LABEL = re.compile(r"(?<!\\)\[\^([^\]\s]+)\]")


@dataclass(frozen=True, slots=True)
class Entry:
    """A line of the contents: a heading's level (1-3), text and element id."""

    level: int
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class Body:
    """Every section rendered in order (sanitised HTML) and its contents."""

    contents: tuple[Entry, ...]
    html: str


def brussels_date(when: datetime) -> str:
    """The day of `when` in Brussels, as the Code writes dates: "5 March 2026"."""
    local = when.astimezone(ZoneInfo("Europe/Brussels"))
    # Month names from a table, not strftime: %B follows the machine's locale.
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def w3c_time(when: datetime) -> str:
    """`when` in UTC to the second, as <meta name="dcterms.*"> and PDFs hold it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def running_title(doc: Document) -> str:
    """What heads every printed page: "<Code title> · <iteration> · <date>"."""
    return f"{doc.code_title} · {doc.iteration} · {brussels_date(doc.published_at)}"


def section_ids(sections: tuple[Section, ...]) -> tuple[str, ...]:
    """Each section's id: heading_slug of its file stem, made unique in order."""
    ids: list[str] = []
    for section in sections:
        base = heading_slug(PurePosixPath(section.path).stem)
        candidate, count = base, 1
        while candidate in ids:
            count += 1
            candidate = f"{base}-{count}"
        ids.append(candidate)
    return tuple(ids)


def _prefix_ids(html: str, prefix: str) -> str:
    # Rendered HTML is sanitised: every attribute value is double quoted and
    # holds no raw quote, so ' id="' and ' href="#' only start attributes.
    return _TAG.sub(lambda tag: _ID_ATTR.sub(r"\g<1>" + prefix, tag.group(0)), html)


def _table_classes(inner: str) -> list[str]:
    first_row = inner.split(_FIRST_ROW_END, 1)[0]
    columns = len(_CELL.findall(first_row))
    classes = []
    if columns >= WIDE_TABLE:
        classes.append("doc-table-wide")
    if columns >= VERY_WIDE_TABLE:
        classes.append("doc-table-very-wide")
    return classes


def _mark_long_words(html: str) -> str:
    # Only such words may break anywhere: "overflow-wrap: anywhere" on whole
    # table cells breaks short words in narrow columns, and makes WeasyPrint
    # measure every cell character by character (most of a PDF's time).
    def mark(text: str) -> str:
        return _LONG_WORD.sub(r'<span class="doc-long-word">\g<0></span>', text)

    out, start = [], 0
    for tag in _TAG.finditer(html):
        out += [mark(html[start : tag.start()]), tag.group(0)]
        start = tag.end()
    out.append(mark(html[start:]))
    return "".join(out)


def _mark_tables(html: str) -> str:
    def mark(match: re.Match[str]) -> str:
        classes = _table_classes(match.group(1))
        if not classes:
            return match.group(0)
        return f'<table class="{" ".join(classes)}">{match.group(1)}</table>'

    return _TABLE.sub(mark, html)


def _headings(html: str) -> list[Entry]:
    entries = []
    for match in _HEADING.finditer(html):
        anchor = _ID_VALUE.search(match.group(2))
        inner = _FOOTNOTE_REF.sub("", match.group(3))
        text = " ".join(unescape(_TAG.sub("", inner)).split())
        if anchor and text:
            entries.append(Entry(int(match.group(1)), text, anchor.group(1)))
    return entries


def _section_html(section: Section, section_id: str) -> tuple[str, list[Entry]]:
    html = _LINE_ATTR.sub("", render(section.text).html).strip()
    html = _prefix_ids(_mark_long_words(_mark_tables(html)), f"{section_id}--")
    entries = _headings(html)
    if not html.startswith("<h1"):
        # A section that does not open with its own title (the real drafts
        # open with an introductory note) gets the manifest's title.
        title = section.title or section_id
        html = f'<h1 class="doc-part-title">{escape(title)}</h1>\n{html}'
        entries.insert(0, Entry(1, title, section_id))
    wrapped = f'<section class="doc-part" id="{section_id}">\n{html}\n</section>'
    return wrapped, entries


def document_body(doc: Document) -> Body:
    """Every section rendered, in order, each in <section class="doc-part">.

    Heading and footnote ids are prefixed with their section's id
    ("risk-assessment--measure-2-1"): slugs never hold "--", so ids are unique
    in the document. The HTML fits inside another page (no <html>, no <style>).
    """
    parts: list[str] = []
    contents: list[Entry] = []
    for section, section_id in zip(
        doc.sections, section_ids(doc.sections), strict=True
    ):
        html, entries = _section_html(section, section_id)
        parts.append(html)
        contents.extend(entries)
    return Body(tuple(contents), sanitise(resolve_links("\n".join(parts))))


def resolve_links(html: str) -> str:
    """`html` with every in-page link pointing to an element that exists.

    A draft links to a heading of another section as the web app shows it
    ("#measure-2-1-1"); prefixing made that "#<its own section>--…". Such a
    link goes to the first element with that id; a link to nothing loses its
    href (WeasyPrint reports each as an error). Sanitised HTML only.
    """
    ids = [anchor for tag in _TAG.findall(html) for anchor in _ANY_ID.findall(tag)]
    known = set(ids)
    first: dict[str, str] = {}
    for anchor in ids:
        first.setdefault(anchor.partition("--")[2] or anchor, anchor)

    def resolve(match: re.Match[str]) -> str:
        target = match.group(1)
        if target in known:
            return match.group(0)
        found = first.get(target.partition("--")[2])
        return f' href="#{found}"' if found else ""

    return _TAG.sub(lambda tag: _LOCAL_HREF.sub(resolve, tag.group(0)), html)


@lru_cache(maxsize=8)
def load_asset(name: str) -> str:
    """The text of a file in assets/ (a stylesheet)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def _notes_html(notes: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", notes.strip()) if p.strip()]
    if not paragraphs:
        return ""
    rendered = "".join(
        "<p>" + "<br>".join(escape(line.strip()) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    return f'<section class="doc-notes"><h2>Release notes</h2>{rendered}</section>'


def _cover_html(doc: Document) -> str:
    facts = (
        ("Iteration", escape(doc.iteration)),
        (
            "Published",
            f'<time datetime="{w3c_time(doc.published_at)}">'
            f"{brussels_date(doc.published_at)}</time>",
        ),
        ("Commit", f"<code>{escape(doc.commit_id)}</code>"),
    )
    rows = "".join(
        f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts
    )
    subtitle = (
        f'<p class="doc-subtitle">{escape(doc.subtitle)}</p>' if doc.subtitle else ""
    )
    return (
        '<header class="doc-cover">'
        f'<h1 class="doc-title">{escape(doc.code_title)}</h1>{subtitle}'
        f'<dl class="doc-facts">{rows}</dl>{_notes_html(doc.notes)}</header>'
    )


def _contents_html(contents: tuple[Entry, ...]) -> str:
    items = "\n".join(
        f'<li class="toc-{entry.level}">'
        f'<a href="#{escape(entry.anchor)}">{escape(entry.text)}</a></li>'
        for entry in contents
    )
    return (
        '<nav class="doc-contents" aria-label="Contents">'
        '<h2 class="doc-contents-title">Contents</h2>'
        f'<ul class="toc">\n{items}\n</ul></nav>'
    )


def html_page(doc: Document, css: str | None = None) -> str:
    """The standalone HTML document as text; `css` replaces document.css."""
    body = document_body(doc)
    style = load_asset("document.css") if css is None else css
    style = style.replace("</", "<\\/")  # no stylesheet can close <style>
    title = f"{doc.code_title} – {doc.iteration}"
    created = w3c_time(doc.published_at)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta name="description" content="{escape(doc.subtitle)}">\n'
        f'<meta name="dcterms.created" content="{created}">\n'
        f'<meta name="dcterms.modified" content="{created}">\n'
        f"<style>\n{style}</style>\n</head>\n<body>\n"
        f"{_cover_html(doc)}\n{_contents_html(body.contents)}\n"
        f'<main class="doc-body">\n{body.html}\n</main>\n</body>\n</html>\n'
    )


def to_html(doc: Document) -> bytes:
    """A standalone UTF-8 HTML file of the iteration that fetches nothing."""
    return html_page(doc).encode("utf-8")


def _relabel_line(line: str, labels: set[str], prefix: str) -> str:
    def relabel(text: str) -> str:
        return _NOTE_LABEL.sub(
            lambda m: f"[^{prefix}{m[1]}]" if m[1] in labels else m[0], text
        )

    out: list[str] = []
    start = pos = 0
    while match := _TICKS.search(line, pos):
        # A code span closes at the next run of exactly as many backticks.
        closing = re.compile(rf"(?<!`){match.group(0)}(?!`)").search(line, match.end())
        if closing is None:
            pos = match.end()  # an unmatched run is literal text
            continue
        out += [
            relabel(line[start : match.start()]),
            line[match.start() : closing.end()],
        ]
        start = pos = closing.end()
    out.append(relabel(line[start:]))
    return "".join(out)


def relabel_footnotes(text: str, prefix: str) -> str:
    """`text` with every footnote label `x` of a defined footnote renamed
    `<prefix>x`, in references and definitions, outside code. Never raises."""
    env: dict[str, object] = {}
    tokens = parse_blocks(text, env, inline=False)
    refs = env.get("footnotes", {})
    labels = (
        {key[1:] for key in refs.get("refs", {})} if isinstance(refs, dict) else set()
    )
    if not labels:
        return text
    code_lines: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            code_lines.update(range(token.map[0], token.map[1]))
    lines = text.split("\n")
    return "\n".join(
        line if number in code_lines else _relabel_line(line, labels, prefix)
        for number, line in enumerate(lines)
    )


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|~^&])", r"\\\1", text)


def _markdown_title(doc: Document) -> str:
    lines = [f"# {_md_escape(doc.code_title)}", ""]
    if doc.subtitle:
        lines += [_md_escape(doc.subtitle), ""]
    lines += [
        f"- Iteration: {_md_escape(doc.iteration)}",
        f"- Published: {brussels_date(doc.published_at)}",
        f"- Commit: `{doc.commit_id}`",
    ]
    notes = doc.notes.strip()
    if notes:
        lines += ["", _md_escape(notes.replace("\r\n", "\n"))]
    return "\n".join(lines)


def to_markdown(doc: Document) -> bytes:
    """The whole Code as one Markdown file: a title block, then every section
    after a rule, footnote labels prefixed with the section id and "--"."""
    parts = [_markdown_title(doc)]
    for section, section_id in zip(
        doc.sections, section_ids(doc.sections), strict=True
    ):
        text = section.text.replace("\r\n", "\n").replace("\r", "\n")
        text = re.sub(r"\A(?:[ \t]*\n)+", "", text).rstrip()
        parts.append(relabel_footnotes(text, f"{section_id}--"))
    return ("\n\n---\n\n".join(parts).rstrip() + "\n").encode("utf-8")


def to_zip(doc: Document) -> bytes:
    """Every file of the tagged tree under the folder `<stem>/`, sorted by path."""
    entries = sorted(doc.files, key=lambda entry: entry[0])
    return fixed_zip(
        ((f"{doc.stem}/{path}", data) for path, data in entries), doc.published_at
    )
