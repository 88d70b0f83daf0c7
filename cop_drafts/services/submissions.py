"""Written submissions: a spreadsheet of comments filled in offline and imported
at once (every row or none), its template, and the export of every comment of
a Code with the Chairs' answers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Disposition,
    Iteration,
    Round,
    Submission,
    User,
    utcnow,
)
from cop_drafts.export.archive import normalise_zip
from cop_drafts.export.report import ReportRow, to_csv, to_xlsx
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import Manifest, SectionSpec
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor
from cop_drafts.text.selection import MAX_QUOTE, locate_quote

from . import accounts, audit, codes, rounds
from .comments import MAX_BODY, anchored, check_may_comment, window_message
from .errors import PermissionDenied, ValidationError, WindowClosed
from .permissions import Action, can, require
from .record import heading_above

MAX_ROWS = 2_000
MAX_FILE = 2 * 1024 * 1024  # the app's upload limit (Settings.max_upload_bytes)
# What a hostile workbook could make us unpack, parse or hold: far above any
# real submission of 2,000 rows, far below what would hurt the server.
MAX_UNZIPPED = 40 * 1024 * 1024
MAX_ENTRIES = 500
MAX_SHEET_ROWS = 10_000  # rows read, empty ones included
MAX_COLUMNS = 50
MAX_CELLS = 500_000  # cells written in the sheet's XML, empty ones included
MAX_CHARS = 10_000_000
FORMATS = ("xlsx", "csv")
_NO_DTD = "The workbook contains XML that spreadsheet programs never write (a DTD)."
Table = Iterator[tuple[int, list[str]]]
COLUMNS = ("Section", "Quoted passage", "Lines", "Comment", "Proposed wording")
_WIDTHS = (34, 60, 10, 70, 50)
_KEYS = (
    ("section", "section"),
    ("quote", "quote"),
    ("passage", "quote"),
    ("line", "lines"),
    ("comment", "comment"),
    ("proposed", "proposed"),
)
_LINES = re.compile(r"(?:lines?\s*)?(\d{1,7})(?:\s*(?:-|–|—|to)\s*(\d{1,7}))?", re.I)
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_NOT_NEWLINE = re.compile("[^\n]")
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


@dataclass(frozen=True, slots=True)
class Row:
    """One comment as written in the file; `number` is the row a spreadsheet
    program shows (the column names are row 1)."""

    number: int
    section: str
    quote: str
    lines: str
    comment: str
    proposed: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row, or the file as a whole (`row` None), cannot be imported."""

    row: int | None
    message: str


