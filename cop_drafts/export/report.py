"""The record of comments of one drafting round, as CSV, XLSX and Markdown files
written into the git tag of the next iteration; same rows, same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cop_drafts.export.archive import normalise_zip


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One comment of the round and what became of it in the next iteration."""

    comment_id: int
    wg: int | None
    section: str  # section title
    path: str
    quote: str  # the passage commented on, may be ""
    landing: str  # "exact", "moved", "reworded", "on removed text", "" (not carried)
    place: str  # where it landed, e.g. "lines 12–14, § Measure 2.1", may be ""
    organisation: str
    category: str  # stakeholder category label
    comment: str  # Markdown
    proposed: str  # proposed wording, may be ""
    disposition: str
    response: str


COLUMNS = (
    "Comment", "Working Group", "Section", "Passage", "Where it landed", "Place",
    "Organisation", "Stakeholder category", "Comment text", "Proposed wording",
    "Disposition", "Response",
)  # fmt: skip
#: Creator and last editor in the workbook's properties, whoever builds it.
CREATOR = "cop-drafts"
LANDINGS = {
    "exact": "Exact",
    "moved": "Moved",
    "reworded": "Reworded",
    "on removed text": "On removed text",
    "": "Not carried",
}
_WIDTHS = (10, 15, 24, 40, 16, 22, 24, 22, 60, 40, 16, 40)  # in characters
_LINE_HEIGHT = 15  # points, a line of Excel's default 11-point font
_MAX_HEIGHT = 409  # points, Excel's highest row
# XML 1.0 refuses these (openpyxl raises IllegalCharacterError); DEL and the
# C1 controls show as nothing anywhere. Dropped from every file alike.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Excel runs a cell that starts with one of these as a formula (or DDE call),
# and comment text is typed by participants: such a cell gets a leading "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_EXCEL_MAX = 32767  # characters Excel keeps in a cell
_TRUNCATED = " […] (cut at Excel's cell limit: the full text is in comments.md)"
_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def report_files(
    round_tag: str,
    *,
    title: str,
    new_iteration: str,
    when: datetime,
    rows: Sequence[ReportRow],
) -> dict[str, bytes]:
    """The three files of the round's record, by path under ``reports/<round_tag>/``.

    Rows are written in the order given. Raises ValueError on a tag that is
    not a plain file name.
    """
    if not _TAG.fullmatch(round_tag) or ".." in round_tag:
        raise ValueError(f"not a tag name: {round_tag!r}")
    folder = f"reports/{round_tag}"
    return {
        f"{folder}/comments.csv": to_csv(rows),
        f"{folder}/comments.xlsx": to_xlsx(rows, when=when),
        f"{folder}/comments.md": to_markdown(
            rows, title=title, round_tag=round_tag, new_iteration=new_iteration
        ),
    }


