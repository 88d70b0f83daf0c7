"""The Word export, read back with python-docx: structure, links, determinism."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from cop_drafts.export.archive import zip_time
from cop_drafts.export.docx import AUTHOR, brussels_date, to_docx
from tests.unit.export.reproduce import outputs_elsewhere
from tests.unit.export.samples_docx import (
    CONTROL,
    LINK,
    LONG_URL,
    WHEN,
    make_document,
    sample_document,
    stress_document,
)

CHECKOUT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def word() -> docx.document.Document:
    return docx.Document(io.BytesIO(to_docx(sample_document())))


def _body(word):
    """Paragraphs after the title page and contents (from the first Heading 1)."""
    paragraphs = word.paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1")
    return paragraphs[first:]


def _styled(word, prefix: str) -> list[tuple[str, str]]:
    return [
        (p.style.name, p.text) for p in _body(word) if p.style.name.startswith(prefix)
    ]


def test_every_heading_is_a_word_heading_in_order(word):
    assert _styled(word, "Heading") == [
        ("Heading 1", "Risk assessment"),
        ("Heading 2", "Commitment 2: Assessment"),
        ("Heading 3", "Measure 2.2: Scenarios"),
        ("Heading 4", "Level four"),
        ("Heading 5", "Level five"),
        ("Heading 6", "Level six"),
        # written from "##": its title from the manifest comes first
        ("Heading 1", "Glossary"),
        ("Heading 2", "Terms"),
    ]


def test_each_section_starts_on_a_new_page(word):
    firsts = [p for p in _body(word) if p.style.name == "Heading 1"]
    assert [p.paragraph_format.page_break_before for p in firsts] == [True, True]
    others = [p for p in _body(word) if p.style.name != "Heading 1"]
    assert not any(p.paragraph_format.page_break_before for p in others)


def test_title_page_holds_the_facts_of_the_iteration(word):
    texts = [p.text for p in word.paragraphs]
    assert word.paragraphs[0].style.name == "Title"
    assert word.paragraphs[0].text == "General-Purpose AI Code of Practice"
    assert word.paragraphs[1].style.name == "Subtitle"
    # 23:30 UTC on the 5th is past midnight in Brussels
    assert "Published: 6 March 2026" in texts
    assert "Iteration: draft-3" in texts
    assert f"Commit: {'0123456789abcdef' * 2}01234567" in texts
    assert "Revised after 412 comments." in texts


def test_contents_is_a_word_toc_field(word):
    instructions = word.element.body.findall(f".//{qn('w:instrText')}")
    assert [i.text.strip() for i in instructions] == ['TOC \\o "1-3" \\h \\z \\u']
    contents = next(p for p in word.paragraphs if p.style.name == "TOC Heading")
    assert contents.paragraph_format.page_break_before


def test_without_contents_there_is_no_field():
    word = docx.Document(io.BytesIO(to_docx(sample_document(), contents=False)))
    assert not word.element.body.findall(f".//{qn('w:instrText')}")


def test_brussels_date_follows_summer_time():
    from datetime import UTC, datetime

    assert brussels_date(datetime(2026, 7, 31, 22, 30, tzinfo=UTC)) == "1 August 2026"
    assert brussels_date(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)) == "31 January 2026"


def test_inline_marks_become_run_properties(word):
    paragraph = next(p for p in _body(word) if p.text.startswith("Text with"))
    runs = {run.text: run for run in paragraph.runs}
    assert runs["bold"].bold and not runs["italic"].bold
    assert runs["italic"].italic
    assert runs["struck"].font.strike
    assert runs["inline code"].style.name == "Code Char"
    assert [r.text for r in paragraph.runs if r.font.superscript] == ["1", "2"]
    assert paragraph._p.findall(f".//{qn('w:br')}"), "the hard break is a w:br"
    # a soft line end is a space, a relative link stays text
    assert "a relative link and a hard" in paragraph.text.replace("\n", "")


def test_links_are_word_hyperlinks(word):
    paragraph = next(p for p in _body(word) if p.text.startswith("Text with"))
    links = paragraph.hyperlinks
    assert [link.text for link in links] == ["link", "jump"]
    assert links[0].address == LINK
    assert links[0].runs[0].style.name == "Hyperlink"
    anchor = links[1].fragment
    names = [b.get(qn("w:name")) for b in word.element.body.iter(qn("w:bookmarkStart"))]
    assert anchor in names
    marked = next(
        p
        for p in _body(word)
        if p._p.find(qn("w:bookmarkStart")) is not None
        and p._p.find(qn("w:bookmarkStart")).get(qn("w:name")) == anchor
    )
    assert marked.text == "Measure 2.2: Scenarios"


def test_lists_use_the_list_styles_by_depth(word):
    assert _styled(word, "List") == [
        ("List Bullet", "first"),
        ("List Bullet 2", "second"),
        ("List Bullet 3", "third"),
        ("List Bullet 3", "fourth"),  # Word has three levels of list styles
        ("List Bullet", "back"),
        ("List Number", "one"),
        ("List Number", "two"),
        ("List Number 2", "two a"),
        ("List Number", "four"),
        ("List Number", "five"),
    ]


def test_each_numbered_list_restarts_at_its_start(word):
    numbering = word.part.numbering_part.element

    def start_of(text):
        paragraph = next(p for p in _body(word) if p.text == text)
        num_id = paragraph._p.pPr.numPr.numId.val
        num = numbering.num_having_numId(num_id)
        return num_id, int(num.find(f".//{qn('w:startOverride')}").get(qn("w:val")))

    one, two, two_a, four, five = map(start_of, ("one", "two", "two a", "four", "five"))
    assert one == two and one[1] == 1
    assert four == five and four[1] == 4
    assert len({one[0], two_a[0], four[0]}) == 3


def test_table_has_cells_header_and_alignment(word):
    (table,) = word.tables
    assert table.style.name == "Table Grid"
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells == [["Left", "Centre", "Right"], ["a b", "c", "d"], ["e", "", "f"]]
    header = table.rows[0].cells[0].paragraphs[0].runs
    assert all(run.bold for run in header)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    body = [cell.paragraphs[0].alignment for cell in table.rows[1].cells]
    assert body == [
        WD_ALIGN_PARAGRAPH.LEFT,
        WD_ALIGN_PARAGRAPH.CENTER,
        WD_ALIGN_PARAGRAPH.RIGHT,
    ]
    assert table.rows[1].cells[2].paragraphs[0].hyperlinks[0].address == LINK


def test_quote_code_and_rule(word):
    assert _styled(word, "Quote") == [("Quote", "Quoted recital over two lines.")]
    assert _styled(word, "Code") == [("Code", "def rule():\n    return 1")]
    rules = [p for p in _body(word) if p._p.find(f".//{qn('w:pBdr')}") is not None]
    assert len(rules) == 1 and rules[0].text == ""


def test_footnotes_are_listed_at_the_end_of_their_section(word):
    texts = [p.text for p in _body(word)]
    notes = texts.index("Notes")
    assert texts[notes + 1 : notes + 4] == [
        "1\u2002First note with emphasis.",
        "2\u2002Second note.",
        "[unused]\u2002Never referred to.",
    ]
    assert texts[notes + 4] == "Glossary"  # then the next section
    assert texts[-2:] == ["Notes", "1\u2002an inline note"]


def test_header_and_page_footer(word):
    section = word.sections[0]
    header = "General-Purpose AI Code of Practice · draft-3 · 6 March 2026"
    assert section.header.paragraphs[0].text == header
    assert section.different_first_page_header_footer  # the title page is bare
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("Page ")
    instructions = footer._p.findall(f".//{qn('w:instrText')}")
    assert [i.text for i in instructions] == ["PAGE"]


def test_file_properties_are_fixed(word):
    props = word.core_properties
    assert (props.created, props.modified, props.last_printed) == (WHEN,) * 3
    assert props.author == props.last_modified_by == AUTHOR
    assert props.revision == 1
    assert props.title == "General-Purpose AI Code of Practice"


def test_two_builds_are_identical_and_dated_by_publication():
    first, second = to_docx(sample_document()), to_docx(sample_document())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {zip_time(WHEN)}


def test_builds_in_other_processes_are_identical():
    code = (
        "import hashlib, sys\n"
        "from cop_drafts.export.docx import to_docx\n"
        "from tests.unit.export.samples_docx import sample_document\n"
        "sys.stdout.write(hashlib.sha256(to_docx(sample_document())).hexdigest())\n"
    )
    digests = outputs_elsewhere(code)
    assert digests == {hashlib.sha256(to_docx(sample_document())).hexdigest()}


def test_stress_content_does_not_break_it():
    word = docx.Document(io.BytesIO(to_docx(stress_document())))
    (table,) = word.tables
    assert len(table.columns) == 30
    assert table.rows[1].cells[29].text == "value 30"
    assert table.rows[1].cells[0].paragraphs[0].style.name == "Wide Table Text"
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Κώδικας Πρακτικής" in text and "Кодекс за поведение" in text
    assert "😀" in text
    assert "Bad char acters and  here." in text  # the controls are dropped
    (link,) = [h for p in word.paragraphs for h in p.hyperlinks]
    assert link.address == LONG_URL


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "1.",
        "> \n>",
        "| a |\n|---|\n",
        "```\nunclosed",
        "[^1]\n\n[^1]: a\n[^1]: b",
        "# " + "x" * 500,
        "&#12;&#11;&#0; entities",
        "![image](https://e.eu/a.png) and [bad](javascript:alert(1))",
        "<b>raw</b> html",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |",
    ],
)
def test_odd_markdown_still_gives_a_document(text):
    word = docx.Document(io.BytesIO(to_docx(make_document(("odd.md", "Odd", text)))))
    assert _body(word)[0].text in ("Odd", "x" * 500)


def test_adjacent_tables_stay_apart():
    text = "| a |\n|---|\n| 1 |\n\n| b |\n|---|\n| 2 |\n"
    word = docx.Document(io.BytesIO(to_docx(make_document(("t.md", "T", text)))))
    tables = word.element.body.findall(qn("w:tbl"))
    assert len(tables) == 2
    assert tables[0].getnext().tag == qn("w:p")


def test_control_characters_in_the_title_page_are_dropped():
    document = make_document(("a.md", "A", "Text."), notes=CONTROL)
    word = docx.Document(io.BytesIO(to_docx(document)))
    assert "Bad char acters and  here." in [p.text for p in word.paragraphs]