class Rejected(ValidationError):
    """Nothing was imported; `problems` says which rows to correct and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        rows = {p.row for p in problems if p.row is not None}
        if rows:
            message = (
                f"Nothing was imported: {len(rows)} row"
                f"{'s need' if len(rows) != 1 else ' needs'} correcting."
            )
        else:
            message = "Nothing was imported: " + problems[0].message
        super().__init__(message)
        self.problems = tuple(problems)

    def report(self) -> str:
        """The problems as plain lines, for the command line."""
        return "\n".join(
            f"  row {p.row}: {p.message}" if p.row is not None else f"  {p.message}"
            for p in self.problems
        )


@dataclass(frozen=True, slots=True)
class Result:
    """A submission imported now or earlier (`already`)."""

    submission_id: int
    count: int
    tag: str
    author: str
    file_name: str
    created_at: datetime
    already: bool


def _refuse(message: str) -> Rejected:
    return Rejected([Problem(None, message)])


# -- the template ----------------------------------------------------------------
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


# -- reading a file ----------------------------------------------------------------
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


# -- importing -------------------------------------------------------------------
def import_submission(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    author: User,
    tag: str,
    file_name: str,
    data: bytes,
    now: datetime | None = None,
    *,
    limit: int = MAX_FILE,
) -> Result:
    """Import every row of the file as a comment by `author` on iteration `tag`,
    in one transaction, or none.

    `actor` is who uploads: the author, or the AI Office on their behalf; None
    is the command line (run by whoever administers the server). The same
    file for the same author and iteration is imported once; again, it
    returns the earlier import (`already`). Raises PermissionDenied,
    WindowClosed, NotFound, Rejected (per-row problems; nothing written).
    """
    now, file_name = now or utcnow(), base_name(file_name) or "upload"
    if actor is not None and actor.id != author.id:
        require(actor, Action.SUBMIT_FOR_OTHERS)
    iteration = codes.find_iteration(db, code, tag)
    if iteration is None:
        raise NotFound(f"no published iteration {tag!r}")
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier(db, code.id, author, tag, digest)
    if earlier is not None:
        return _result(earlier, author, already=True)
    manifest = store.manifest(iteration.commit_id)
    found_round = rounds.find_round(db, code, iteration.commit_id)
    round_ = _check_author(author, found_round, manifest, now)
    rows = parse(file_name, data, limit=limit)
    if not rows:
        raise _refuse("The file has no comments: fill in the rows below the names.")
    comments = _prepare(store, iteration, round_, manifest, author, rows, now)
    # A token per row from the file and the row: the same file again finds
    # its comments; another file, even with the same rows, makes new ones.
    token = hashlib.sha256(f"{tag}\0{digest}".encode()).hexdigest()[:40]
    for comment, row in zip(comments, rows, strict=True):
        comment.client_token = f"sub-{token}-{row.number}"
    submission = Submission(
        code_id=code.id,
        author_id=author.id,
        imported_by_id=actor.id if actor is not None else None,
        tag=tag,
        file_name=file_name,
        digest=digest,
        rows=len(comments),
        created_at=now,
    )
    return _write(db, actor, author, submission, comments)


def _write(
    db: Session,
    actor: User | None,
    author: User,
    submission: Submission,
    comments: list[Comment],
) -> Result:
    """Store the submission and its comments in one transaction."""
    db.add(submission)
    db.add_all(comments)
    try:
        db.flush()
    except IntegrityError:
        # The same file sent twice at once: the other request imported it.
        db.rollback()
        earlier = _earlier(
            db, submission.code_id, author, submission.tag, submission.digest
        )
        if earlier is None:
            raise
        return _result(earlier, author, already=True)
    audit.record(
        db,
        actor,
        "submission.import",
        f"submission:{submission.id}",
        f"{len(comments)} comments by {author.email} on {submission.tag} "
        f"from {submission.file_name}",
        author=author.email,
        tag=submission.tag,
        file_name=submission.file_name,
        digest=submission.digest,
        comments=[comments[0].id, comments[-1].id],
    )
    db.commit()
    return _result(submission, author, already=False)


def find_author(db: Session, actor: User | None, email: str) -> User:
    """Whose comments an upload holds: `actor`'s own when `email` is empty or
    theirs; someone else's only for the AI Office.

    Raises PermissionDenied, ValidationError (no such account).
    """
    if actor is None:
        raise PermissionDenied("Log in to comment.")
    email = email.strip()
    if not email or accounts.normalise_email(email) == actor.email:
        return actor
    require(actor, Action.SUBMIT_FOR_OTHERS)
    author = accounts.find_user(db, email)
    if author is None:
        raise ValidationError(f"There is no account with the e-mail {email}.")
    return author


def _earlier(
    db: Session, code_id: int, author: User, tag: str, digest: str
) -> Submission | None:
    query = select(Submission).where(
        Submission.code_id == code_id,
        Submission.author_id == author.id,
        Submission.tag == tag,
        Submission.digest == digest,
    )
    return db.scalar(query)


def _result(submission: Submission, author: User, *, already: bool) -> Result:
    return Result(
        submission.id,
        submission.rows,
        submission.tag,
        author.name,
        submission.file_name,
        submission.created_at,
        already,
    )


def _check_author(
    author: User, round_: Round | None, manifest: Manifest, now: datetime
) -> Round:
    """The round, if its window is open and `author` may comment on some
    section (a row on a section they may not comment on is a row problem).

    Raises WindowClosed, PermissionDenied.
    """
    if round_ is None or rounds.state(round_, now) != rounds.WindowState.OPEN:
        raise WindowClosed(window_message(round_, now))
    refusals = []
    for spec in manifest.sections:
        try:
            check_may_comment(author, round_, spec.wg, now)
            return round_
        except PermissionDenied as error:
            refusals.append(str(error))
    raise PermissionDenied(
        f"{author.name} may not comment in this round. "
        + (refusals[0] if refusals else "")
    )


def _prepare(
    store: DraftStore,
    iteration: Iteration,
    round_: Round,
    manifest: Manifest,
    author: User,
    rows: Sequence[Row],
    now: datetime,
) -> list[Comment]:
    """A Comment for every row, or Rejected with every row's problems."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    comments: list[Comment] = []
    for row in rows:
        found: list[str] = []
        spec = _section(manifest, row.section, iteration.tag, found)
        anchor = None
        if spec is not None:
            try:
                check_may_comment(author, round_, spec.wg, now)
            except PermissionDenied as error:
                found.append(str(error))
            if spec.path not in texts:
                texts[spec.path] = store.read(iteration.commit_id, spec.path).text
            anchor = _anchor(texts[spec.path], row, found)
        body = _body(row.comment, "The comment", found, required=True)
        proposal = _body(row.proposed, "The proposed wording", found)
        problems += [Problem(row.number, message) for message in found]
        if found or spec is None or anchor is None:
            continue
        comments.append(
            anchored(
                round_.code_id,
                round_,
                author,
                spec,
                round_.tag,
                iteration.commit_id,
                anchor,
                body,
                proposal,
                now,
            )
        )
    if problems:
        raise Rejected(problems)
    return comments


