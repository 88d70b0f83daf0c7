"""Document exports of a published iteration, read back with their own readers:
HTML with html.parser, Markdown with markdown-it, zips with zipfile, PDFs
with pypdf (and WeasyPrint's layout, for what no reader shows)."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pypdf import PdfReader

from cop_drafts.export import html as export_html
from cop_drafts.export import pdf as export_pdf
from cop_drafts.export.archive import zip_time
from cop_drafts.export.errors import ExportUnavailable
from cop_drafts.export.model import Document
from cop_drafts.services.redline_document import document_html
from cop_drafts.text.diff import PagePart, diff_texts, prefix_ids
from cop_drafts.text.render import render
from tests.unit.export.reproduce import outputs_elsewhere

from .conftest import (
    COMMIT_ID,
    SECTIONS,
    STRESS_SECTIONS,
    STRESS_URL,
    WHEN,
    make_document,
)

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[3]
HEADER = "General-Purpose AI Code of Practice · draft-3 · 5 March 2026"
FORBIDDEN_TAGS = {"script", "link", "img", "iframe", "object", "embed", "base"}


class Page(HTMLParser):
    """What the tests look at in an HTML file."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.styles: list[str] = []
        self.text: dict[str, list[str]] = {}  # class -> texts of elements
        self._open: list[tuple[str, str]] = []
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("style"):
            self.styles.append(values["style"] or "")
        self._in_style = tag == "style"
        if tag not in ("br", "meta", "hr", "input"):
            self._open.append((tag, values.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        for _, classes in self._open:
            for name in classes.split():
                self.text.setdefault(name, []).append(data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    def joined(self, css_class: str) -> str:
        return " ".join("".join(self.text.get(css_class, [])).split())


def words(text: str) -> str:
    return " ".join(text.split())


# ---- HTML body ----------------------------------------------------------------


def test_body_sections_in_order_with_unique_prefixed_ids(document: Document) -> None:
    body = export_html.document_body(document)
    page = Page(body.html)
    sections = [v["id"] for tag, v in page.tags if tag == "section" and v.get("id")]
    assert sections == ["preamble", "risk-assessment", "glossary"]
    assert len(page.ids) == len(set(page.ids))
    headings = [
        v["id"] for tag, v in page.tags if tag in ("h1", "h2", "h3") and "id" in v
    ]
    assert "risk-assessment--measure-2-1-1-taxonomy" in headings
    assert all(i and "--" in i and i.split("--")[0] in sections for i in headings)
    assert not any(k.startswith("data-line") for _, v in page.tags for k in v)


def test_body_contents_lists_headings_one_to_three(document: Document) -> None:
    body = export_html.document_body(document)
    ids = set(Page(body.html).ids)
    assert [(e.level, e.text) for e in body.contents] == [
        (1, "Preamble"),
        (2, "Purpose of this Code"),
        (1, "Risk identification and assessment"),
        (2, "Commitment 2.1: Systemic Risk identification"),
        (3, "Measure 2.1.1: Taxonomy"),
        (3, "Measure 2.1.2: Scenarios"),
        (1, "Glossary"),  # the manifest's title: the section opens with ## Terms
        (2, "Terms"),
        (2, "Abbreviations"),
    ]
    assert all(entry.anchor in ids for entry in body.contents)
    assert body.contents[6].anchor == "glossary"


def test_body_fits_inside_another_page(document: Document) -> None:
    names = Page(export_html.document_body(document).html).names()
    assert not names & {"html", "head", "body", "style", "title", "meta"}
    assert not names & FORBIDDEN_TAGS


def test_footnotes_of_two_sections_do_not_collide(document: Document) -> None:
    page = Page(export_html.document_body(document).html)
    for section in ("preamble", "risk-assessment"):
        assert f"{section}--fn1" in page.ids
        assert f"#{section}--fn1" in page.hrefs
        assert f"#{section}--fnref1" in page.hrefs
    assert len(page.ids) == len(set(page.ids))


def test_links_between_sections_are_resolved_or_dropped() -> None:
    doc = make_document(
        (
            *SECTIONS,
            ("links.md", "Links", "WG", "# Links\n\n[gone](#no-such-heading)\n"),
        )
    )
    page = Page(export_html.document_body(doc).html)
    # The preamble links to "#measure-2-1-1-taxonomy", a heading of section 2.
    assert "#risk-assessment--measure-2-1-1-taxonomy" in page.hrefs
    local = [h for h in page.hrefs if h.startswith("#")]
    assert all(h[1:] in page.ids for h in local)
    assert "gone" in page.joined("doc-part")


def test_brussels_dates_follow_summer_time() -> None:
    assert export_html.brussels_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == (
        "29 March 2026"
    )
    assert export_html.brussels_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == (
        "2 July 2026"
    )
    assert export_html.brussels_date(datetime(2026, 7, 1, 21, 30, tzinfo=UTC)) == (
        "1 July 2026"
    )


# ---- standalone HTML -------------------------------------------------------------


def test_html_fetches_nothing(stress_document: Document) -> None:
    page = Page(export_html.to_html(stress_document).decode("utf-8"))
    assert not page.names() & FORBIDDEN_TAGS
    assert not any("url(" in style.lower() for style in page.styles)
    assert not any("@import" in style for style in page.styles)
    csp = [v for tag, v in page.tags if tag == "meta" and v.get("http-equiv")]
    assert csp == [
        {
            "http-equiv": "Content-Security-Policy",
            "content": "default-src 'none'; style-src 'unsafe-inline'",
        }
    ]


def test_html_ids_unique_and_contents_resolve(stress_document: Document) -> None:
    page = Page(export_html.to_html(stress_document).decode("utf-8"))
    assert len(page.ids) == len(set(page.ids))
    contents = [
        v["href"]
        for tag, v in page.tags
        if tag == "a" and (v.get("href") or "").startswith("#")
    ]
    assert len(contents) > 10
    assert all((href or "")[1:] in page.ids for href in contents)
    assert STRESS_URL in page.hrefs


def test_html_title_block_is_escaped(document: Document) -> None:
    html = export_html.to_html(document).decode("utf-8")
    page = Page(html)
    assert "not" not in page.names()
    assert page.joined("doc-title") == "General-Purpose AI Code of Practice"
    assert "<not> an official document" in page.joined("doc-subtitle")
    facts = page.joined("doc-facts")
    assert "draft-3" in facts
    assert "5 March 2026" in facts
    assert COMMIT_ID in facts
    assert "Revised after <412> comments & more." in page.joined("doc-notes")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<style>") == 1


def test_long_words_may_break_anywhere(stress_document: Document) -> None:
    page = Page(export_html.document_body(stress_document).html)
    long_words = page.text["doc-long-word"]
    assert long_words.count(STRESS_URL) == 3  # in a link, in text, in a table
    assert "Regulation" not in " ".join(long_words)


def test_wide_tables_are_marked(stress_document: Document) -> None:
    page = Page(export_html.document_body(stress_document).html)
    classes = [v.get("class") or "" for tag, v in page.tags if tag == "table"]
    assert "doc-table-wide doc-table-very-wide" in classes
    assert "" in classes  # the risk table: three columns, short words


# ---- Markdown ------------------------------------------------------------------


def test_markdown_footnote_labels_are_unique(document: Document) -> None:
    text = export_html.to_markdown(document).decode("utf-8")
    unfenced = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    definitions = re.findall(r"^\[\^([^\]]+)\]:", unfenced, re.M)
    assert definitions == ["preamble--1", "risk-assessment--1", "risk-assessment--note"]
    for label in definitions:
        assert f"[^{label}]" in text.replace(f"[^{label}]:", "")
    # Code is left alone: the fenced definition and the inline code span.
    assert "\n[^1]: not a footnote, a code line\n" in text
    assert "Write `[^1]` in code" in text


def test_markdown_renders_every_footnote_once(document: Document) -> None:
    text = export_html.to_markdown(document).decode("utf-8")
    page = Page(render(text).html)
    notes = [
        v
        for tag, v in page.tags
        if tag == "li" and "footnote-item" in (v.get("class") or "")
    ]
    assert len(notes) == 3


def test_markdown_title_block_and_rules(document: Document) -> None:
    text = export_html.to_markdown(document).decode("utf-8")
    head = text.split("\n\n---\n\n")[0]
    assert head.startswith("# General-Purpose AI Code of Practice\n")
    assert r"\<not\> an official document" in head
    assert "- Iteration: draft-3" in head
    assert "- Published: 5 March 2026" in head
    assert f"- Commit: `{COMMIT_ID}`" in head
    assert text.count("\n\n---\n\n") == len(document.sections)
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_relabel_keeps_undefined_labels() -> None:
    text = "A[^x] and [^y] and \\[^x].\n\n[^x]: note\n"
    assert export_html.relabel_footnotes(text, "s--") == (
        "A[^s--x] and [^y] and \\[^x].\n\n[^s--x]: note\n"
    )


# ---- zip ----------------------------------------------------------------------


def test_zip_holds_the_files_under_the_stem(document: Document) -> None:
    with zipfile.ZipFile(io.BytesIO(export_html.to_zip(document))) as archive:
        infos = archive.infolist()
        got = [(info.filename, archive.read(info)) for info in infos]
    expected = [(f"gpai-code-draft-3/{p}", data) for p, data in sorted(document.files)]
    assert got == expected
    assert {info.date_time for info in infos} == {zip_time(WHEN)}


# ---- determinism ----------------------------------------------------------------

TEXT_FORMATS: list[Callable[[Document], bytes]] = [
    export_html.to_html,
    export_html.to_markdown,
    export_html.to_zip,
]


@pytest.mark.parametrize("build", TEXT_FORMATS, ids=lambda f: f.__name__)
def test_text_formats_are_deterministic(
    build: Callable[[Document], bytes], stress_document: Document
) -> None:
    assert build(stress_document) == build(make_document(STRESS_SECTIONS))


# ---- PDF ------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def built(function: Callable[[], T]) -> tuple[T, list[str]]:
    """What `function` returns and WeasyPrint's warnings and errors meanwhile."""
    handler = Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        data = function()
    finally:
        logger.removeHandler(handler)
    return data, [
        r.getMessage() for r in handler.records if r.levelno >= logging.WARNING
    ]


@pytest.fixture(scope="module")
def sample_pdf() -> tuple[bytes, list[str]]:
    return built(lambda: export_pdf.to_pdf(make_document()))


def page_texts(data: bytes) -> list[str]:
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_logs_nothing(sample_pdf: tuple[bytes, list[str]]) -> None:
    assert sample_pdf[1] == []


def test_pdf_every_page_has_header_and_page_number(
    sample_pdf: tuple[bytes, list[str]],
) -> None:
    texts = page_texts(sample_pdf[0])
    assert len(texts) == 5  # title, contents, one page per section
    for number, text in enumerate(texts, start=1):
        assert HEADER in text
        assert f"Page {number} of {len(texts)}" in text


def test_pdf_title_page_and_contents(sample_pdf: tuple[bytes, list[str]]) -> None:
    texts = page_texts(sample_pdf[0])
    assert "General-Purpose AI Code of Practice" in texts[0]
    assert COMMIT_ID in texts[0]
    assert "Revised after <412> comments & more." in texts[0]
    assert "Contents" in texts[1]
    body = export_html.document_body(make_document())
    for entry in body.contents:
        match = re.search(re.escape(entry.text) + r" ?[. ]*(\d+)", texts[1])
        assert match, entry.text
        assert entry.text in texts[int(match.group(1)) - 1]  # the page it names


def test_pdf_sections_start_pages_and_keep_heading_order(
    sample_pdf: tuple[bytes, list[str]],
) -> None:
    texts = page_texts(sample_pdf[0])
    assert "Purpose of this Code" in texts[2]
    assert "Measure 2.1.2: Scenarios" in texts[3]
    assert "Abbreviations" in texts[4]
    everything = " ".join(texts[2:])
    position = 0
    for entry in export_html.document_body(make_document()).contents:
        found = everything.find(entry.text, position)
        assert found >= 0, entry.text
        position = found


SHIPPED_FONTS = {
    "Export-Sans",
    "Export-Sans-Bold",
    "Export-Sans-Italic",
    "Export-Sans-Bold-Italic",
    "Export-Mono",
}


def font_names(data: bytes) -> set[str]:
    """Names of the fonts a PDF uses, each checked to be embedded."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(font["/BaseFont"].split("+", 1)[1])
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded
    return names


def test_pdf_uses_no_font_of_the_machine() -> None:
    html = (
        "<style>" + export_html.load_asset("page.css") + "</style>"
        "<p style=\"font-family: 'DejaVu Serif', 'Liberation Serif', serif\">"
        "Serif <b>asked</b> <i>for</i></p><pre>mono</pre>"
    )
    data = export_pdf.render_pdf(html).write_pdf()
    assert font_names(data) == SHIPPED_FONTS - {"Export-Sans-Bold-Italic"}


def test_pdf_metadata_and_fonts_are_fixed(sample_pdf: tuple[bytes, list[str]]) -> None:
    reader = PdfReader(io.BytesIO(sample_pdf[0]))
    info = reader.metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20260305093000Z"
    assert info["/ModDate"] == "D:20260305093000Z"
    assert info["/Title"] == "General-Purpose AI Code of Practice – draft-3"
    identifier = hashlib.sha256(f"cop-drafts:{COMMIT_ID}".encode()).hexdigest()[:32]
    assert identifier.encode() in sample_pdf[0]
    assert font_names(sample_pdf[0]) <= SHIPPED_FONTS


def test_pdf_is_the_same_twice(sample_pdf: tuple[bytes, list[str]]) -> None:
    assert export_pdf.to_pdf(make_document()) == sample_pdf[0]


def test_pdf_is_the_same_from_other_processes(
    sample_pdf: tuple[bytes, list[str]],
) -> None:
    code = (
        "import hashlib, sys\n"
        "from cop_drafts.export.pdf import to_pdf\n"
        "from tests.unit.export.conftest import make_document\n"
        "print(hashlib.sha256(to_pdf(make_document())).hexdigest())\n"
    )
    digests = outputs_elsewhere(code)
    assert digests == {hashlib.sha256(sample_pdf[0]).hexdigest()}


def boxes_past_the_margin(layout: Any) -> list[str]:
    """Boxes of a laid-out PDF that reach past the right margin."""
    past = []
    for number, page in enumerate(layout.pages, start=1):
        page_box = page._page_box
        limit = page.width - page_box.margin_right + 0.5
        for box in page_box.descendants():
            if box is page_box or getattr(box, "width", None) is None:
                continue
            if box.position_x + box.margin_width() > limit:
                past.append(f"page {number}: {type(box).__name__} {box.element_tag}")
    return past


def test_pdf_stress_content_stays_on_the_page(stress_document: Document) -> None:
    layout, logged = built(
        lambda: export_pdf.render_pdf(export_pdf.pdf_html(stress_document))
    )
    assert logged == []
    assert boxes_past_the_margin(layout) == []
    text = " ".join(page_texts(layout.write_pdf()))
    for sample in ("Κώδικας Πρακτικής", "Кодекс на добрите", "žluťoučký kůň", "€"):
        assert sample in text
    assert "Column30" in text.replace(" ", "")  # cells break words anywhere


def test_pdf_glyphs_missing_from_the_shipped_fonts_are_reported() -> None:
    doc = make_document((("x.md", "X", "WG", "# X\n\nA robot 🤖 here.\n"),))
    _, logged = built(lambda: export_pdf.to_pdf(doc))
    # No machine font fills in: the glyph is a box, the same everywhere.
    assert logged and all(".notdef" in message for message in logged)


@pytest.mark.slow
def test_a_300_kb_section_exports() -> None:
    paragraph = (
        "Signatories shall assess and mitigate systemic risks along the entire "
        "model lifecycle, including during development, as set out in Measure "
        "II.{n}, and shall document the results in the Model Report[^{n}].\n\n"
    )
    parts = []
    for n in range(1, 1320):
        if n % 40 == 1:
            parts.append(f"## Commitment II.{n}\n\n### Measure II.{n}.1\n\n")
        parts.append(paragraph.format(n=n) + f"[^{n}]: Footnote {n}.\n\n")
    text = "# Safety and security\n\n" + "".join(parts)
    assert len(text.encode()) > 300_000
    doc = make_document((("safety-security.md", "Safety and security", "WG", text),))
    html = export_html.to_html(doc).decode("utf-8")
    page = Page(html)
    assert len(page.ids) == len(set(page.ids))
    data, logged = built(lambda: export_pdf.to_pdf(doc))
    assert logged == []
    assert len(PdfReader(io.BytesIO(data)).pages) > 50


# ---- redline PDF -------------------------------------------------------------------

OLD = """\
# Measures

## Measure 1

Signatories shall keep records for five years.

- one
- two

## Measure 2

Text that stays.

Text that stays, again.

Text that stays, a third time.

Text that stays, a fourth time.

Text that goes away entirely.
"""
NEW = OLD.replace("five years", "ten years and publish a summary").replace(
    "Text that goes away entirely.\n", "A new paragraph on incident reporting.\n"
)


def redline_html() -> str:
    result = diff_texts(OLD, NEW)
    part = PagePart(
        "Measures",
        "measures",
        result.summary_line(),
        result.summary.items,
        prefix_ids(result.redline_html, "measures"),
    )
    return document_html(
        [part],
        title="Changes from draft-2 to draft-3",
        old_label="draft-2",
        new_label="draft-3",
    )


def make_redline() -> bytes:
    return export_pdf.redline_pdf(
        redline_html(),
        title="Changes from draft-2 to draft-3",
        when=WHEN,
        commit_id=COMMIT_ID,
    )


def test_redline_pdf_shows_the_changes_on_titled_pages() -> None:
    data, logged = built(make_redline)
    assert logged == []
    texts = page_texts(data)
    everything = " ".join(texts)
    assert "ten years and publish a summary" in everything
    assert "A new paragraph on incident reporting." in everything
    assert "Text that goes away entirely." in everything  # struck, still there
    assert "Text that stays, again." in everything  # a fold, printed open
    for number, text in enumerate(texts, start=1):
        assert "Changes from draft-2 to draft-3 · 5 March 2026" in text
        assert f"Page {number} of {len(texts)}" in text
    assert data == make_redline()


def decorations(html: str) -> Iterator[tuple[str, set[str]]]:
    layout = export_pdf.render_pdf(html)
    for page in layout.pages:
        for box in page._page_box.descendants():
            if box.element_tag in ("ins", "del"):
                yield box.element_tag, set(box.style["text_decoration_line"])


def test_redline_pdf_marks_changes_without_colour() -> None:
    # redline_pdf's own page: the document's stylesheet replaced by ours.
    page = export_pdf.redline_page(redline_html(), title="T", when=WHEN)
    found = dict(decorations(page))
    assert found == {"ins": {"underline"}, "del": {"line-through"}}


def test_redline_pdf_fetches_nothing_outside_the_assets() -> None:
    html = redline_html().replace(
        "</body>",
        '<img src="http://127.0.0.1:9/x.png">'
        f'<img src="{(ROOT / "README.md").as_uri()}"></body>',
    )
    _, logged = built(
        lambda: export_pdf.redline_pdf(html, title="T", when=WHEN, commit_id=COMMIT_ID)
    )
    assert len(logged) == 2
    assert all("refused to fetch" in message for message in logged)


def test_asset_urls_are_confined() -> None:
    font = export_html.ASSETS / "fonts" / "DejaVuSans.ttf"
    assert export_pdf.asset_path(font.resolve().as_uri()) == font.resolve()
    for url in (
        "https://example.eu/DejaVuSans.ttf",
        (export_html.ASSETS / ".." / "html.py").as_uri(),
        "file:///etc/passwd",
        "data:font/ttf;base64,AAAA",
    ):
        with pytest.raises(ValueError, match="refused"):
            export_pdf.asset_path(url)


# ---- lazy WeasyPrint -------------------------------------------------------------


def test_pdf_unavailable_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, document: Document
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import raises ImportError
    with pytest.raises(ExportUnavailable, match="libpango-1.0-0 libpangoft2-1.0-0"):
        export_pdf.to_pdf(document)


def test_importing_the_exports_does_not_import_weasyprint() -> None:
    code = (
        "import sys, cop_drafts.export.html, cop_drafts.export.pdf, "
        "cop_drafts.export.errors; print('weasyprint' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
