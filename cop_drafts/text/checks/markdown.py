"""Markdown checks: tables, code fences, emphasis, footnotes and empty links.

Pure line scanning: cheap heuristics that agree with markdown-it on the cases
drafters actually get wrong, not a second Markdown parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from cop_drafts.text.checks.base import (
    DELIMITER_ROW,
    Finding,
    ScannedSection,
    Severity,
    quote,
)

_QUOTE_MARKS = re.compile(r"^\s*(?:>\s?)+")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_ESCAPED = re.compile(r"\\[\\`*_|\[\]]")
_STAR_NOTE = re.compile(r"\(\*+\d*\)")  # "(*7)": footnote marks in EU legal text
# A link's target stops at a bracket too, and an empty link's text at an
# opening bracket: from each of many "](" or "[", scanning to the end of the
# line cost a long line its length squared.
_URL = re.compile(r"<?(?:https?|ftp|mailto):[^\s>)]*>?|\]\([^()]*\)")
_LIST_MARKER = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+")
_THEMATIC = re.compile(r"^\s*(?:\*\s*){3,}$")
_STAR_RUN = re.compile(r"\*+")
_UNDERSCORE_RUN = re.compile(r"_+")
_FOOTNOTE_DEF = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_EMPTY_LINK = re.compile(r"!?\[[^\[\]\n]*\]\(\s*+(?:<\s*>)?\s*\)")


def check_fences(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'markdown-fence' for a code fence that is never closed."""
    for section in sections:
        if section.unclosed_fence:
            line = section.unclosed_fence
            yield Finding(
                "markdown-fence",
                section.path,
                line,
                len(section.lines),
                f"Code fence {quote(section.lines[line - 1].strip())} is never "
                "closed: everything after it renders as code.",
                Severity.ERROR,
            )


def _cells(row: str) -> int:
    row = _CODE_SPAN.sub("x", _ESCAPED.sub("x", row)).strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return row.count("|") + 1