def _section(
    manifest: Manifest, given: str, tag: str, found: list[str]
) -> SectionSpec | None:
    if not given:
        found.append("Say which section the comment is on.")
        return None
    wanted = " ".join(given.split()).casefold()
    for spec in manifest.sections:
        names = {spec.path, spec.path.removesuffix(".md"), " ".join(spec.title.split())}
        if wanted in {name.casefold() for name in names}:
            return spec
    found.append(
        f"There is no section “{given[:80]}” in {tag}. Write a section title or "
        "file name as listed in the template."
    )
    return None


def _body(text: str, what: str, found: list[str], required: bool = False) -> str:
    if required and not text:
        found.append(f"{what} is empty.")
    elif len(text) > MAX_BODY:
        found.append(
            f"{what} has {len(text):,} characters; at most {MAX_BODY:,} are accepted."
        )
    return text


def _anchor(text: str, row: Row, found: list[str]) -> Anchor | None:
    """The passage a row names, by quote (exactly one place) and/or lines."""
    count = text.count("\n") + (0 if text.endswith("\n") else 1)
    first, last = 1, max(count, 1)
    if row.lines:
        match = _LINES.fullmatch(row.lines.strip())
        if match is None:
            hint = " (the spreadsheet made it a date)" if _DATE.match(row.lines) else ""
            found.append(
                f"“{row.lines[:40]}” is not a line number{hint}: write 12 for one "
                "line or 12-14 for several."
            )
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1 <= first <= last <= count:
            found.append(
                f"Lines {row.lines} are not in this section, which has lines 1 to "
                f"{count}."
                if first <= last
                else f"The lines {row.lines} run backwards: write {last}-{first}."
            )
            return None
    if not row.quote:
        if not row.lines:
            found.append("Say which passage: quote it, or give its line numbers.")
            return None
        return Anchor.from_lines(text, first, last)
    return _quoted(text, row, first, last, found)


def _quoted(
    text: str, row: Row, first: int, last: int, found: list[str]
) -> Anchor | None:
    if len(" ".join(row.quote.split())) > MAX_QUOTE:
        found.append(
            f"The quoted passage is longer than {MAX_QUOTE:,} characters: quote "
            "the words that matter, or give line numbers instead."
        )
        return None
    spans: list[tuple[int, int]] = []
    hidden = text
    # Each place found is blanked out (its line breaks kept, so that line
    # numbers stay) and the search repeated, to count the places.
    while len(spans) < 10:
        span = locate_quote(hidden, first, last, row.quote)
        if span is None:
            break
        spans.append(span)
        blank = _NOT_NEWLINE.sub("\x00", hidden[span[0] : span[1]])
        hidden = hidden[: span[0]] + blank + hidden[span[1] :]
    where = f"lines {row.lines}" if row.lines else "this section"
    if not spans:
        found.append(
            f"The quoted passage was not found in {where}: copy it exactly from "
            "the published text."
        )
        return None
    if len(spans) > 1:
        times = f"{len(spans)} times" if len(spans) < 10 else "many times"
        found.append(
            f"The quoted passage is found {times} in {where}: quote more words, "
            "or add line numbers, so that it points to one place."
        )
        return None
    return Anchor.from_span(text, *spans[0])


# -- the upload page ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UploadPage:
    """What the upload page shows about one iteration and the reader."""

    iteration: Iteration
    iterations: list[Iteration]
    round: Round | None
    window: str | None
    message: str
    may_upload: bool
    for_others: bool
    sections: tuple[SectionSpec, ...]
    authors: list[User]
    earlier: list[Submission]


def upload_page(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    rev: str | None,
    now: datetime | None = None,
) -> UploadPage:
    """The iteration `rev` (default: the one whose round is open, else the
    newest) and whether `user` may send comments on it. Raises NotFound."""
    now = now or utcnow()
    visible = codes.iterations(db, code, user)
    if not rev:
        current = rounds.next_open(db, code, now)
        rev = current.tag if current else (visible[-1].tag if visible else "")
    iteration = next((it for it in visible if it.tag == rev), None)
    if iteration is None:
        raise NotFound(f"no published iteration {rev!r}")
    round_ = rounds.find_round(db, code, iteration.commit_id)
    manifest = store.manifest(iteration.commit_id)
    for_others = can(user, Action.SUBMIT_FOR_OTHERS)
    try:
        if user is None:
            raise PermissionDenied("Log in to comment.")
        _check_author(user, round_, manifest, now)
        may_upload, message = True, ""
    except (PermissionDenied, WindowClosed) as error:
        may_upload, message = False, str(error)
    if for_others and round_ is not None and not may_upload:
        may_upload = rounds.state(round_, now) == rounds.WindowState.OPEN
    query = select(Submission).where(Submission.code_id == code.id)
    if not for_others:
        query = query.where(Submission.author_id == (user.id if user else -1))
    earlier = list(db.scalars(query.order_by(Submission.id.desc()).limit(50)))
    authors = [u for u in _people(db) if u.is_active] if for_others else []
    return UploadPage(
        iteration,
        visible,
        round_,
        rounds.state(round_, now).value if round_ else None,
        message,
        may_upload,
        for_others,
        manifest.sections,
        authors,
        earlier,
    )


