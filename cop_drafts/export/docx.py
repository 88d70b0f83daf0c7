"""Word (DOCX) of a published iteration: a title page, then every section's
Markdown as real Word structure (built-in heading, list, quote, table styles).

python-docx has no footnote API: a footnote reference is a superscript number
and the footnote texts follow as a "Notes" list at the end of their section.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.numbering import CT_Num
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from markdown_it.token import Token

from cop_drafts.export.archive import normalise_zip
from cop_drafts.export.model import Document, Section
from cop_drafts.text.render import parse_blocks

BRUSSELS = ZoneInfo("Europe/Brussels")
#: Author and last editor in the file's properties: never the building machine's user.
AUTHOR = "cop-drafts"
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
# Characters XML 1.0 refuses (python-docx raises ValueError on them), plus DEL
# and the C1 controls, which no reader shows: dropped from every text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Only these become clickable, as in the web view; any other target stays text.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Word refuses hyperlink targets longer than about 2,080 characters (the old
# browser URL limit) and reports the file as damaged: a longer link stays text.
_MAX_URL = 2048
_ALIGN = {
    "text-align:left": WD_ALIGN_PARAGRAPH.LEFT,
    "text-align:center": WD_ALIGN_PARAGRAPH.CENTER,
    "text-align:right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_TABLE = qn("w:tbl")
#: What may follow w:pBdr in a w:pPr (of what python-docx or this module writes).
_AFTER_BORDER = ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr")
_NARROW_TABLE = 8  # columns
_MARKS = {"strong": "bold", "em": "italic", "s": "strike"}
_TOC = ' TOC \\o "1-3" \\h \\z \\u '
_TOC_HINT = (
    "This table of contents is a Word field: right-click it and choose "
    "Update Field (or press F9) to fill it in."
)


def to_docx(doc: Document, *, contents: bool = True) -> bytes:
    """The iteration as a Word document; the same Document gives the same bytes.

    With contents=True a table-of-contents field follows the title page (Word
    fills it when the reader updates fields).
    """
    word = docx.Document()
    _setup(word, doc)
    _title_page(word, doc, contents=contents)
    writer = _Writer(word)
    parsed = [writer.parse(n, section) for n, section in enumerate(doc.sections)]
    for number, (section, tokens, env) in enumerate(parsed):
        writer.section(number, section, tokens, env)
    buffer = io.BytesIO()
    word.save(buffer)
    return normalise_zip(buffer.getvalue(), doc.published_at)


def clean(text: str) -> str:
    """`text` without the characters XML cannot hold."""
    return _ILLEGAL.sub("", text)


def brussels_date(when: datetime) -> str:
    """`when` as a date in Brussels, e.g. "5 March 2026" (locale-independent)."""
    local = when.astimezone(BRUSSELS)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def _setup(word: WordDocument, doc: Document) -> None:
    """Page, extra styles, header, footer and fixed file properties."""
    page = word.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.left_margin = page.right_margin = Mm(22)
    page.top_margin = page.bottom_margin = Mm(22)
    page.different_first_page_header_footer = True  # a bare title page
    header = f"{doc.code_title} · {doc.iteration} · {brussels_date(doc.published_at)}"
    page.header.paragraphs[0].text = clean(header)
    footer = page.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    _add_styles(word)
    # Word and LibreOffice write the time of saving; a rebuild must not differ.
    when = doc.published_at.astimezone(UTC).replace(tzinfo=None)
    props = word.core_properties
    props.author = props.last_modified_by = AUTHOR
    props.title, props.subject = clean(doc.code_title), clean(doc.subtitle)
    props.keywords, props.comments = doc.iteration, f"commit {doc.commit_id}"
    props.created = props.modified = props.last_printed = when
    props.revision = 1


def _add_styles(word: WordDocument) -> None:
    styles = word.styles
    code = styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    code.base_style = styles["Normal"]
    code.font.name, code.font.size = "Consolas", Pt(9)
    code.paragraph_format.left_indent = Mm(5)
    code.paragraph_format.space_after = Pt(6)
    code_char = styles.add_style("Code Char", WD_STYLE_TYPE.CHARACTER)
    code_char.font.name = "Consolas"
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    link.font.underline = True
    wide = styles.add_style("Wide Table Text", WD_STYLE_TYPE.PARAGRAPH)
    wide.base_style = styles["Normal"]
    wide.font.size = Pt(7)
    wide.paragraph_format.space_after = Pt(0)
    note = styles.add_style("Note Text", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.size = Pt(9)
    note.paragraph_format.space_after = Pt(3)


def _title_page(word: WordDocument, doc: Document, *, contents: bool) -> None:
    word.add_paragraph(clean(doc.code_title), style="Title")
    if doc.subtitle:
        word.add_paragraph(clean(doc.subtitle), style="Subtitle")
    facts = (
        ("Iteration", doc.iteration),
        ("Published", brussels_date(doc.published_at)),
        ("Commit", doc.commit_id),
    )
    for label, value in facts:
        paragraph = word.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(clean(value))
    notes = [part.strip() for part in clean(doc.notes).split("\n\n")]
    if any(notes):
        word.add_paragraph().add_run("Release notes").bold = True
    for part in filter(None, notes):
        word.add_paragraph().add_run(part)  # "\n" becomes a line break
    if contents:
        heading = word.add_paragraph("Contents", style="TOC Heading")
        heading.paragraph_format.page_break_before = True
        _field(word.add_paragraph(), _TOC, _TOC_HINT)


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A complex field: Word recomputes it, other readers show `shown`."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()._r
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run.append(element)
    paragraph.add_run(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


class _Writer:
    """Adds sections to a Word document, one markdown-it block token at a time."""

    def __init__(self, word: WordDocument) -> None:
        self.word = word
        self.end = word.element.body.sectPr  # every block goes before it
        self._ids: dict[str, str] = {}  # style name -> style id
        self._abstract: dict[str, int] = {}  # list style -> its abstractNumId
        self._next_num = 0  # numId of the next numbered list
        self.lists: list[int | None] = []  # numId per open list, None = bullets
        self.quotes = 0
        self.heading = 0  # level of the heading being written, 0 outside
        self.item_start = False  # the next paragraph opens a list item
        self.new_page = False
        self.base = "Normal"
        self.note_number = ""  # written before the next paragraph of a note
        self.env: dict[str, object] = {}
        # Heading ids -> bookmark names, for links to "#id": by (section
        # number, id), and by id alone for the first heading of that id.
        self.bookmarks: dict[tuple[int, str] | str, str] = {}
        self.number = 0  # of the section being written
        self.bookmark = ""  # of the heading being written
        self._next_bookmark = 0

    def parse(
        self, number: int, section: Section
    ) -> tuple[Section, list[Token], dict[str, object]]:
        """Parse section `number` and name a bookmark for each of its headings."""
        env: dict[str, object] = {}
        tokens = parse_blocks(section.text, env)
        for token in tokens:
            if token.type == "heading_open" and token.attrGet("id"):
                name = f"_h{self._next_bookmark}"
                self._next_bookmark += 1
                self.bookmarks[number, str(token.attrGet("id"))] = name
                self.bookmarks.setdefault(str(token.attrGet("id")), name)
        return section, tokens, env

    def section(
        self, number: int, section: Section, tokens: list[Token], env: dict[str, object]
    ) -> None:
        self.number, self.env, self.new_page = number, env, True
        if not (tokens and tokens[0].type == "heading_open" and tokens[0].tag == "h1"):
            # A section written from "##" still gets its title as Heading 1,
            # so Word's navigation pane and the contents list every section.
            self._paragraph(style="Heading 1").add_run(clean(section.title))
        notes = self.blocks(tokens)
        self._notes(notes)

    def blocks(self, tokens: Sequence[Token]) -> list[tuple[str, list[Token]]]:
        """Write block tokens; return the footnote definitions met, unwritten."""
        notes: list[tuple[str, list[Token]]] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type in ("table_open", "footnote_reference_open"):
                end = _closing(tokens, index)
                if token.type == "table_open":
                    self._table(tokens[index:end])
                else:
                    notes.append((token.meta["label"], list(tokens[index + 1 : end])))
                index = end
            else:
                self._block(token)
            index += 1
        return notes

    def _block(self, token: Token) -> None:
        kind = token.type
        if kind == "inline":
            paragraph = self._paragraph()
            self._inline(paragraph, token.children or [])
            if self.heading and self.bookmark:
                _bookmark(paragraph, self.bookmark)
        elif kind == "heading_open":
            self.heading = int(token.tag[1])
            slug = str(token.attrGet("id") or "")
            self.bookmark = self.bookmarks.get((self.number, slug), "")
        elif kind == "heading_close":
            self.heading = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self._open_list(ordered=kind == "ordered_list_open", token=token)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self.item_start = True
        elif kind == "list_item_close" and self.item_start:
            self._paragraph()  # an empty item still shows its bullet
        elif kind in ("blockquote_open", "blockquote_close"):
            self.quotes += token.nesting
        elif kind in ("fence", "code_block"):
            self._paragraph(style="Code").add_run(clean(token.content.rstrip("\n")))
        elif kind == "hr":
            _bottom_border(self._paragraph(style=self.base))

    def _paragraph(self, style: str | None = None) -> Paragraph:
        """A new paragraph styled for where it stands: heading, list item, quote."""
        style = style or self._style_here()
        numbered = self.lists[-1] if self.item_start and not self.heading else None
        # python-docx finds the body's end by scanning all of it for every new
        # paragraph, quadratic on long sections: insert before the known end.
        element = OxmlElement("w:p")
        self.end.addprevious(element)
        paragraph = Paragraph(element, self.word._body)
        paragraph._p.style = self._style_id(style)
        if element.getprevious() is not None and element.getprevious().tag == _TABLE:
            paragraph.paragraph_format.space_before = Pt(8)
        if numbered is not None and style.startswith("List Number"):
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = numbered
        self.item_start = False
        if self.new_page:
            paragraph.paragraph_format.page_break_before = True
            self.new_page = False
        if self.note_number:
            paragraph.add_run(f"{self.note_number}\u2002").bold = True
            self.note_number = ""
        return paragraph

    def _style_here(self) -> str:
        if self.heading:
            return f"Heading {self.heading}"
        if self.lists:
            depth = "" if len(self.lists) == 1 else f" {min(len(self.lists), 3)}"
            if not self.item_start:
                return f"List Continue{depth}"
            bullets = self.lists[-1] is None
            return ("List Bullet" if bullets else "List Number") + depth
        return "Quote" if self.quotes else self.base

    def _style_id(self, name: str) -> str:
        # Setting a style by object or name makes python-docx scan every style
        # each time; the id is looked up once (most of the time on long texts).
        if name not in self._ids:
            self._ids[name] = self.word.styles[name].style_id
        return self._ids[name]

    def _open_list(self, *, ordered: bool, token: Token) -> None:
        if not ordered:
            self.lists.append(None)
            return
        # Every numbered list restarts: a new w:num over the abstract numbering
        # of its "List Number" style, with a start override. Without it Word
        # would count on from the previous list of the same style.
        depth = min(len(self.lists) + 1, 3)
        style = "List Number" if depth == 1 else f"List Number {depth}"
        numbering = self.word.part.numbering_part.element
        if style not in self._abstract:
            num_id = self.word.styles[style].element.pPr.numPr.numId.val
            num = numbering.num_having_numId(num_id)
            self._abstract[style] = num.abstractNumId.val
        if not self._next_num:  # python-docx's add_num scans every w:num: slow
            self._next_num = max(map(int, numbering.xpath("./w:num/@w:numId"))) + 1
        new_num = CT_Num.new(self._next_num, self._abstract[style])  # type: ignore[no-untyped-call]
        num = numbering._insert_num(new_num)
        self._next_num += 1
        start = token.attrGet("start")
        num.add_lvlOverride(ilvl=0).add_startOverride(int(start or 1))
        self.lists.append(num.numId)

    def _inline(
        self, paragraph: Paragraph, children: Sequence[Token], *, bold: bool = False
    ) -> None:
        """Runs for inline tokens: marks, code, breaks, links, footnote numbers."""
        marks = {"bold": int(bold), "italic": 0, "strike": 0}
        link = None
        for token in children:
            kind = token.type
            name, _, edge = kind.rpartition("_")
            if name in _MARKS and edge in ("open", "close"):
                marks[_MARKS[name]] += 1 if edge == "open" else -1
            elif kind == "link_open":
                link = self._hyperlink(paragraph, str(token.attrGet("href") or ""))
            elif kind == "link_close":
                link = None
            elif kind == "softbreak":
                _run(paragraph, " ", marks, link)
            elif kind == "hardbreak":
                _run(paragraph, "", marks, link).add_break()
            elif kind == "footnote_ref":
                run = _run(paragraph, str(token.meta["id"] + 1), marks, link)
                run.font.superscript = True
            elif kind in ("text", "text_special", "code_inline", "image"):
                run = _run(paragraph, token.content, marks, link)
                if kind == "code_inline":
                    run._r.style = self._style_id("Code Char")
                if link is not None:
                    run._r.style = self._style_id("Hyperlink")

    def _hyperlink(self, paragraph: Paragraph, href: str) -> object | None:
        """A w:hyperlink to `href` at the end of `paragraph`, None if it stays text.

        "#id" goes to the heading of that id, in this section or else the first.
        """
        element = OxmlElement("w:hyperlink")
        if href.startswith("#"):
            slug = href[1:]
            name = self.bookmarks.get((self.number, slug)) or self.bookmarks.get(slug)
            if name is None:
                return None
            element.set(qn("w:anchor"), name)
        elif href.lower().startswith(_LINK_SCHEMES) and len(href) <= _MAX_URL:
            rel = RELATIONSHIP_TYPE.HYPERLINK
            element.set(qn("r:id"), paragraph.part.relate_to(clean(href), rel, True))
        else:
            return None
        paragraph._p.append(element)
        return element

    def _table(self, tokens: Sequence[Token]) -> None:
        """A table in "Table Grid" style, header row bold and repeated."""
        rows = _table_rows(tokens)
        width = max(len(row) for row in rows)
        previous = self.end.getprevious()
        if previous is not None and previous.tag == _TABLE:
            self._paragraph(style=self.base)  # Word would merge adjacent tables
        table = self.word.add_table(rows=len(rows), cols=width)
        table._tbl.tblPr.style = self._style_id("Table Grid")
        # Past this many columns cells hold a few letters a line: smaller text
        # and narrower cell margins.
        small = self._style_id("Wide Table Text") if width > _NARROW_TABLE else None
        if small:
            _narrow_margins(table._tbl.tblPr)
        for number, (row, word_row) in enumerate(zip(rows, table.rows, strict=True)):
            for (children, align), cell in zip(row, word_row.cells, strict=False):
                paragraph = cell.paragraphs[0]
                paragraph.alignment = _ALIGN.get(align)
                if small:
                    paragraph._p.style = small
                self._inline(paragraph, children, bold=number == 0)
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    def _notes(self, notes: list[tuple[str, list[Token]]]) -> None:
        """Footnote texts of the section, in the order of their numbers; a
        definition never referred to comes last, under its label."""
        footnotes = self.env.get("footnotes") or {}
        assert isinstance(footnotes, dict)
        refs, listed = footnotes.get("refs", {}), footnotes.get("list", {})
        entries: list[tuple[bool, int, str, list[Token]]] = []
        for label, tokens in notes:
            id_ = refs.get(f":{label}", -1)  # -1: never referred to
            number = str(id_ + 1) if id_ >= 0 else f"[{label}]"
            entries.append((id_ < 0, id_, number, tokens))
        for id_, entry in listed.items():
            if "tokens" in entry:  # an inline footnote, ^[text]
                inline = Token("inline", "", 0, children=entry["tokens"])
                entries.append((False, id_, str(id_ + 1), [inline]))
        if not entries:
            return
        heading = self._paragraph(style=self.base)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.space_before = Pt(12)
        heading.add_run("Notes").bold = True
        self.base = "Note Text"
        for _, _, number, tokens in sorted(entries, key=lambda entry: entry[:2]):
            self.note_number = number
            self.blocks(tokens)
        self.base = "Normal"


def _table_rows(tokens: Sequence[Token]) -> list[list[tuple[Sequence[Token], str]]]:
    """Cells of a table's tokens, row by row: inline tokens and alignment."""
    rows: list[list[tuple[Sequence[Token], str]]] = []
    align = ""
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            align = str(token.attrGet("style") or "")
        elif token.type == "inline":
            rows[-1].append((token.children or [], align))
    return rows