def check_tables(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'markdown-table' for rows whose cell count differs from the header's.

    Also for a delimiter row that does not match its header, and for a run of
    '| a | b |' lines with no delimiter row, which renders as plain text.
    """
    for section in sections:
        yield from _section_tables(section)


def _section_tables(section: ScannedSection) -> Iterator[Finding]:
    # Lines without a pipe (and code) are blanked: they end any table.
    rows = [
        "" if code or "|" not in line else _QUOTE_MARKS.sub("", line)
        for line, code in zip(section.lines, section.in_code, strict=True)
    ]
    rows.append("")
    i = 0
    while i < len(rows) - 1:
        row, following = rows[i], rows[i + 1]
        if row and following and "-" in following and DELIMITER_ROW.match(following):
            yield from _table_block(section, rows, i)
            i += 2
            while rows[i]:
                i += 1
            continue
        if row and (i == 0 or not rows[i - 1]) and row.lstrip().startswith("|"):
            if _cells(row) >= 2:
                yield _table(
                    section,
                    i + 1,
                    f"Table row {quote(row)} has no "
                    "delimiter row ('| --- | --- |') under it, so it "
                    "renders as plain text.",
                )
        i += 1


def _table_block(
    section: ScannedSection, rows: list[str], start: int
) -> Iterator[Finding]:
    header, delimiter = _cells(rows[start]), _cells(rows[start + 1])
    if delimiter != header:
        yield _table(
            section,
            start + 1,
            f"Table header {quote(rows[start])} has "
            f"{header} cells but its delimiter row has {delimiter}, so it "
            "does not render as a table.",
        )
        return
    i = start + 2
    while rows[i]:
        cells = _cells(rows[i])
        if cells != header:
            yield _table(
                section,
                i + 1,
                f"Table row has {cells} cells but its "
                f"header has {header}: {quote(rows[i])}.",
            )
        i += 1


def _table(section: ScannedSection, line: int, text: str) -> Finding:
    return Finding("markdown-table", section.path, line, line, text, Severity.ERROR)


def check_emphasis(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'markdown-emphasis' for a paragraph with an unpaired '**', '*' or '_'.

    A paragraph is a run of non-blank lines; a list item or table row starts a
    new one. Code spans, URLs, escapes and list bullets are ignored.
    """
    for section in sections:
        for start, end, text in _paragraphs(section):
            problem = _unbalanced(text)
            if problem:
                yield Finding(
                    "markdown-emphasis",
                    section.path,
                    start,
                    end,
                    f"Unpaired {problem} in {quote(text)}: the emphasis is "
                    "never closed or never opened.",
                    Severity.ERROR,
                )


def _paragraphs(section: ScannedSection) -> Iterator[tuple[int, int, str]]:
    start = 0
    parts: list[str] = []
    previous = -1
    for number, line in section.body_lines():
        new_block = (
            number != previous + 1
            or "|" in line
            or _LIST_MARKER.match(line) is not None
            or _THEMATIC.match(line) is not None
        )
        if new_block and parts:
            yield start, previous, " ".join(parts)
            parts = []
        if not parts:
            start = number
        if _THEMATIC.match(line):
            parts = []
        else:
            parts.append(_LIST_MARKER.sub("", _QUOTE_MARKS.sub("", line), count=1))
        previous = number
    if parts:
        yield start, previous, " ".join(parts)


def _unbalanced(text: str) -> str:
    """'**', '*' or '_' when that delimiter is unpaired in `text`, else ''."""
    if "*" not in text and "_" not in text:
        return ""
    text = _URL.sub(" ", _CODE_SPAN.sub(" ", _ESCAPED.sub("", text)))
    text = _STAR_NOTE.sub(" ", text)
    doubles = singles = 0
    for m in _STAR_RUN.finditer(text):
        if _flanking(text, m.start(), m.end(), intraword=True):
            doubles += len(m.group()) // 2
            singles += len(m.group()) % 2
    if doubles % 2:
        return "\u201c**\u201d"
    if singles % 2:
        return "\u201c*\u201d"
    underscores = sum(
        len(m.group())
        for m in _UNDERSCORE_RUN.finditer(text)
        if _flanking(text, m.start(), m.end(), intraword=False)
    )
    return "\u201c_\u201d" if underscores % 2 else ""


def _flanking(text: str, start: int, end: int, *, intraword: bool) -> bool:
    """True when the run can open or close emphasis (CommonMark, simplified)."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() and after.isspace():
        return False
    if before.isdigit() and after.isdigit():
        return False  # 4*10^5: multiplication
    if not intraword and before.isalnum() and after.isalnum():
        return False
    return True


def check_footnotes(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'markdown-footnote' for [^n] without a definition and vice versa."""
    for section in sections:
        defined: dict[str, int] = {}
        used: dict[str, int] = {}
        for number, line in section.body_lines():
            if "[^" not in line:
                continue
            definition = _FOOTNOTE_DEF.match(line)
            if definition:
                defined.setdefault(definition.group(1), number)
            rest = line[definition.end() :] if definition else line
            for m in _FOOTNOTE_REF.finditer(_CODE_SPAN.sub(" ", rest)):
                used.setdefault(m.group(1), number)
        for label, number in used.items():
            if label not in defined:
                yield _footnote(
                    section,
                    number,
                    f"Footnote reference "
                    f"\u201c[^{label}]\u201d has no definition "
                    f"\u201c[^{label}]: \u2026\u201d in this section.",
                )
        for label, number in defined.items():
            if label not in used:
                yield _footnote(
                    section,
                    number,
                    f"Footnote \u201c[^{label}]\u201d "
                    "is defined but never referenced in this section.",
                )


def _footnote(section: ScannedSection, line: int, text: str) -> Finding:
    return Finding("markdown-footnote", section.path, line, line, text, Severity.ERROR)


def check_links(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'markdown-link' for links or images with an empty target: [text]()."""
    for section in sections:
        for number, line in section.body_lines():
            if "](" not in line:
                continue
            for m in _EMPTY_LINK.finditer(_CODE_SPAN.sub(" ", line)):
                yield Finding(
                    "markdown-link",
                    section.path,
                    number,
                    number,
                    f"Link {quote(m.group(0))} has an empty target.",
                    Severity.ERROR,
                )
