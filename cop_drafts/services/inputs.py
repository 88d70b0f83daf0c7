"""Checks every text input passes before it is used or stored, on any path
(the web app checks each request centrally; the CLI reaches these through
the services)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .errors import ValidationError

# C0 controls except tab, line feed and carriage return, DEL and the C1
# controls. PostgreSQL refuses NUL in text outright while SQLite stores it, so
# refusing them all here keeps both databases (and every export) alike.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(value: str) -> str | None:
    """A description of the first control character in `value`, or None."""
    found = CONTROL.search(value)
    if found is None:
        return None
    char = found.group()
    name = _C0_NAMES.get(ord(char), "control character")
    return f"U+{ord(char):04X} {name}".strip()


def check_text(fields: Mapping[str, str | None] | Iterable[tuple[str, str]]) -> None:
    """Raise ValidationError naming each field that holds a control character
    (tab, line feed and carriage return are allowed)."""
    items = fields.items() if isinstance(fields, Mapping) else fields
    problems: dict[str, str] = {}
    for name, value in items:
        if value is None or name in problems:
            continue
        found = control_character(value)
        if found is not None:
            problems[name] = (
                f"Contains a control character ({found}), which is not accepted: "
                "remove it and send again."
            )
    if problems:
        names = ", ".join(f"“{name}”" for name in problems)
        raise ValidationError(
            f"A control character was sent in {names}; nothing was saved.", problems
        )


_C0_NAMES = {
    0x00: "NUL",
    0x01: "START OF HEADING",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}
