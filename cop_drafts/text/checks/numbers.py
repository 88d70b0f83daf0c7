"""Numbering checks: cross-references, duplicate and skipped numbers, misplacement.

Numbers are defined by headings such as "### Measure II.3.2. Title" and by list
items such as "- KPI 2.1.1: ..."; references are found in body text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cop_drafts.text.checks.base import Finding, ScannedSection, Severity, quote

# A number: optional roman prefix ("II."), arabic parts ("3.2"), maybe a final
# letter ("KPI 1.1.a"); appendices may also be lettered ("Appendix A.1").
_NUM = r"(?:[IVXLC]+\.)?\d+(?:\.\d+)*(?:\.[a-z](?![\w]))?|[A-Z](?:\.\d+)*(?![\w])"
_KINDS = r"commitments?|measures?|appendix|appendices|kpis?"

_HEADING_NUMBER = re.compile(
    rf"^[*_\s]*(?P<kind>(?i:{_KINDS}))[*_]*[\s\u00a0]+(?P<num>{_NUM})\.?[*_]*"
    r"(?P<rest>(?:[\s:\-\u2013\u2014)(,].*)?)$"
)
_BARE_NUMBER = re.compile(
    r"^[*_\s]*(?P<num>(?:[IVXLC]+\.)?\d+(?:\.\d+)+)\.?[*_]*(?P<rest>\s.*)$"
)
_KPI_ITEM = re.compile(
    rf"^\s*(?:\|\s*|[-*+]\s+|\d+[.)]\s+)?[*_]*(?i:kpi)[\s\u00a0]+(?P<num>{_NUM})\b"
)
_SEPARATOR = (
    r"\.?\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|to\s+|through\s+"
    r"|[\u2013\u2014-]\s*|&\s*)"
)
_REFERENCE = re.compile(
    rf"(?=[cCmMaAkK])\b(?P<kind>(?i:{_KINDS}))[\s\u00a0]+(?P<first>{_NUM})"
    rf"(?P<more>(?:{_SEPARATOR}(?:{_NUM}))*)"
)
_LIST_ITEM = re.compile(rf"{_SEPARATOR}(?P<num>{_NUM})")
# References to an earlier draft's numbering ("former Measure 2.3", "old
# Commitment 13", "Measure 2.1 of the second draft") are history, not links.
_HISTORY_BEFORE = re.compile(
    r"\b(?i:former(?:ly)?|old|previous(?:ly)?|earlier|original(?:ly)?|renumbered"
    r"|(?:first|second|previous|prior|last|earlier)\s+draft|draft\s*\d)\b"
)
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z\u201c\u2018\"'(])")
_HISTORY_AFTER = re.compile(
    r"^[^.;]{0,30}?\b(?i:draft\s*(?:\d|one\b|two\b|three\b|I+\b)|"
    r"(?:first|second|third|previous|prior|earlier|last|former)\s+drafts?\b)"
)
_WORDS = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class Number:
    """A structural number such as Measure II.3.2: kind, roman prefix, parts."""

    kind: str
    prefix: str
    parts: tuple[str, ...]

    @property
    def label(self) -> str:
        """Display form, e.g. 'Measure II.3.2'."""
        head = f"{self.prefix}." if self.prefix else ""
        return f"{self.kind} {head}{'.'.join(self.parts)}"

    @property
    def parent(self) -> tuple[str, tuple[str, ...]]:
        """(prefix, parts) of the enclosing number: Measure 3.2 -> (``, (3,))."""
        return self.prefix, self.parts[:-1]


@dataclass(frozen=True, slots=True)
class NumberedHeading:
    """A heading that defines a number, with where it stands."""

    number: Number
    text: str
    title_key: str
    section: int
    path: str
    line: int
    level: int


def _kind(word: str) -> str:
    word = word.lower()
    if word.startswith("appendi"):
        return "Appendix"
    if word.startswith("kpi"):
        return "KPI"
    return word.rstrip("s").capitalize()


def parse_number(kind: str, text: str, prefix: str = "") -> Number | None:
    """Number of `kind` written `text` ("II.3.2", "3.2.", "A.1"), or None.

    A leading roman part is a prefix, except a single letter after "Appendix",
    which is the appendix's own letter. `prefix` applies when `text` has none.
    """
    parts = text.rstrip(".").split(".")
    head = parts[0]
    if head.isdigit():
        return Number(kind, prefix, tuple(parts))
    if kind == "Appendix" and len(head) == 1:
        return Number(kind, prefix, tuple(parts))
    if len(parts) < 2:
        return None
    return Number(kind, head, tuple(parts[1:]))


class NumberIndex:
    """Every numbered heading and KPI item of the Code, in Code order."""

    __slots__ = ("headings", "defined", "first", "by_suffix", "sections_of")

    def __init__(self, sections: Sequence[ScannedSection]) -> None:
        self.headings: list[NumberedHeading] = []
        self.defined: set[Number] = set()
        for section in sections:
            self._collect(section)
        self.first: dict[Number, NumberedHeading] = {}
        for heading in self.headings:
            self.first.setdefault(heading.number, heading)
        self.sections_of: dict[Number, set[int]] = {}
        for heading in self.headings:
            self.sections_of.setdefault(heading.number, set()).add(heading.section)
        self.by_suffix: dict[tuple[str, tuple[str, ...]], list[Number]] = {}
        for number in self.defined:
            self.by_suffix.setdefault((number.kind, number.parts), []).append(number)

    def _collect(self, section: ScannedSection) -> None:
        commitment: Number | None = None
        for heading in section.headings:
            m = _HEADING_NUMBER.match(heading.text)
            if m:
                number = parse_number(_kind(m.group("kind")), m.group("num"))
            else:
                m = _BARE_NUMBER.match(heading.text)
                number = _bare_measure(m.group("num"), commitment) if m else None
            if m is None or number is None:
                continue
            if number.kind == "Commitment":
                commitment = number
            title = _WORDS.sub(" ", m.group("rest")).strip().lower()
            self.headings.append(
                NumberedHeading(
                    number,
                    heading.text.strip(),
                    title,
                    section.index,
                    section.path,
                    heading.line,
                    heading.level,
                )
            )
            self.defined.add(number)
        for _, text in section.body_lines():
            if "kpi" not in text.lower():
                continue
            m = _KPI_ITEM.match(text)
            if m:
                number = parse_number("KPI", m.group("num"))
                if number is not None:
                    self.defined.add(number)


def _bare_measure(text: str, commitment: Number | None) -> Number | None:
    """'3.2.' under Commitment 3 is Measure 3.2 (the second draft's Taxonomy)."""
    if commitment is None:
        return None
    number = parse_number("Measure", text, commitment.prefix)
    if number is None or number.parent != (commitment.prefix, commitment.parts):
        return None
    return number


def check_references(
    sections: Sequence[ScannedSection], index: NumberIndex
) -> Iterator[Finding]:
    """Yield 'broken-reference' for numbers referred to that no heading defines."""
    for section in sections:
        for line, text in section.body_lines():
            for m in _REFERENCE.finditer(text):
                if _is_history(text, m.start(), m.end()):
                    continue
                for number in _referenced(m):
                    if number in index.defined:
                        continue
                    hint = _hint(number, index, section.index)
                    yield Finding(
                        "broken-reference",
                        section.path,
                        line,
                        line,
                        f"Reference {quote(m.group(0))}: no heading in the Code "
                        f"defines {number.label}{hint}.",
                        Severity.ERROR,
                    )


def _is_history(text: str, start: int, end: int) -> bool:
    """True when the sentence so far speaks of an earlier draft's numbering."""
    window = max(0, start - 120)
    for boundary in _SENTENCE_END.finditer(text, window, start):
        window = boundary.end()
    return bool(
        _HISTORY_BEFORE.search(text, window, start)
        or _HISTORY_AFTER.match(text[end : end + 60])
    )


def _referenced(m: re.Match[str]) -> list[Number]:
    kind = _kind(m.group("kind"))
    first = parse_number(kind, m.group("first"))
    if first is None:
        return []
    numbers = [first]
    for item in _LIST_ITEM.finditer(m.group("more")):
        number = parse_number(kind, item.group("num"), first.prefix)
        if (
            number is None
            or len(number.parts) != len(first.parts)
            or number.parts[0].isdigit() != first.parts[0].isdigit()
        ):
            break
        if not number.prefix and first.prefix:
            number = Number(kind, first.prefix, number.parts)
        numbers.append(number)
    return numbers


def _hint(number: Number, index: NumberIndex, section: int) -> str:
    """' (did you mean Measure I.1.1?)' when another prefix has the number."""
    near = index.by_suffix.get((number.kind, number.parts), [])
    local = [n for n in near if index.sections_of.get(n, set()) == {section}]
    choices = sorted(local or near, key=lambda n: n.prefix)[:3]
    if not choices:
        other_kinds = ("Commitment", "Measure", "Appendix", "KPI")
        choices = [
            other
            for kind in other_kinds
            if (other := Number(kind, number.prefix, number.parts)) in index.defined
        ]
    if not choices:
        return ""
    return f" (did you mean {' or '.join(n.label for n in choices)}?)"


def check_duplicates(index: NumberIndex) -> Iterator[Finding]:
    """Yield 'duplicate-number' for a number defined by two headings.

    A heading repeated with the same title in another section (an overview
    restating the Commitments) is not a duplicate.
    """
    for heading in index.headings:
        first = index.first[heading.number]
        if first is heading:
            continue
        if first.section != heading.section and first.title_key == heading.title_key:
            continue
        yield Finding(
            "duplicate-number",
            heading.path,
            heading.line,
            heading.line,
            f"{quote(heading.text)} uses the number {heading.number.label} already "
            f"used by {quote(first.text)} ({first.path}, line {first.line}).",
            Severity.ERROR,
        )


def check_sequence(index: NumberIndex) -> Iterator[Finding]:
    """Yield 'number-sequence' where a number is skipped or comes out of order."""
    last: dict[tuple[str, str, tuple[str, ...]], tuple[int, NumberedHeading]] = {}
    for heading in index.first.values():
        number = heading.number
        value = _ordinal(number.parts[-1])
        group = (number.kind, number.prefix, number.parts[:-1])
        previous = last.get(group)
        if previous is None:
            if value > 1:
                yield _sequence(
                    heading,
                    f"is the first {number.kind} of its series"
                    f"{_series(number)}; {_missing(number, 1, value)}",
                )
        elif value > previous[0] + 1:
            yield _sequence(
                heading,
                f"follows {quote(previous[1].text)}; "
                f"{_missing(number, previous[0] + 1, value)}",
            )
        elif value < previous[0]:
            yield _sequence(
                heading, f"comes after {quote(previous[1].text)} (numbers out of order)"
            )
        if previous is None or value > previous[0]:
            last[group] = (value, heading)


def _ordinal(part: str) -> int:
    return int(part) if part.isdigit() else ord(part.upper()) - ord("A") + 1


def _series(number: Number) -> str:
    """' under II.3' for Measure II.3.x; '' for a top-level series."""
    parent = ".".join(filter(None, (number.prefix, *number.parts[:-1])))
    return f" under {parent}" if parent else ""


def _missing(number: Number, low: int, high: int) -> str:
    def label(value: int) -> str:
        part = str(value) if number.parts[-1].isdigit() else chr(ord("A") + value - 1)
        return Number(number.kind, number.prefix, (*number.parts[:-1], part)).label

    if high - low == 1:
        return f"{label(low)} is missing"
    return f"{label(low)} to {label(high - 1)} are missing"


def _sequence(heading: NumberedHeading, text: str) -> Finding:
    return Finding(
        "number-sequence",
        heading.path,
        heading.line,
        heading.line,
        f"{quote(heading.text)} {text}.",
        Severity.WARNING,
    )


def check_misplaced(
    sections: Sequence[ScannedSection], index: NumberIndex
) -> Iterator[Finding]:
    """Yield 'misplaced-measure' for a Measure whose number names another Commitment."""
    numbered = {(h.section, h.line): h for h in index.headings}
    for section in sections:
        current: NumberedHeading | None = None
        for plain in section.headings:
            heading = numbered.get((section.index, plain.line))
            kind = heading.number.kind if heading else ""
            if heading is not None and kind == "Commitment":
                current = heading
            elif heading is not None and current is not None and kind == "Measure":
                wanted = (current.number.prefix, current.number.parts)
                if heading.number.parent != wanted:
                    yield _misplaced(heading, current)
            elif current is not None and plain.level <= current.level:
                current = None


def _misplaced(heading: NumberedHeading, current: NumberedHeading) -> Finding:
    parent = Number("Commitment", *heading.number.parent)
    return Finding(
        "misplaced-measure",
        heading.path,
        heading.line,
        heading.line,
        f"{quote(heading.text)} stands under {quote(current.text)} "
        f"(line {current.line}) but its number belongs to {parent.label}.",
        Severity.WARNING,
    )
