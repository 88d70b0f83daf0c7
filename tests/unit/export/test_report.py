"""The record of comments: CSV, XLSX and Markdown read back with their readers."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from cop_drafts.export.archive import zip_time
from cop_drafts.export.report import COLUMNS, CREATOR, ReportRow, report_files
from cop_drafts.text.render import render
from tests.unit.export.reproduce import outputs_elsewhere

CHECKOUT = Path(__file__).resolve().parents[3]
WHEN = datetime(2026, 3, 20, 17, 0, tzinfo=UTC)
CSV = "reports/draft-3/comments.csv"
XLSX = "reports/draft-3/comments.xlsx"
MD = "reports/draft-3/comments.md"
#: Comment text that tries to break out of its place in the Markdown.
HOSTILE = (
    "# Not a heading\n"
    "Line\n"
    "===\n"
    "---\n"
    "[^1]: not a footnote\n"
    "[ref]: https://evil.example\n"
    "<script>alert(1)</script>\n"
    "```\n"
    "an unclosed fence"
)


def row(comment_id: int, **changes: object) -> ReportRow:
    values: dict[str, object] = {
        "comment_id": comment_id,
        "wg": 2,
        "section": "Risk assessment",
        "path": "risk-assessment.md",
        "quote": "Signatories shall assess",
        "landing": "moved",
        "place": "lines 12–14, § Measure 2.1",
        "organisation": "Société Générale d'IA",
        "category": "Industry",
        "comment": "Please **clarify**.\n\n- one\n- two",
        "proposed": "Signatories shall assess and document",
        "disposition": "accepted",
        "response": "Done in Measure 2.1.",
    }
    values.update(changes)
    return ReportRow(**values)  # type: ignore[arg-type]


ROWS = (
    row(7),
    row(9, wg=None, landing="", place="", quote="", proposed="", disposition=""),
    row(3, section="Preamble", path="preamble.md", landing="exact", comment=HOSTILE),
    row(12, landing="on removed text", organisation="Ελληνική Ένωση", response=""),
)


def files(rows=ROWS, tag: str = "draft-3") -> dict[str, bytes]:
    return report_files(
        tag, title="GPAI Code", new_iteration="draft-4", when=WHEN, rows=rows
    )


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sheet_rows(data: bytes) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book["Comments"].iter_rows(values_only=True))


def expected(r: ReportRow) -> list[str]:
    landing = {"exact": "Exact", "moved": "Moved", "": "Not carried"}.get(
        r.landing, "On removed text"
    )
    return [
        str(r.comment_id), "" if r.wg is None else str(r.wg), r.section, r.quote,
        landing, r.place, r.organisation, r.category, r.comment, r.proposed,
        r.disposition, r.response,
    ]  # fmt: skip


def test_three_files_under_the_round():
    assert sorted(files()) == [CSV, MD, XLSX]


def test_csv_reads_back_as_the_rows_in_order():
    data = files()[CSV]
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 1 + len(ROWS)  # text line ends stay "\n"
    assert csv_rows(data) == [list(COLUMNS), *map(expected, ROWS)]


def test_xlsx_reads_back_as_the_rows_in_order():
    data = files()[XLSX]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Comments"]
    sheet = book["Comments"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    as_text = [[("" if v is None else str(v)) for v in values] for values in rows[1:]]
    assert as_text == [expected(r) for r in ROWS]
    assert isinstance(rows[1][0], int)  # ids sort as numbers in the filter


def test_xlsx_layout():
    sheet = openpyxl.load_workbook(io.BytesIO(files()[XLSX]))["Comments"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:L{len(ROWS) + 1}"
    assert sheet["I2"].alignment.wrap_text
    assert {sheet[f"{letter}2"].data_type for letter in "CDEFGHIJKL"} == {"s"}
    assert sheet.column_dimensions["I"].width >= 40
    assert sheet.row_dimensions[4].height == 9 * 15  # nine lines of comment text


def test_xlsx_is_dated_and_identical_on_rebuild():
    first, second = files()[XLSX], files()[XLSX]
    assert first == second
    book = openpyxl.load_workbook(io.BytesIO(first))
    stamp = WHEN.replace(tzinfo=None)
    assert (book.properties.created, book.properties.modified) == (stamp, stamp)
    assert book.properties.creator == book.properties.lastModifiedBy == CREATOR
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {zip_time(WHEN)}


def test_files_are_identical_in_other_processes():
    code = (
        "import hashlib, sys\n"
        "from tests.unit.export.test_report import files\n"
        "digests = [hashlib.sha256(data).hexdigest() for _, data in "
        "sorted(files().items())]\n"
        "sys.stdout.write(' '.join(digests))\n"
    )
    here = " ".join(hashlib.sha256(d).hexdigest() for _, d in sorted(files().items()))
    assert outputs_elsewhere(code, ("3", "77")) == {here}


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("https://evil.example","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\x0b=1+1",  # a control character dropped must not uncover the "="
    ],
)
def test_formulas_are_neutralised_in_both_spreadsheets(typed):
    rows = [row(1, comment=typed, organisation=typed, response=typed)]
    produced = files(rows)
    (cells,) = csv_rows(produced[CSV])[1:]
    sheet = openpyxl.load_workbook(io.BytesIO(produced[XLSX]))["Comments"]
    for column in (6, 8, 11):  # organisation, comment text, response
        assert cells[column].startswith("'")
        cell = sheet.cell(2, column + 1)
        assert cell.data_type == "s"
        assert cell.value == cells[column]


def test_error_codes_and_plain_text_stay_text():
    rows = [row(1, comment="#N/A", organisation="'quoted", response="a = b")]
    sheet = openpyxl.load_workbook(io.BytesIO(files(rows)[XLSX]))["Comments"]
    assert (sheet["I2"].value, sheet["I2"].data_type) == ("#N/A", "s")
    assert sheet["G2"].value == "'quoted"
    assert sheet["L2"].value == "a = b"


def test_control_characters_are_dropped_everywhere():
    rows = [row(1, comment="bad\x00\x01\x0b\x0c\x1f\x7f text", quote="q\x08uote")]
    produced = files(rows)
    assert csv_rows(produced[CSV])[1][8] == "bad text"
    assert csv_rows(produced[CSV])[1][3] == "quote"
    assert sheet_rows(produced[XLSX])[1][8] == "bad text"
    assert b"> bad text" in produced[MD]


def test_long_text_is_cut_for_excel_only():
    long = "x" * 40_000
    produced = files([row(1, comment=long)])
    assert csv_rows(produced[CSV])[1][8] == long
    cell = sheet_rows(produced[XLSX])[1][8]
    assert len(cell) == 32767 and cell.endswith("the full text is in comments.md)")


class _Blocks(HTMLParser):
    """Tags of rendered HTML, and the text inside blockquotes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.depth = 0
        self.quoted: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.depth += tag == "blockquote"

    def handle_endtag(self, tag):
        self.depth -= tag == "blockquote"

    def handle_data(self, data):
        if self.depth:
            self.quoted.append(data)


