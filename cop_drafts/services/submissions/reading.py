"""Reading an uploaded submission (XLSX or CSV): its type told from its
content, a damaged or hostile file refused in plain words before it costs
much, and its rows checked for shape, not yet against the Code."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .values import COLUMNS, MAX_FILE, MAX_ROWS, Row, _refuse

# What a hostile workbook could make us unpack, parse or hold: far above any
# real submission of 2,000 rows, far below what would hurt the server.
MAX_UNZIPPED = 40 * 1024 * 1024
MAX_ENTRIES = 500
MAX_SHEET_ROWS = 10_000  # rows read, empty ones included
MAX_COLUMNS = 50
MAX_CELLS = 500_000  # cells written in the sheet's XML, empty ones included
MAX_CHARS = 10_000_000
_NO_DTD = "The workbook contains XML that spreadsheet programs never write (a DTD)."
Table = Iterator[tuple[int, list[str]]]
_KEYS = (
    ("section", "section"),
    ("quote", "quote"),
    ("passage", "quote"),
    ("line", "lines"),
    ("comment", "comment"),
    ("proposed", "proposed"),
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
# openpyxl raises any of these on a damaged or crafted workbook: each means
# "cannot be read", never a server error.
_BROKEN = (
    InvalidFileException,
    zipfile.BadZipFile,
    ParseError,
    SyntaxError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OSError,
    EOFError,
)


def parse(file_name: str, data: bytes, *, limit: int = MAX_FILE) -> list[Row]:
    """The non-empty rows of an uploaded template (XLSX or CSV), checked for
    type, size and shape but not against the Code.

    The type is told from the content; the name's extension must agree.
    Raises Rejected (a ValidationError) in plain words.
    """
    name = base_name(file_name) or "The file"
    if len(data) > limit:
        raise _refuse(
            f"{name} is {len(data) / 1024 / 1024:.2f} MB; a file may be at most "
            f"{limit / 1024 / 1024:.0f} MB. Split the comments into several files."
        )
    if not data.strip():
        raise _refuse(f"{name} is empty.")
    kind = _kind(name, data)
    table = _read_xlsx(name, data) if kind == "xlsx" else _read_csv(name, data)
    return _rows(table)


def base_name(file_name: str) -> str:
    """The file's name without the folders a browser may send with it."""
    return file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()[-255:]


def _kind(name: str, data: bytes) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = data.startswith(b"PK\x03\x04")
    if extension == "csv" and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            f"{name} is UTF-16 text. Save it as “CSV UTF-8” and upload it again."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _refuse(
            f"{name} is an older Excel file (.xls). Save it as an Excel Workbook "
            "(.xlsx) and upload that."
        )
    if extension == "xlsx" and is_zip:
        return "xlsx"
    if extension == "csv" and not is_zip and b"\x00" not in data[:65536]:
        return "csv"
    if extension == "xlsx":
        raise _refuse(f"{name} is not an Excel workbook, although its name says so.")
    if extension == "csv":
        raise _refuse(f"{name} is not a CSV text file, although its name says so.")
    raise _refuse(
        f"{name} is not a file we can read. Upload the template as an Excel "
        "workbook (.xlsx) or as a CSV file (.csv); for an OpenDocument (.ods) or "
        "Numbers file, save it as .xlsx first."
    )


def _read_xlsx(name: str, data: bytes) -> Table:
    _check_zip(name, data)
    unreadable = _refuse(f"{name} is damaged or is not an Excel workbook.")
    try:
        with warnings.catch_warnings():
            # Unsupported extensions (charts, slicers) only warn; we need none.
            warnings.simplefilter("ignore")
            book = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except _BROKEN as error:
        raise unreadable from error
    try:
        names = book.sheetnames
        if not names:
            raise unreadable
        sheet = book["Comments"] if "Comments" in names else book[names[0]]
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > MAX_SHEET_ROWS or columns > MAX_COLUMNS:
            raise _refuse(
                f"{name} says its sheet spans {rows:,} rows and {columns:,} "
                f"columns; a submission holds at most {MAX_ROWS:,} comments in "
                f"{len(COLUMNS)} columns. Copy your rows into a fresh template."
            )
        # Read what is there, not what the file declares.
        sheet.reset_dimensions()
        values = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        # Formulas arrive as their text ("=SUM(A1)"): nothing is calculated.
        for number, row in enumerate(values, start=1):
            yield number, [_text(value) for value in row]
    except _BROKEN as error:
        raise unreadable from error
    finally:
        book.close()


