"""Written submissions: a spreadsheet of comments filled in offline and imported
at once (every row or none), its template, and the export of every comment of
a Code with the Chairs' answers.

The public face: callers import from here. The rooms behind it: `values`
(limits, columns, a row, the refusal), `templates` (the empty template),
`reading` (an uploaded file to rows), `checking` (rows against the Code),
`importing` (the transaction, and the upload page), `report` (the export).
"""

from .importing import Result, UploadPage, find_author, import_submission, upload_page
from .reading import (
    MAX_CELLS,
    MAX_CHARS,
    MAX_COLUMNS,
    MAX_ENTRIES,
    MAX_SHEET_ROWS,
    MAX_UNZIPPED,
    Table,
    base_name,
    parse,
)
from .report import export
from .templates import template, to_template_csv
from .values import COLUMNS, FORMATS, MAX_FILE, MAX_ROWS, Problem, Rejected, Row

__all__ = [
    "COLUMNS",
    "FORMATS",
    "MAX_CELLS",
    "MAX_CHARS",
    "MAX_COLUMNS",
    "MAX_ENTRIES",
    "MAX_FILE",
    "MAX_ROWS",
    "MAX_SHEET_ROWS",
    "MAX_UNZIPPED",
    "Problem",
    "Rejected",
    "Result",
    "Row",
    "Table",
    "UploadPage",
    "base_name",
    "export",
    "find_author",
    "import_submission",
    "parse",
    "template",
    "to_template_csv",
    "upload_page",
]
