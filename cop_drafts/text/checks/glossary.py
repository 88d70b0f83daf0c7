"""Glossary parsing for the checks: the terms a glossary defines, inline definitions.

The glossary is one section of the Code; its definition lines name the terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cop_drafts.text.checks.base import DELIMITER_ROW, ScannedSection

_QUOTE_OR_LIST = re.compile(r"^\s*(?:>\s?)*(?:[-*+]\s+|\d+[.)]\s+)?")
_DEFINITION = re.compile(
    r"(?:\*\*(?P<bold>[^*]+?)\*\*|__(?P<under>[^_]+?)__"
    r"|[\u2018'\u201c\"](?P<quoted>[^\u2019'\u201d\"]+?)[\u2019'\u201d\"])"
    r"\s*(?:\([^)]*\)\s*)?(?::|[\u2013\u2014-]\s|\bmeans\b)"
)
_BOLD_COLON = re.compile(r"\*\*(?P<term>[^*]+?):\*\*")
_PARENS = re.compile(r"\(([^()]*)\)")
_TERM_JUNK = " \t*_\u2018\u2019'\u201c\u201d\"`"


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    """A defined term as written in the glossary, its spellings and its line."""

    term: str
    forms: tuple[str, ...]
    line: int


def parse_glossary(section: ScannedSection) -> list[GlossaryTerm]:
    """Terms defined in `section`: bold or quoted definition lines, or a table."""
    terms: list[GlossaryTerm] = []
    table_header = True
    for number, line in section.body_lines():
        if "|" in line:
            if DELIMITER_ROW.match(line):
                continue
            term = _first_of_two_cells(line)
            if term and not table_header:
                _add(terms, term, number)
            table_header = False
            continue
        table_header = True
        text = _QUOTE_OR_LIST.sub("", line, count=1)
        m = _BOLD_COLON.match(text) or _DEFINITION.match(text)
        if m:
            term = next(g for g in m.groups() if g is not None)
            _add(terms, term, number)
    return terms


def _first_of_two_cells(line: str) -> str:
    """The first cell of a table row of exactly two cells ("| term | meaning
    |", outer bars optional), or "" (split, not a pattern: a pattern's
    spaces around the bars cost a long row its length squared)."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") else row
    cells = row.split("|")
    return cells[0].strip() if len(cells) == 2 else ""


def _add(terms: list[GlossaryTerm], raw: str, line: int) -> None:
    term = " ".join(raw.strip(_TERM_JUNK).split())
    if len(term) < 2 or len(term) > 80:
        return
    forms = expand_forms(term)
    if forms:
        terms.append(GlossaryTerm(term, forms, line))


def expand_forms(term: str) -> tuple[str, ...]:
    """Spellings a glossary entry covers: '(self-)exfiltration' -> both forms.

    A parenthesised affix ('(-source)', '(self-)') may be present or absent;
    parenthesised qualifiers ('(assessor/party)') are dropped or taken in turn.
    """
    found = _PARENS.search(term)
    if not found:
        return (term,) if term else ()
    inside = found.group(1).strip()
    head, tail = term[: found.start()], term[found.end() :]
    options = [""]
    if inside.startswith("-") or inside.endswith("-"):
        options.append(inside)
    elif inside and len(inside.split()) <= 3:
        options += [f" {choice.strip()} " for choice in inside.split("/")]
    forms: list[str] = []
    for option in options:
        for form in expand_forms(head + option + tail):
            form = " ".join(form.split())
            if form and form not in forms:
                forms.append(form)
    return tuple(forms)


_HEREAFTER = r"(?:(?:hereafter|hereinafter)(?:\s+referred\s+to\s+as)?,?\s*)"
_INLINE_DEFINITION = re.compile(
    rf"\(\s*{_HEREAFTER}?(?:the\s+)?[\u201c\"\u2018']"
    r"(?P<term>[^\u201d\"\u2019'()]{2,60})[\u201d\"\u2019']\s*\)"
    rf"|\({_HEREAFTER}(?:the\s+)?(?P<bare>[A-Z][^()]{{1,60}}?)\s*\)"
)
_MEANS = re.compile(
    r"^[\s>]*(?:[-*+]\s+)?(?:\(?[a-z0-9]{1,4}[.)]\s*)?[*_]*[\u201c\"\u2018']?"
    r"(?P<term>[A-Z][\w-]*(?:\s+[A-Za-z][\w-]*){0,5}?)[\u201d\"\u2019']?[*_]*"
    r"\s+(?:means|shall\s+mean|is\s+defined\s+as)\b"
)
_ACRONYM_IN_PARENS = re.compile(r"\([A-Z][A-Za-z]*[A-Z]s?\)")
_NAME_BEFORE = re.compile(
    r"(?:[A-Z][\w-]*\s+(?:(?:of|and|for|the|on|in|to)\s+){0,2}){1,6}$"
)


def inline_definitions(sections: Sequence[ScannedSection]) -> set[str]:
    """Lowercased terms defined in running text: 'Framework (the "Framework")'.

    The Title Case name just before such a parenthesis, or before an acronym
    in parentheses, counts as defined too, and so does "(c) Term means ...".
    """
    found: set[str] = set()
    for section in sections:
        for _, line in section.body_lines():
            means = _MEANS.match(line) if "mean" in line or "defined" in line else None
            if means:  # "(c) Covered Entity means any person ..."
                found.add(means.group("term").lower())
            if "(" not in line:
                continue
            for m in _INLINE_DEFINITION.finditer(line):
                term = m.group("term") or m.group("bare")
                found.add(term.strip(_TERM_JUNK).lower())
                _add_name_before(found, line, m.start())
            for m in _ACRONYM_IN_PARENS.finditer(
                line
            ):  # "Trusted Platform Module (TPM)"
                _add_name_before(found, line, m.start())
    return found


def _add_name_before(found: set[str], line: str, position: int) -> None:
    before = _NAME_BEFORE.search(line[max(0, position - 120) : position])
    if before:
        found.add(" ".join(before.group(0).split()).lower())