def _check_zip(name: str, data: bytes) -> None:
    """Refuse before parsing what would unpack too large, or is no workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise _refuse(
                    f"{name} is a zip file but not an Excel workbook (.xlsx)."
                )
            size = sum(info.file_size for info in infos)
            if len(infos) > MAX_ENTRIES or size > MAX_UNZIPPED:
                raise _refuse(
                    f"{name} unpacks to {size / 1024 / 1024:,.0f} MB in "
                    f"{len(infos):,} parts: far more than a submission of "
                    f"{MAX_ROWS:,} comments. Copy your rows into a fresh template."
                )
            cells = 0
            for info in infos:
                if info.filename.startswith("xl/worksheets/"):
                    cells += _count_cells(archive, info)
                elif info.filename.endswith((".xml", ".rels")):
                    _check_prolog(archive, info)
            if cells > MAX_CELLS:
                raise _refuse(
                    f"{name} holds {cells:,} cells: far more than a submission of "
                    f"{MAX_ROWS:,} comments. Copy your rows into a fresh template."
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise _refuse(f"{name} is damaged or is not an Excel workbook.") from error


def _count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Cells in a sheet's XML, read in pieces (zipfile stops at the declared
    size, which _check_zip capped)."""
    count, tail = 0, b""
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 20):
            if not tail and b"<!DOCTYPE" in chunk[:65536].upper():
                raise _refuse(_NO_DTD)
            block = tail + chunk
            count += len(_CELL_TAG.findall(block[: len(block) - 8]))
            tail = block[len(block) - 8 :]
        return count + len(_CELL_TAG.findall(tail))


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    # Spreadsheet programs never write a DTD; one is how entity expansion and
    # external-entity attacks start, so a part that has one is refused.
    with archive.open(info) as stream:
        if b"<!DOCTYPE" in stream.read(65536).upper():
            raise _refuse(_NO_DTD)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time | timedelta):
        return str(value)
    formula = getattr(value, "text", None)  # array formulas: their text
    return formula if isinstance(formula, str) else str(value)


def _read_csv(name: str, data: bytes) -> Table:
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _refuse(
            f"{name} is not UTF-8 text: byte 0x{data[error.start]:02X} on line "
            f"{line} cannot be read. In Excel, save as “CSV UTF-8 (comma "
            "delimited)”, or upload the .xlsx file instead."
        ) from error
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes ";" where the decimal mark is a comma: take the separator
    # that makes the first line the template's column names.
    delimiter = max(",;\t", key=lambda d: len(_columns(first.split(d))))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row[:MAX_COLUMNS]
    except csv.Error as error:
        raise _refuse(
            f"{name} cannot be read as CSV near row {reader.line_num}: {error}."
        ) from error


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Field -> column index, from the column names (case and extra words
    ignored, unknown columns skipped)."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        words = title.strip().lower()
        key = next((k for prefix, k in _KEYS if words.startswith(prefix)), None)
        if key is not None and key not in found:
            found[key] = index
    return found


def _clean(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _rows(table: Table) -> list[Row]:
    columns: dict[str, int] | None = None
    rows: list[Row] = []
    chars = 0
    for number, raw in table:
        if number > MAX_SHEET_ROWS:
            raise _refuse(
                f"The file goes on past row {MAX_SHEET_ROWS:,}; a submission "
                f"holds at most {MAX_ROWS:,} comments."
            )
        cells = [_clean(value) for value in raw]
        chars += sum(len(value) for value in cells)
        if chars > MAX_CHARS:
            raise _refuse(f"The file holds more than {MAX_CHARS:,} characters.")
        if not any(cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        if len(rows) == MAX_ROWS:
            raise _refuse(
                f"The file has more than {MAX_ROWS:,} rows of comments. Split it "
                "into several files."
            )
        rows.append(_row(number, cells, columns))
    if columns is None:
        raise _refuse("The file is empty.")
    return rows


def _header(cells: list[str]) -> dict[str, int]:
    columns = _columns(cells)
    if {"section", "comment"} <= columns.keys() and columns.keys() & {
        "quote",
        "lines",
    }:
        return columns
    found = ", ".join(f"“{c[:40]}”" for c in cells if c)
    raise _refuse(
        "The first row must hold the template's column names: "
        f"{', '.join(COLUMNS)}. It reads: {found}. Download the template again."
    )


def _row(number: int, cells: list[str], columns: dict[str, int]) -> Row:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    return Row(
        number,
        cell("section"),
        cell("quote"),
        cell("lines"),
        cell("comment"),
        cell("proposed"),
    )
