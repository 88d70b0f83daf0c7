"""Checks every text input passes before it is used or stored, on any path
(the web app checks each request centrally; the CLI reaches these through
the services)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

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


# Day/month/year as people in Europe write it: 24/03/2026, 24.3.2026, 24-03-2026.
_DAY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
# Hours and minutes on the 24-hour clock: 18:00, 9:30, 18.00, 18h00.
_CLOCK = re.compile(r"(\d{1,2})\s*[:.hH]\s*(\d{2})")
DAY_EXAMPLE = "24/03/2026"
CLOCK_EXAMPLE = "18:00"
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: message})


def parse_day(text: str, field: str) -> date:
    """The date `text` written day/month/year (2000-2100).

    Raises ValidationError naming `field`, with a message that says what to write.
    """
    found = _DAY.fullmatch(text.strip())
    if found is None:
        raise _refuse(
            field,
            f"“{text.strip()}” is not a date: write day/month/year, e.g. {DAY_EXAMPLE}."
            if text.strip()
            else f"Give the date as day/month/year, e.g. {DAY_EXAMPLE}.",
        )
    day, month, year = (int(n) for n in found.groups())
    if not 1 <= month <= 12:
        raise _refuse(
            field,
            f"There is no month {month}: write day/month/year, e.g. {DAY_EXAMPLE}.",
        )
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise _refuse(field, f"Give a year between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise _refuse(
            field,
            f"{calendar.month_name[month]} {year} has {last} days: "
            f"there is no day {day}.",
        )
    return date(year, month, day)


def parse_clock(text: str, field: str) -> time:
    """The time of day `text` written hours:minutes on the 24-hour clock.

    Raises ValidationError naming `field`.
    """
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        raise _refuse(
            field,
            f"“{text.strip()}” is not a time: write hours:minutes on the 24-hour "
            f"clock, e.g. {CLOCK_EXAMPLE}."
            if text.strip()
            else f"Give the time as hours:minutes, e.g. {CLOCK_EXAMPLE}.",
        )
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        raise _refuse(
            field,
            f"There is no {hours:02d}:{minutes:02d} on the 24-hour clock "
            "(00:00 to 23:59).",
        )
    return time(hours, minutes)


def parse_day_time(day: str, clock: str, field: str) -> datetime | None:
    """The wall-clock date and time typed in two boxes (no time zone), or None
    when both are empty. Raises ValidationError naming `field`."""
    if not day.strip() and not clock.strip():
        return None
    return datetime.combine(parse_day(day, field), parse_clock(clock, field))


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
