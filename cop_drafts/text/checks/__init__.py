"""Consistency checks across the whole Code, shown to the coordinating Chair.

`check_code` runs the checks in `CHECKS` over the sections in Code order and
returns `Finding`s that each point at the lines to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import cached_property
from types import MappingProxyType

from cop_drafts.text.checks.base import (
    Finding,
    ScannedSection,
    SectionText,
    Severity,
)
from cop_drafts.text.checks.glossary import (
    GlossaryTerm,
    inline_definitions,
    parse_glossary,
)
from cop_drafts.text.checks.markdown import (
    check_emphasis,
    check_fences,
    check_footnotes,
    check_links,
    check_tables,
)
from cop_drafts.text.checks.numbers import (
    NumberIndex,
    check_duplicates,
    check_misplaced,
    check_references,
    check_sequence,
)
from cop_drafts.text.checks.structure import (
    check_empty,
    check_heading_ids,
    check_markers,
)
from cop_drafts.text.checks.terms import SpellingIndex, check_spelling
from cop_drafts.text.checks.undefined import check_undefined
from cop_drafts.text.render import heading_slug

__all__ = [
    "CHECKS",
    "Finding",
    "SectionText",
    "Severity",
    "check_code",
    "heading_slug",
]


class _Code:
    """The scanned sections plus indexes built on first use by the checks."""

    def __init__(
        self, sections: Sequence[SectionText], glossary_path: str | None
    ) -> None:
        self.all = [ScannedSection(s, i) for i, s in enumerate(sections)]
        self.glossary = next((s for s in self.all if s.path == glossary_path), None)
        # The glossary defines terms; it is not checked for using them.
        self.text = [s for s in self.all if s is not self.glossary]

    @cached_property
    def numbers(self) -> NumberIndex:
        return NumberIndex(self.all)

    @cached_property
    def terms(self) -> list[GlossaryTerm]:
        return parse_glossary(self.glossary) if self.glossary else []

    def defined_terms(self) -> set[str]:
        defined = inline_definitions(self.all)
        for term in self.terms:
            defined.update(form.lower() for form in term.forms)
        return defined


_Runner = Callable[[_Code], Iterable[Finding]]

_REGISTRY: dict[str, tuple[str, str, _Runner]] = {
    "broken-reference": (
        "Cross-references",
        "References such as 'see Measure 3.2' must point to a measure, "
        "commitment, appendix or KPI that some heading of the Code defines.",
        lambda code: check_references(code.all, code.numbers),
    ),
    "duplicate-number": (
        "Duplicate numbers",
        "No two Commitment, Measure or Appendix headings may carry the same number.",
        lambda code: check_duplicates(code.numbers),
    ),
    "number-sequence": (
        "Skipped numbers",
        "Commitments, Measures and Appendices are numbered 1, 2, 3 ... in order, "
        "with no number skipped.",
        lambda code: check_sequence(code.numbers),
    ),
    "misplaced-measure": (
        "Measures under the wrong Commitment",
        "A Measure n.m stands under Commitment n.",
        lambda code: check_misplaced(code.all, code.numbers),
    ),
    "heading-id-collision": (
        "Heading ids",
        "Two headings in one section must not produce the same link id.",
        lambda code: check_heading_ids(code.all),
    ),
    "glossary-spelling": (
        "Glossary spelling",
        "Terms the glossary defines are written as the glossary writes them "
        "(capitals, hyphens, -ise/-ize).",
        lambda code: check_spelling(
            code.text, SpellingIndex(code.terms), code.glossary
        ),
    ),
    "undefined-term": (
        "Undefined capitalised terms",
        "Multi-word Title Case phrases mid-sentence look like defined terms and "
        "should be defined in the glossary or the text.",
        lambda code: check_undefined(code.text, code.defined_terms()),
    ),
    "leftover-marker": (
        "Leftover markers",
        "Drafting notes such as TODO, TBD, '???' or '[open question]' are resolved "
        "before publishing.",
        lambda code: check_markers(code.all),
    ),
    "empty-section": (
        "Empty sections",
        "Every section and every Commitment, Measure or Appendix heading has "
        "text under it.",
        lambda code: check_empty(code.all, code.numbers),
    ),
    "markdown-table": (
        "Broken tables",
        "Every table row has as many cells as its header, under a delimiter row.",
        lambda code: check_tables(code.all),
    ),
    "markdown-fence": (
        "Unclosed code fences",
        "Every ``` or ~~~ code fence is closed.",
        lambda code: check_fences(code.all),
    ),
    "markdown-emphasis": (
        "Unbalanced emphasis",
        "Every '**', '*' or '_' that opens emphasis in a paragraph also closes it.",
        lambda code: check_emphasis(code.all),
    ),
    "markdown-footnote": (
        "Footnotes",
        "Every footnote reference [^n] has a definition in its section, and "
        "every definition is referenced.",
        lambda code: check_footnotes(code.all),
    ),
    "markdown-link": (
        "Empty links",
        "Every link has a target: no [text]().",
        lambda code: check_links(code.all),
    ),
}

_SEVERITY = {
    "broken-reference": Severity.ERROR,
    "duplicate-number": Severity.ERROR,
    "number-sequence": Severity.WARNING,
    "misplaced-measure": Severity.WARNING,
    "heading-id-collision": Severity.ERROR,
    "glossary-spelling": Severity.WARNING,
    "undefined-term": Severity.INFO,
    "leftover-marker": Severity.WARNING,
    "empty-section": Severity.WARNING,
    "markdown-table": Severity.ERROR,
    "markdown-fence": Severity.ERROR,
    "markdown-emphasis": Severity.ERROR,
    "markdown-footnote": Severity.ERROR,
    "markdown-link": Severity.ERROR,
}

CHECKS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {check: (title, text) for check, (title, text, _) in _REGISTRY.items()}
)
"""Check id -> (title, one-sentence description), in display order."""

SEVERITIES: MappingProxyType[str, Severity] = MappingProxyType(_SEVERITY)
"""Check id -> the severity of its findings."""


def check_code(
    sections: Sequence[SectionText],
    glossary_path: str | None = None,
    enabled: Collection[str] | None = None,
) -> list[Finding]:
    """Findings of the `enabled` checks (None = all), in section order then line.

    `glossary_path` names the section that holds the glossary, if any.
    Raises ValueError for an unknown check id or a glossary_path that is not
    one of the sections' paths.
    """
    chosen = list(CHECKS) if enabled is None else [c for c in CHECKS if c in enabled]
    unknown = set(enabled or ()) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown check ids: {', '.join(sorted(unknown))}")
    if glossary_path is not None and all(s.path != glossary_path for s in sections):
        raise ValueError(f"glossary {glossary_path!r} is not one of the sections")
    code = _Code(sections, glossary_path)
    order: dict[str, int] = {}
    for position, section in enumerate(sections):
        order.setdefault(section.path, position)
    rank = {check: position for position, check in enumerate(CHECKS)}
    findings = list(_run(code, chosen))
    findings.sort(
        key=lambda f: (order[f.path], f.line_start, f.line_end, rank[f.check])
    )
    return findings


def _run(code: _Code, chosen: Iterable[str]) -> Iterator[Finding]:
    for check in chosen:
        yield from _REGISTRY[check][2](code)
