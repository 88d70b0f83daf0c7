"""The undefined-term check: Title Case phrases mid-sentence that nothing defines.

Drafters capitalise defined terms ("Serious Incident Report"); a capitalised
phrase the glossary and the text never define is worth a look. Names of
people, bodies, documents and parts of the Code are filtered out by heuristics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from cop_drafts.text._checks_base import Finding, ScannedSection, Severity, quote

_TITLE_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]*)*"
_TITLE_PHRASE = re.compile(
    rf"(?<![\w\u2019'-]){_TITLE_WORD}"
    rf"(?:(?:\s+(?:of|and|for|the|on|in|to|with))*\s+(?:{_TITLE_WORD}|[A-Z]{{2,}}s?)"
    r"(?![\w-]))+"
)
_WORD = re.compile(r"[A-Za-z][\w-]*")
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "to", "with"})
_DETERMINERS = frozenset(
    "The This These That Those A An Each Every Any All Such Our Their Its".split()
)
_SENTENCE_LEAD = re.compile(
    r"(?:^[\s>]*(?:(?:[-*+]|\(?[A-Za-z0-9]{1,5}[.)])\s+)?|[.!?:;]\s+)"
    r"[*_\u201c\u2018\"'(\[]*$"
)
_ACRONYM = re.compile(r"^[A-Z0-9]{2,}s?$")
_EXPANSION = re.compile(r"\s*\([A-Z][A-Za-z]*[A-Z]s?\)")
_OPENING = "\u201c\u2018\"'"
# Proper names every Code uses; a phrase holding one of these is not a term.
_PROPER = frozenset(
    "EU Union European Commission Member States State Article Articles Annex "
    "Annexes Recital Recitals Regulation Directive Act Office Court Council "
    "Parliament Board Treaty Charter Journal Official Decision Guidelines "
    "January February March April May June July August September October "
    "November December Monday Tuesday Wednesday Thursday Friday".split()
)
# Names of parts of the Code ("Safety and Security Section").
_PARTS = frozenset(
    "Code Codes Commitment Commitments Measure Measures Appendix Appendices "
    "Chapter Chapters Section Sections Preamble Objective Objectives Glossary "
    "Recitals KPI KPIs Draft Drafts".split()
)
# The Code's own vocabulary; a phrase made only of these and parts is a name.
_VOCABULARY = frozenset(
    "Signatory Signatories Practice Chair Chairs Vice-Chair Vice-Chairs Co-Chair "
    "Co-Chairs Working Group Groups Plenary Table Figure Box Part Parts Note Notes "
    "Introduction General Explanatory Framework".split()
)
# Words of names of bodies, roles, principles and documents, which are proper
# names rather than defined terms ("Internet Engineering Task Force").
_NAME_WORDS = frozenset(
    "Institute Institutes Network Networks Force Agency Agencies University "
    "Foundation Association Committee Panel Forum Initiative Consortium Summit "
    "Body Bodies Nations Organisation Organization Principle Principles Chief "
    "Head Officer Officers President Director Executive Manager".split()
)
_NAME_ENDS = frozenset(
    "Protocol Protocols Standard Standards Declaration Reader Group Groups".split()
)


def check_undefined(
    sections: Sequence[ScannedSection], defined: set[str]
) -> Iterator[Finding]:
    """Yield 'undefined-term' for a Title Case phrase mid-sentence never defined.

    `defined` holds lowercased glossary forms and inline definitions. Sentence
    starts, headings, lines made mostly of capitalised words (signatures,
    titles), acronyms and their expansions, quoted titles, common proper names
    and names of the Code's parts and headings are ignored.
    """
    names = " | ".join(
        " ".join(_WORD.findall(h.text.lower())) for s in sections for h in s.headings
    )
    names = f" {names} "
    for section in sections:
        seen: dict[str, list[int]] = {}
        for number, line in section.body_lines():
            matches = list(_TITLE_PHRASE.finditer(line))
            if not matches or _mostly_capitalised(line):
                continue
            for m in matches:
                phrase = _term_in(line, m.start(), m.end(), m.group(0))
                if phrase and not _known(phrase, defined, names):
                    seen.setdefault(phrase, []).append(number)
        for phrase, lines in seen.items():
            count = "once" if len(lines) == 1 else f"{len(lines)} times"
            yield Finding(
                "undefined-term",
                section.path,
                lines[0],
                lines[0],
                f"{quote(phrase)} is capitalised like a defined term but neither "
                f"the glossary nor the text defines it; {count} in this section, "
                "first here.",
                Severity.INFO,
            )


def _mostly_capitalised(line: str) -> bool:
    words = _WORD.findall(line)
    if len(words) < 4:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised * 5 >= len(words) * 3


def _term_in(line: str, start: int, end: int, phrase: str) -> str:
    """The term-like part of a matched phrase, or '' when it is not one."""
    if _names_something(line, start, end):
        return ""
    words = phrase.split()
    if any(w in _NAME_WORDS for w in words):
        return ""
    if _SENTENCE_LEAD.search(line, 0, start):
        words = words[1:]
    while words and (words[0] in _CONNECTORS or words[0] in _DETERMINERS):
        words = words[1:]
    while words and words[-1] in _CONNECTORS:
        words = words[:-1]
    titled = [w for w in words if w[:1].isupper() and not _ACRONYM.match(w)]
    if len(titled) < 2 or words[-1] in _NAME_ENDS:
        return ""
    if any(w in _PROPER or w in _PARTS for w in words):
        return ""
    if all(w in _VOCABULARY or w in _CONNECTORS or _ACRONYM.match(w) for w in words):
        return ""
    return " ".join(words)


def _names_something(line: str, start: int, end: int) -> bool:
    """A quoted title, an acronym's expansion, or after an acronym/possessive."""
    if _EXPANSION.match(line, end):
        return True
    before = line[:start].rstrip()
    if before[-1:] in _OPENING or _inside_quotes(before):
        return True
    previous = before.split()[-1:] or [""]
    word = previous[0].strip("()[],;")
    return bool(_ACRONYM.match(word)) or word.endswith(("'s", "\u2019s"))


def _inside_quotes(before: str) -> bool:
    """True when `before` leaves a quotation open (quoted titles, cited text)."""
    return before.count("\u201c") > before.count("\u201d") or before.count('"') % 2 == 1


def _known(phrase: str, defined: set[str], names: str) -> bool:
    """Defined, names a heading, or joins defined terms with 'and'."""
    if _is_known(phrase, defined, names):
        return True
    parts = phrase.split(" and ")
    if len(parts) > 1 and any(_is_known(p, defined, names) for p in parts):
        return all(len(p.split()) < 2 or _is_known(p, defined, names) for p in parts)
    return False


def _is_known(phrase: str, defined: set[str], names: str) -> bool:
    lower = phrase.lower()
    if lower in defined or lower.rstrip("s") in defined:
        return True
    return f" {' '.join(_WORD.findall(lower))} " in names