def _people(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.name)))


# -- export ------------------------------------------------------------------------
def export(db: Session, store: DraftStore, code: Code, fmt: str) -> bytes:
    """Every comment of the Code with the Chairs' answers, as CSV or XLSX
    (report.COLUMNS), by iteration, section and line.

    Every open (not withdrawn) comment, not replies or internal notes, of
    every round. "Where it landed" says which iteration it was written on and
    "Place" where. Disposition is the label of the Chairs' disposition;
    while the answer is not released to participants, " [not released]"
    follows the label (or stands alone when there is no label yet), and the
    Response column holds the response as the Chairs wrote it, released or
    not. Raises ValidationError (format).
    """
    if fmt not in FORMATS:
        raise ValidationError(f"No export as {fmt!r}: choose csv or xlsx.")
    comments = list(
        db.scalars(
            select(Comment).where(
                Comment.code_id == code.id,
                Comment.parent_id.is_(None),
                Comment.kind == CommentKind.COMMENT,
                Comment.status == CommentStatus.OPEN,
            )
        )
    )
    answers = {
        d.comment_id: d
        for d in db.scalars(
            select(Disposition).where(
                Disposition.comment_id.in_(
                    select(Comment.id).where(Comment.code_id == code.id)
                )
            )
        )
    }
    order = {it.tag: n for n, it in enumerate(codes.iterations_all(db, code))}
    manifests: dict[str, Manifest] = {}
    texts: dict[tuple[str, str], str] = {}
    rows: list[tuple[tuple[int, int, int, int], ReportRow]] = []
    for comment in comments:
        if comment.commit_id not in manifests:
            manifests[comment.commit_id] = store.manifest(comment.commit_id)
        manifest = manifests[comment.commit_id]
        key = (comment.commit_id, comment.path)
        if key not in texts:
            try:
                texts[key] = store.read(*key).text
            except NotFound:
                texts[key] = ""
        paths = [s.path for s in manifest.sections]
        spec = manifest.find_section(comment.path)
        sort = (
            order.get(comment.tag, len(order)),
            paths.index(comment.path) if comment.path in paths else len(paths),
            comment.line_start or 0,
            comment.id,
        )
        rows.append((sort, _report_row(comment, spec, texts[key], answers)))
    rows.sort(key=lambda pair: pair[0])
    ordered = [row for _, row in rows]
    if fmt == "csv":
        return to_csv(ordered)
    times = [c.updated_at for c in comments] + [d.updated_at for d in answers.values()]
    return to_xlsx(ordered, when=max(times, default=datetime(2020, 1, 1, tzinfo=UTC)))


def _report_row(
    comment: Comment,
    spec: SectionSpec | None,
    text: str,
    answers: dict[int, Disposition],
) -> ReportRow:
    author = comment.author
    category = author.category or (
        author.organisation.category if author.organisation else None
    )
    answer = answers.get(comment.id)
    disposition = response = ""
    if answer is not None:
        disposition = DISPOSITION_LABELS[answer.kind] if answer.kind else ""
        if answer.released_at is None:
            disposition = f"{disposition} [not released]".strip()
        response = answer.response
    start, end = comment.line_start or 0, comment.line_end or comment.line_start or 0
    where = f"line {start}" if start == end else f"lines {start}–{end}"
    heading = heading_above(text, start) if text and start else ""
    return ReportRow(
        comment_id=comment.id,
        wg=comment.wg,
        section=spec.title if spec else comment.path,
        path=comment.path,
        quote=str((comment.anchor or {}).get("quote", "")),
        landing=f"Written on {comment.tag}",
        place=(f"{where}, § {heading}" if heading else where) if start else "",
        organisation=author.organisation.name if author.organisation else "",
        category=CATEGORY_LABELS[category] if category else "",
        comment=comment.body,
        proposed=comment.proposed_text or "",
        disposition=disposition,
        response=response,
    )