def _closing(tokens: Sequence[Token], index: int) -> int:
    """Index of the token closing the block opened at `index`."""
    opened = tokens[index]
    closer = opened.type.replace("_open", "_close")
    for end in range(index + 1, len(tokens)):
        if tokens[end].type == closer and tokens[end].level == opened.level:
            return end
    return len(tokens) - 1


def _run(paragraph: Paragraph, text: str, marks: dict[str, int], link: object) -> Run:
    run = paragraph.add_run(clean(text))
    if marks["bold"]:
        run.bold = True
    if marks["italic"]:
        run.italic = True
    if marks["strike"]:
        run.font.strike = True
    if link is not None:
        link.append(run._r)  # type: ignore[attr-defined]  # moved into w:hyperlink
    return run


def _narrow_margins(tbl_pr: BaseOxmlElement) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "28")  # twentieths of a point: 0.5 mm
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption")


def _bookmark(paragraph: Paragraph, name: str) -> None:
    """Mark the paragraph's text as bookmark `name` ("_h<n>": ids follow names)."""
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), name[2:])
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), name[2:])
    paragraph._p.insert(0 if paragraph._p.pPr is None else 1, start)
    paragraph._p.append(end)


def _bottom_border(paragraph: Paragraph) -> None:
    """A horizontal rule: the paragraph's bottom border."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (
        ("val", "single"),
        ("sz", "6"),
        ("space", "1"),
        ("color", "auto"),
    ):
        bottom.set(qn(f"w:{name}"), value)
    border.append(bottom)
    # Word rejects a file whose pPr children are out of schema order.
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_BORDER)