def test_markdown_holds_every_comment_under_its_section():
    text = files()[MD].decode()
    rendered = render(text)
    assert [(h.level, h.text) for h in rendered.headings] == [
        (1, "GPAI Code"),
        (2, "Risk assessment (risk-assessment.md)"),
        (3, "Comment 7"),
        (3, "Comment 9"),
        (2, "Preamble (preamble.md)"),
        (3, "Comment 3"),
        (2, "Risk assessment (risk-assessment.md)"),
        (3, "Comment 12"),
    ]
    assert "Comments of the round on draft-3, carried to draft-4." in text
    assert "| Moved | 1 |" in text and "| Total | 4 |" in text
    assert "Ελληνική Ένωση (Industry)" in text
    assert "Where it landed: Moved, lines 12–14, § Measure 2.1" in text


def test_a_round_without_names_shows_the_category_only():
    text = files([row(1, organisation="", category="Academia")])[MD].decode()
    assert "- From: Academia\n" in text
    text = files([row(1, organisation="", category="")])[MD].decode()
    assert "- From: –\n" in text


def test_comment_text_cannot_break_the_markdown():
    parser = _Blocks()
    parser.feed(render(files()[MD].decode()).html)
    # no heading, rule, footnote or script came from the hostile comment
    assert parser.tags.count("hr") == 0
    assert "script" not in parser.tags and "section" not in parser.tags
    assert parser.tags.count("h1") == 1
    quoted = "".join(parser.quoted)
    for line in ("# Not a heading", "[^1]: not a footnote", "<script>alert(1)"):
        assert line in quoted
    # the unclosed fence ends with its quote: the next comment is still there
    assert "Comment 12" in [h.text for h in render(files()[MD].decode()).headings]


def test_empty_round_still_gives_three_files():
    produced = files(())
    assert csv_rows(produced[CSV]) == [list(COLUMNS)]
    assert sheet_rows(produced[XLSX]) == [COLUMNS]
    assert "No comments." in produced[MD].decode()
    assert "| Total | 0 |" in produced[MD].decode()


@pytest.mark.parametrize("tag", ["", "../x", "a/b", "draft 3", ".hidden", "a..b"])
def test_a_tag_must_be_a_plain_name(tag):
    with pytest.raises(ValueError):
        files(tag=tag)
