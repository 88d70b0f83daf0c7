"""What every step of a submission shares: the limits and columns that the
template states and the reading enforces, a row as read, and the refusal that
lists every row's problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ValidationError

MAX_ROWS = 2_000
MAX_FILE = 2 * 1024 * 1024  # the app's upload limit (Settings.max_upload_bytes)
FORMATS = ("xlsx", "csv")
COLUMNS = ("Section", "Quoted passage", "Lines", "Comment", "Proposed wording")


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


def _refuse(message: str) -> Rejected:
    return Rejected([Problem(None, message)])
