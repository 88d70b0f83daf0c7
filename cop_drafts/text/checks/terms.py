"""The glossary-spelling check: defined terms written with other capitals or hyphens.

Each (section, spelling) is reported once, at its first line, with a count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cop_drafts.text.checks.base import (
    FUNCTION_WORDS,
    Finding,
    ScannedSection,
    Severity,
    quote,
)
from cop_drafts.text.checks.glossary import GlossaryTerm

_SEP = r"(?:[ \t\u00a0]+|-|\u2010|\u2011)"
_SPLIT = re.compile(r"([ \t\u00a0]+|-|\u2010|\u2011)")
_ISE = re.compile(r"i[sz](?=(?:ation|ations|e|ed|es|er|ers|ing)$)", re.I)
_ACRONYM = re.compile(r"^[A-Z0-9]{2,}s?$")
_NEXT_WORD = re.compile(r"\s+([A-Za-z][A-Za-z-]*)")
_EXPANSION = re.compile(r"[\u201d\u2019\"']?\s*\([A-Z][A-Za-z]*[A-Z]s?\)")


@dataclass(frozen=True, slots=True)
class _Form:
    text: str
    words: tuple[str, ...]
    hyphens: tuple[bool, ...]
    capitalised: bool


def _split(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    pieces = _SPLIT.split(text)
    words = tuple(pieces[0::2])
    hyphens = tuple(not sep.isspace() for sep in pieces[1::2])
    return words, hyphens


def _word_pattern(word: str, last: bool) -> str:
    pattern = _ISE.sub("i[sz]", re.escape(word))
    if last and word[-1:].lower() == "y":
        return pattern[:-1] + "(?:y|ies)"
    if last and word[-1:].isalpha():
        return pattern + "(?:s|es)?"
    return pattern


class SpellingIndex:
    """One regex matching every glossary form in any spelling variant."""

    __slots__ = ("terms", "forms", "regex")

    def __init__(self, terms: Sequence[GlossaryTerm]) -> None:
        self.terms = len(terms)
        self.forms: dict[str, _Form] = {}
        patterns: list[str] = []
        for term in terms:
            for text in term.forms:
                words, hyphens = _split(text)
                capitalised = len(words) > 1 and any(
                    w[:1].isupper() and not _ACRONYM.match(w) for w in words
                )
                form = _Form(text, words, hyphens, capitalised)
                if not _has_variants(form):
                    continue
                self.forms.setdefault(_key(words), form)
                patterns.append(
                    _SEP.join(
                        _word_pattern(w, i == len(words) - 1)
                        for i, w in enumerate(words)
                    )
                )
        patterns.sort(key=len, reverse=True)
        # A first-character class lets the regex skip most positions cheaply.
        initials = "".join(
            sorted(
                {
                    c
                    for f in self.forms.values()
                    for c in f.text[0] + f.text[0].swapcase()
                }
            )
        )
        self.regex = (
            re.compile(
                rf"(?=[{re.escape(initials)}])(?<![\w-])(?i:"
                + "|".join(patterns)
                + r")(?![\w-])"
            )
            if patterns
            else None
        )

    def form_of(self, words: tuple[str, ...]) -> _Form | None:
        """The glossary form these matched words spell, plural or not."""
        form = self.forms.get(_key(words))
        if form is None:
            last = words[-1].lower()
            for stem in (last[:-3] + "y", last[:-2], last[:-1]):
                form = self.forms.get(_key((*words[:-1], stem)))
                if form is not None:
                    break
        return form


def _key(words: tuple[str, ...]) -> str:
    return " ".join(_ISE.sub("iz", w.lower()) for w in words)


def _has_variants(form: _Form) -> bool:
    return len(form.words) > 1 or any(_ISE.search(w) for w in form.words)


def check_spelling(
    sections: Sequence[ScannedSection],
    index: SpellingIndex,
    glossary: ScannedSection | None,
) -> Iterator[Finding]:
    """Yield 'glossary-spelling' for a glossary term written another way.

    A glossary in which no definition line is recognised gets one finding, so
    that the check does not pass silently.
    """
    if glossary is not None and not index.terms:
        yield Finding(
            "glossary-spelling",
            glossary.path,
            1,
            1,
            f"The glossary {quote(glossary.title)} defines no term in a form the "
            "checks recognise: \u201c**Term**: definition\u201d, "
            "\u201c\u2018term\u2019: definition\u201d or a "
            "\u201cTerm | Definition\u201d table.",
            Severity.WARNING,
        )
    if index.regex is None:
        return
    for section in sections:
        seen: dict[tuple[str, str, str], list[int]] = {}
        for number, text, canonical, reason in _variants(section, index):
            seen.setdefault((text, canonical, reason), []).append(number)
        for (text, canonical, reason), lines in seen.items():
            yield Finding(
                "glossary-spelling",
                section.path,
                lines[0],
                lines[0],
                f"{quote(text)} is spelt differently from the glossary term "
                f"{quote(canonical)} ({reason}); "
                f"{_times(len(lines))} in this section, first here.",
                Severity.WARNING,
            )


def _variants(
    section: ScannedSection, index: SpellingIndex
) -> Iterator[tuple[int, str, str, str]]:
    """(line, text, glossary form, reason) for each differing use, in line order."""
    regex = index.regex
    if regex is None:
        return
    headings = {h.line for h in section.headings}
    texts = section.body_lines() + [(h.line, h.text) for h in section.headings]
    for number, line in sorted(texts):
        for m in regex.finditer(line):
            words, hyphens = _split(m.group(0))
            form = index.form_of(words)
            if form is None:
                continue
            reason = _difference(form, words, hyphens, line, m.start(), m.end())
            if reason == "capitalisation" and number in headings:
                # Title Case is a heading style; only a capitalised term
                # written in lower case is a real difference there.
                if not form.capitalised:
                    continue
            if reason:
                yield number, m.group(0), form.text, reason


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _difference(
    form: _Form,
    words: tuple[str, ...],
    hyphens: tuple[bool, ...],
    line: str,
    start: int,
    end: int,
) -> str:
    """Why the matched spelling is not the glossary's, or '' when it is fine."""
    last = words[-1]
    canonical_last = form.words[-1]
    plural = len(last) > len(canonical_last)
    if canonical_last.lower().endswith("y") and last.lower().endswith("ies"):
        last = last[:-3] + canonical_last[-1]
    else:
        last = last[: len(canonical_last)]
    words = (*words[:-1], last)
    if any(a.lower() != b.lower() for a, b in zip(words, form.words, strict=True)):
        return "-ise/-ize spelling"
    if hyphens != form.hyphens:
        modifier = not plural and _is_modifier(line, end)
        if all(hyphens) and not any(form.hyphens) and modifier:
            return ""  # "model-evaluation results": a hyphenated compound modifier
        if all(form.hyphens) and not any(hyphens) and not modifier:
            return ""  # "the state of the art": the open form of a noun phrase
        return "hyphenation"
    if _EXPANSION.match(line, end):
        return ""  # "GPAI with Systemic Risk (GPAISR)": an acronym's expansion
    if form.capitalised and words != form.words:
        return "capitalisation"
    if not form.capitalised and words[1:] != form.words[1:]:
        if any(w[:1].isupper() for w in words[1:]) and not _in_name(line, start, end):
            return "capitalisation"
    return ""


def _is_modifier(line: str, end: int) -> bool:
    m = _NEXT_WORD.match(line, end)
    return m is not None and m.group(1).lower() not in FUNCTION_WORDS


def _in_name(line: str, start: int, end: int) -> bool:
    """True when a Title Case word touches the match ('Systemic Risk Unit')."""
    before = [w for w in line[:start].split()[-1:] if w.lower() not in FUNCTION_WORDS]
    after = line[end:].split()[:1]
    return any(w[:1].isupper() for w in before + after)
