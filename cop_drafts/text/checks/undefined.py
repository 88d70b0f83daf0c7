"""The undefined-term check: Title Case phrases mid-sentence that nothing defines.

Drafters capitalise defined terms ("Serious Incident Report"); a capitalised
phrase the glossary and the text never define is worth a look. Names of
people, bodies, documents and parts of the Code are filtered out by heuristics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from cop_drafts.text.checks.base import (
    DELIMITER_ROW,
    FUNCTION_WORDS,
    Finding,
    ScannedSection,
    Severity,
    quote,
)

_TITLE_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]*)*"
_TITLE_PHRASE = re.compile(
    rf"(?<![\w\u2019'-]){_TITLE_WORD}"
    rf"(?:(?:\s+(?:(?:of|for|on|in|to|with)(?:\s+the)?|and))?\s+{_TITLE_WORD}"
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
    and names of the Code's parts and headings are ignored. Defined terms are
    cut out of a longer phrase ("Model Evaluations of the Signatory").
    """
    names = " | ".join(
        " ".join(_WORD.findall(h.text.lower())) for s in sections for h in s.headings
    )
    known = _Known(defined, f" {names} ")
    for section in sections:
        seen: dict[str, list[int]] = {}
        for number, line in section.body_lines():
            matches = list(_TITLE_PHRASE.finditer(line))
            if not matches or _mostly_capitalised(line):
                continue
            following = section.lines[number] if number < len(section.lines) else ""
            if "|" in line and DELIMITER_ROW.match(following):
                continue  # a table's header row: column labels, like headings
            for m in matches:
                for term in _terms_in(line, m.start(), m.end(), known):
                    seen.setdefault(term, []).append(number)
        for term, lines in seen.items():
            count = "once" if len(lines) == 1 else f"{len(lines)} times"
            yield Finding(
                "undefined-term",
                section.path,
                lines[0],
                lines[0],
                f"{quote(term)} is capitalised like a defined term but neither "
                f"the glossary nor the text defines it; {count} in this section, "
                "first here.",
                Severity.INFO,
            )


class _Known:
    """Whether a run of words is a defined term or names a heading of the Code."""

    __slots__ = ("defined", "names")

    def __init__(self, defined: set[str], names: str) -> None:
        self.defined = defined
        self.names = names

    def __call__(self, words: Sequence[str]) -> bool:
        lower = " ".join(words).lower()
        singular = lower[:-3] + "y" if lower.endswith("ies") else lower.rstrip("s")
        if lower in self.defined or singular in self.defined:
            return True
        # A single word is in some heading or other; only a phrase names one.
        return len(words) > 1 and f" {' '.join(_WORD.findall(lower))} " in self.names


def _mostly_capitalised(line: str) -> bool:
    words = _WORD.findall(line)
    if len(words) < 6:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised * 4 >= len(words) * 3


def _terms_in(line: str, start: int, end: int, known: _Known) -> list[str]:
    """The undefined term-like runs of the phrase line[start:end]."""
    if _names_something(line, start, end):
        return []
    words = line[start:end].split()
    if any(w in _NAME_WORDS or w in _PROPER or w in _PARTS for w in words):
        return []
    sentence_start = _SENTENCE_LEAD.search(line, 0, start) is not None
    terms = []
    for offset, run in _unknown_runs(words, known, sentence_start):
        term = _term(run, sentence_start and offset == 0)
        if term:
            terms.append(term)
    return terms


def _unknown_runs(
    words: list[str], known: _Known, sentence_start: bool
) -> Iterator[tuple[int, list[str]]]:
    """(offset, words) of what is left when known terms joined by connectors go.

    A known span only counts between connectors ("Model Evaluations of the
    Signatory"), so "Serious Incident Response Plan" stays whole.
    """
    n = len(words)
    joins = [
        i == 0
        or words[i - 1] in _CONNECTORS
        or words[i - 1] in _DETERMINERS
        or words[i - 1].lower() in FUNCTION_WORDS
        or (i == 1 and sentence_start)
        for i in range(n + 1)
    ]
    ends = [j == n or words[j] in _CONNECTORS for j in range(n + 1)]
    run_start, i = 0, 0
    while i < n:
        end = 0
        if joins[i] and words[i] not in _CONNECTORS:
            end = next((j for j in range(n, i, -1) if ends[j] and known(words[i:j])), 0)
        if end:
            if run_start < i:
                yield run_start, words[run_start:i]
            i = run_start = end
        else:
            i += 1
    if run_start < n:
        yield run_start, words[run_start:]


def _term(words: list[str], sentence_start: bool) -> str:
    """The run as a term, or '' when it is too short or a name."""
    # At a sentence start the first word is capitalised anyway: it takes
    # two more capitalised words to look like a term.
    needed = 3 if sentence_start else 2
    while words and (
        words[0] in _CONNECTORS
        or words[0] in _DETERMINERS
        or words[0].lower() in FUNCTION_WORDS
    ):
        words = words[1:]
        needed = 2
    while words and words[-1] in _CONNECTORS:
        words = words[:-1]
    titled = [w for w in words if w[:1].isupper() and not _ACRONYM.match(w)]
    if len(titled) < needed or words[-1] in _NAME_ENDS:
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