def to_csv(rows: Sequence[ReportRow]) -> bytes:
    """RFC 4180 CSV (CRLF) in UTF-8 with a BOM, so Excel reads the accents."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in _values(row)])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[ReportRow], *, when: datetime) -> bytes:
    """A workbook with one sheet, "Comments": bold frozen header, filter, wrap."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Comments"
    sheet.append(COLUMNS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(rows, start=2):
        values = [_fit(_cell(value)) for value in _values(row)]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(number, column, value)
            if isinstance(value, str):
                # Never a formula or an error code ("#N/A"), whatever it reads.
                cell.data_type = "s"
            cell.alignment = wrap
        sheet.row_dimensions[number].height = _height(values)
    _layout(sheet, len(rows))
    return _save(book, when)


def _layout(sheet: Worksheet, count: int) -> None:
    header = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for column, width in enumerate(_WIDTHS, start=1):
        cell = sheet.cell(1, column)
        cell.font, cell.fill = header, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"


def _height(values: Sequence[int | str]) -> int:
    """Points a row needs to show its wrapped text: spreadsheet programs do
    not always grow a row to fit when they open a file."""
    lines = 1
    for value, width in zip(values, _WIDTHS, strict=True):
        if isinstance(value, str):
            parts = value.split("\n")
            lines = max(lines, sum(1 + len(part) // width for part in parts))
    return min(_MAX_HEIGHT, _LINE_HEIGHT * lines)


def _fit(value: int | str) -> int | str:
    """`value` cut to what an Excel cell holds, saying so (openpyxl cuts silently)."""
    if isinstance(value, int) or len(value) <= _EXCEL_MAX:
        return value
    return value[: _EXCEL_MAX - len(_TRUNCATED)] + _TRUNCATED


def _save(book: Workbook, when: datetime) -> bytes:
    # Workbook.save stamps the time of saving into the properties: the writer
    # is called directly so that they say `when`, and the zip is normalised.
    stamp = when.astimezone(UTC).replace(tzinfo=None)
    book.properties.creator = book.properties.lastModifiedBy = CREATOR
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return normalise_zip(buffer.getvalue(), when)


def to_markdown(
    rows: Sequence[ReportRow], *, title: str, round_tag: str, new_iteration: str
) -> bytes:
    """The record as Markdown: counts by landing, then the comments by section."""
    lines = [
        f"# {_inline(title)}",
        "",
        f"Comments of the round on {_inline(round_tag)}, "
        f"carried to {_inline(new_iteration)}.",
        "",
        *_counts(rows),
    ]
    if not rows:
        lines += ["No comments.", ""]
    # Consecutive rows of a section share its subsection: the order given is
    # kept even when the caller did not sort by section.
    for (section, path), group in groupby(rows, key=lambda r: (r.section, r.path)):
        lines += [f"## {_inline(section)} ({_inline(path)})", ""]
        for row in group:
            lines += _comment_block(row)
    return "\n".join(lines).encode("utf-8")


def _counts(rows: Sequence[ReportRow]) -> list[str]:
    lines = ["| Where it landed | Comments |", "|---|---:|"]
    for landing, label in LANDINGS.items():
        count = sum(1 for row in rows if row.landing == landing)
        lines.append(f"| {label} | {count} |")
    return [*lines, f"| Total | {len(rows)} |", ""]


def _comment_block(row: ReportRow) -> list[str]:
    """One comment: facts as a list, every participant text as a blockquote."""
    # The organisation is "" when the round does not name participants.
    who, category = _inline(row.organisation), _inline(row.category)
    if who and category:
        who = f"{who} ({category})"
    who = who or category or "–"
    landing = LANDINGS.get(row.landing, _inline(row.landing))
    if row.place:
        landing += f", {_inline(row.place)}"
    lines = [
        f"### Comment {row.comment_id}",
        "",
        f"- Working Group: {row.wg if row.wg is not None else '–'}",
        f"- From: {who}",
        f"- Where it landed: {landing}",
    ]
    if row.disposition:
        lines.append(f"- Disposition: {_inline(row.disposition)}")
    lines.append("")
    for label, text in (
        ("Passage", row.quote),
        ("Comment", row.comment),
        ("Proposed wording", row.proposed),
        ("Response", row.response),
    ):
        if _text(text).strip():
            lines += [f"{label}:", "", *_quoted(text), ""]
    return lines


def _values(row: ReportRow) -> tuple[int | str | None, ...]:
    """A row's cells in the order of COLUMNS (the path is not a column)."""
    return (
        row.comment_id, row.wg, row.section, row.quote, LANDINGS.get(row.landing,
        row.landing), row.place, row.organisation, row.category, row.comment,
        row.proposed, row.disposition, row.response,
    )  # fmt: skip


def _text(value: str) -> str:
    """`value` with line ends as "\\n" and without characters XML refuses."""
    return _ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _cell(value: int | str | None) -> int | str:
    """A spreadsheet cell: text that Excel would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    # Checked on the cleaned text: "\x0b=..." must not slip through as "=...".
    text = _text(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~^&!#])")
_BLOCK_START = re.compile(r"^(\s*)(#|=|\[[^\]]*\]:|[-*_+][\s\-*_]*$)")


def _inline(value: str) -> str:
    """Participant text for one line of Markdown: one line, nothing active."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(_text(value).split()))


def _quoted(value: str) -> list[str]:
    """Participant Markdown inside a blockquote that it cannot break out of.

    Every line is prefixed, so the quote ends where it should; headings,
    rules and setext underlines, footnotes and link definitions (which act
    on the whole document) lose their meaning by a backslash.
    """
    lines = []
    for line in _text(value).strip("\n").split("\n"):
        line = _BLOCK_START.sub(r"\1\\\2", line.replace("[^", "\\[^"))
        lines.append(f"> {line}".rstrip() if line.strip() else ">")
    return lines
