"""The empty template of a written submission: an XLSX workbook with
instructions and the list of sections, or a CSV with the column names."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cop_drafts.db.models import Code
from cop_drafts.export.archive import normalise_zip
from cop_drafts.store.manifest import Manifest
from cop_drafts.store.repo import DraftStore

from ..comments import MAX_BODY
from ..errors import ValidationError
from .values import COLUMNS, FORMATS, MAX_FILE, MAX_ROWS

_WIDTHS = (34, 60, 10, 70, 50)


def template(store: DraftStore, code: Code, tag: str, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of the empty template for iteration `tag`: XLSX with
    instructions and a list of sections, or a CSV with the column names.

    The same iteration gives the same bytes. Raises InvalidRev, NotFound,
    ValidationError (format).
    """
    if fmt not in FORMATS:
        raise ValidationError(f"No template as {fmt!r}: choose xlsx or csv.")
    name = f"{code.slug}-{tag}-comments.{fmt}"
    if fmt == "csv":
        return name, to_template_csv()
    info = store.commit_info(tag)
    manifest = store.manifest(info.commit_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "Comments"
    sheet.append(COLUMNS)
    _style_comments(sheet, len(manifest.sections))
    _instructions(book, manifest, tag)
    sections = book.create_sheet("Sections")
    sections.append(("Title", "File", "Working Group"))
    for spec in manifest.sections:
        sections.append((spec.title, spec.path, spec.wg or "Coordinating Chair"))
    for column, width in zip("ABC", (44, 30, 20), strict=True):
        sections.column_dimensions[column].width = width
    sections["A1"].font = sections["B1"].font = sections["C1"].font = Font(bold=True)
    book.active = 0
    return name, _save(book, info.time)


def to_template_csv() -> bytes:
    """The CSV template: the column names, UTF-8 with a BOM for Excel."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(COLUMNS)
    return buffer.getvalue().encode("utf-8-sig")


def _style_comments(sheet: Worksheet, sections: int) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(_WIDTHS):
        letter = "ABCDE"[index]
        cell = sheet[f"{letter}1"]
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        column = sheet.column_dimensions[letter]
        column.width = width
        column.alignment = wrap
    # Text, so that "12-14" stays a range instead of becoming 14 December.
    sheet.column_dimensions["C"].number_format = "@"
    sheet.freeze_panes = "A2"
    # A list to choose from; "warning" still lets a file name be typed.
    choice = DataValidation(
        type="list",
        formula1=f"=Sections!$A$2:$A${sections + 1}",
        allow_blank=True,
        errorStyle="warning",
        promptTitle="Section",
        prompt="Choose the section, or type its title or file name.",
        showInputMessage=True,
        showErrorMessage=True,
        errorTitle="Unknown section",
        error="This is not one of the sections: check the Sections sheet.",
    )
    sheet.add_data_validation(choice)
    choice.add(f"A2:A{MAX_ROWS + 1}")


def _instructions(book: Workbook, manifest: Manifest, tag: str) -> None:
    sheet = book.create_sheet("Instructions")
    lines = [
        f"Comments on {manifest.title}, {tag}",
        "",
        "Write one comment per row on the Comments sheet. Keep its first row "
        "(the column names) as it is.",
        "Section: choose the section from the list, or type its title or file "
        "name (see the Sections sheet).",
        "Quoted passage: copy the words you comment on exactly as they appear "
        f"in {tag}, enough of them to point to one place in the section.",
        "Lines: instead of a quote, or as well, the line numbers shown beside "
        "the text: 12 for one line, 12-14 for several.",
        f"Comment: your comment, at most {MAX_BODY:,} characters.",
        "Proposed wording: the text you would like instead (optional).",
        "",
        "Upload the file on the comment page of the Code while the comment "
        f"window of {tag} is open. At most {MAX_ROWS:,} comments and "
        f"{MAX_FILE // 1024 // 1024} MB per file.",
        "If a row needs correcting, nothing is imported and you get the list "
        "of rows to correct. Uploading the same file again does not create "
        "the comments twice.",
        "Formulas are not calculated: what a cell shows as a formula is "
        "imported as its text.",
    ]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 110
    sheet.column_dimensions["A"].alignment = Alignment(wrap_text=True)


def _save(book: Workbook, when: datetime) -> bytes:
    # Written through ExcelWriter so that the properties carry `when`, not the
    # time of writing: the same iteration gives the same bytes.
    stamp = when.astimezone(UTC).replace(tzinfo=None)
    book.properties.creator = book.properties.lastModifiedBy = "cop-drafts"
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return normalise_zip(buffer.getvalue(), when)
