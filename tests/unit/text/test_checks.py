"""Unit tests for the Code consistency checks (cop_drafts.text.checks)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cop_drafts.text.checks import (
    CHECKS,
    SEVERITIES,
    Finding,
    SectionText,
    Severity,
    check_code,
    heading_slug,
)

CORPUS = Path(__file__).resolve().parents[3] / "../shared/corpus"


def md(text: str) -> str:
    """Dedented Markdown without the leading newline of a triple-quoted string."""
    return textwrap.dedent(text).lstrip("\n")


def run(
    *sections: tuple[str, str], glossary: str | None = None, check: str | None = None
) -> list[Finding]:
    """Findings for sections given as (path, markdown), only of `check` if given."""
    code = [
        SectionText(path, path.removesuffix(".md"), text) for path, text in sections
    ]
    return check_code(
        code, glossary_path=glossary, enabled=None if check is None else {check}
    )


def where(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return [(f.check, f.path, f.line_start) for f in findings]


GOOD_ASSESSMENT = md(
    """
    # Risk identification and assessment

    ## Commitment 1: Systemic Risk identification

    Signatories identify Systemic Risks as set out in Measures 1.1 to 1.2.

    ### Measure 1.1: Taxonomy

    Signatories use the taxonomy in Appendix 1 and report KPI 1.1.a.

    | KPI | Indicator |
    | --- | --- |
    | KPI 1.1.a | number of risks |

    ### Measure 1.2 — Scenarios

    Signatories develop scenarios (see Measure 1.1 and Commitment 2).

    ## Commitment 2: Systemic Risk analysis

    Signatories analyse each Systemic Risk, see Commitments 1 and 2.

    ### Measure 2.1. Model Evaluations

    Signatories run Model Evaluations[^1].

    [^1]: As described in [the annex](https://example.org/annex).

    ## Appendix 1 Taxonomy

    Cyber offence, chemical and biological risks.
    """
)
GOOD_GLOSSARY = md(
    """
    # Glossary

    **Systemic Risk**: a risk specific to the most capable models.

    **Model Evaluation**: a structured assessment of a model.
    """
)


# -- the registry ----------------------------------------------------------


def test_checks_registry_lists_every_check_with_title_and_sentence() -> None:
    assert list(CHECKS)[:3] == [
        "broken-reference",
        "duplicate-number",
        "number-sequence",
    ]
    assert set(CHECKS) == set(SEVERITIES)
    for title, description in CHECKS.values():
        assert title and description.endswith(".")


def test_a_correct_code_gives_no_findings() -> None:
    findings = run(
        ("risk-assessment.md", GOOD_ASSESSMENT),
        ("glossary.md", GOOD_GLOSSARY),
        glossary="glossary.md",
    )
    assert findings == []


def test_severity_of_each_finding_is_the_checks_severity() -> None:
    text = md(
        """
        ## Commitment 1: A

        See Measure 9.9. TODO: they file the Serious Incident Report in **bold
        type within five working days of the event.

        ## Commitment 3: B
        ## Commitment 3: C
        """
    )
    findings = run(("a.md", text))
    assert {f.check for f in findings} >= {
        "broken-reference",
        "leftover-marker",
        "undefined-term",
        "duplicate-number",
        "markdown-emphasis",
    }
    for finding in findings:
        assert finding.severity is SEVERITIES[finding.check]
    assert SEVERITIES["broken-reference"] == Severity.ERROR
    assert SEVERITIES["number-sequence"] == "warning"
    assert SEVERITIES["undefined-term"] == "info"


def test_findings_follow_the_given_section_order_then_line() -> None:
    b = md(
        """
        ## B

        TODO second
        TODO third
        """
    )
    a = "TODO first\n"
    findings = run(("b.md", b), ("a.md", a), check="leftover-marker")
    assert [(f.path, f.line_start) for f in findings] == [
        ("b.md", 3),
        ("b.md", 4),
        ("a.md", 1),
    ]


def test_enabled_limits_the_checks_and_rejects_unknown_ids() -> None:
    text = "TODO: see Measure 4.4.\n"
    assert {f.check for f in run(("a.md", text), check="leftover-marker")} == {
        "leftover-marker"
    }
    assert check_code([SectionText("a.md", "A", text)], enabled=set()) == []
    with pytest.raises(ValueError, match="no-such-check"):
        check_code([SectionText("a.md", "A", text)], enabled={"no-such-check"})


def test_glossary_path_must_name_a_section() -> None:
    with pytest.raises(ValueError, match="glossary.md"):
        check_code([SectionText("a.md", "A", "text\n")], glossary_path="glossary.md")


# -- broken-reference ------------------------------------------------------


def test_reference_to_an_undefined_measure_is_an_error_at_its_line() -> None:
    text = GOOD_ASSESSMENT + "\nFor details see Measure 3.7 and Appendix 4.\n"
    findings = run(("risk-assessment.md", text), check="broken-reference")
    last = len(text.splitlines())
    assert where(findings) == [
        ("broken-reference", "risk-assessment.md", last),
        ("broken-reference", "risk-assessment.md", last),
    ]
    assert "\u201cMeasure 3.7\u201d" in findings[0].message
    assert "\u201cAppendix 4\u201d" in findings[1].message
    assert findings[0].severity is Severity.ERROR


def test_references_resolve_across_sections() -> None:
    other = "## Notes\n\nAs Measure 1.2 and KPI 1.1.a require, see Appendix 1.\n"
    findings = run(("a.md", GOOD_ASSESSMENT), ("b.md", other), check="broken-reference")
    assert findings == []


def test_roman_prefixed_numbers_and_hint_for_a_missing_prefix() -> None:
    text = md(
        """
        ### Commitment II.3: Systemic risk identification

        Signatories follow Measure II.3.2. and Commitment II.3.

        #### Measure II.3.1. Selection

        Text. See Measure II.3.5, and Measure 3.2.

        #### Measure II.3.2 Scenarios

        Text.
        """
    )
    findings = run(("s.md", text), check="broken-reference")
    assert where(findings) == [
        ("broken-reference", "s.md", 7),
        ("broken-reference", "s.md", 7),
    ]
    assert "Measure II.3.5" in findings[0].message
    assert "\u201cMeasure 3.2\u201d" in findings[1].message
    assert "did you mean Measure II.3.2?" in findings[1].message


def test_lists_and_ranges_check_each_number() -> None:
    text = GOOD_ASSESSMENT + md(
        """

        See Commitments 1 and 3, Measures 1.1 to 1.4, Measures 1.1\u20131.2.
        """
    )
    findings = run(("a.md", text), check="broken-reference")
    messages = [f.message for f in findings]
    assert len(findings) == 2
    assert "defines Commitment 3" in messages[0]
    assert "\u201cCommitments 1 and 3\u201d" in messages[0]
    assert "defines Measure 1.4" in messages[1]
    assert "\u201cMeasures 1.1 to 1.4\u201d" in messages[1]


def test_wrong_kind_gets_a_hint() -> None:
    text = GOOD_ASSESSMENT + "\nSee Commitment 1.2 for the scenarios.\n"
    (finding,) = run(("a.md", text), check="broken-reference")
    assert "did you mean Measure 1.2?" in finding.message


def test_references_to_an_earlier_draft_are_not_checked() -> None:
    text = GOOD_ASSESSMENT + md(
        """

        > Measure 1.1 (former Measure 2.3, Draft 2) replaces old Commitment 13.
        > In the first draft, this was \u201cMeasure 7\u201d.
        > It merges Measures 4.1 and 4.2 of the second draft.
        """
    )
    assert run(("a.md", text), check="broken-reference") == []


def test_references_in_code_blocks_and_headings_are_not_checked() -> None:
    text = (
        GOOD_ASSESSMENT + "\n```\nMeasure 9.9\n```\n\n## Measure 1.1 vs Measure 8.8\n"
    )
    assert run(("a.md", text), check="broken-reference") == []


def test_kpi_defined_by_a_list_item() -> None:
    text = md(
        """
        ## Commitment 2. Copyright policy

        ### Measure 2.1: Draw up a policy

        - KPI 2.1.1: A single document.

        Signatories report KPI 2.1.1 and KPI 2.1.2.
        """
    )
    (finding,) = run(("c.md", text), check="broken-reference")
    assert finding.line_start == 7
    assert "KPI 2.1.2" in finding.message


# -- duplicate-number, number-sequence, misplaced-measure -------------------


def test_two_headings_with_one_number_are_an_error_at_the_second() -> None:
    text = md(
        """
        ## Commitment 3: Analysis

        Text.

        ### Measure 3.1: Evaluations

        Text.

        ### Measure 3.1: Estimation

        Text.
        """
    )
    (finding,) = run(("a.md", text), check="duplicate-number")
    assert where([finding]) == [("duplicate-number", "a.md", 9)]
    assert "\u201cMeasure 3.1: Estimation\u201d" in finding.message
    assert "line 5" in finding.message
    assert finding.severity is Severity.ERROR


def test_an_overview_restating_a_commitment_elsewhere_is_no_duplicate() -> None:
    overview = "## Overview\n\n#### Commitment 1. Risk identification\n\nSummary.\n"
    full = "## Commitment 1: Risk identification\n\nText.\n"
    renamed = "## Commitment 1: Something else\n\nText.\n"
    assert run(("o.md", overview), ("a.md", full), check="duplicate-number") == []
    (finding,) = run(("o.md", overview), ("b.md", renamed), check="duplicate-number")
    assert (finding.path, finding.line_start) == ("b.md", 1)


def test_skipped_measure_and_commitment_numbers_are_warnings() -> None:
    text = md(
        """
        ## Commitment 1: A

        Text.

        ## Commitment 2: B

        ### Measure 2.1: B1

        Text.

        ### Measure 2.2: B2

        Text.

        ### Measure 2.4: B4

        Text.

        ## Commitment 4: D

        Text.
        """
    )
    findings = run(("a.md", text), check="number-sequence")
    assert where(findings) == [
        ("number-sequence", "a.md", 15),
        ("number-sequence", "a.md", 19),
    ]
    assert "\u201cMeasure 2.4: B4\u201d" in findings[0].message
    assert "Measure 2.3 is missing" in findings[0].message
    assert "Commitment 3 is missing" in findings[1].message
    assert findings[0].severity is Severity.WARNING


def test_first_number_other_than_one_and_numbers_out_of_order() -> None:
    text = md(
        """
        ## Commitment 1: A

        ### Measure 1.2: second

        Text.

        ### Measure 1.3: third

        Text.

        ### Measure 1.1: first

        Text.
        """
    )
    findings = run(("a.md", text), check="number-sequence")
    assert [f.line_start for f in findings] == [3, 11]
    assert "Measure 1.1 is missing" in findings[0].message
    assert "out of order" in findings[1].message


def test_roman_prefixed_series_and_setext_headings() -> None:
    text = md(
        """
        Commitment II.2: Second
        -----------------------

        Text.

        ## Commitment II.3: Third

        Text.
        """
    )
    (finding,) = run(("a.md", text), check="number-sequence")
    assert finding.line_start == 1
    assert "first Commitment of its series under II" in finding.message
    assert "Commitment II.1 is missing" in finding.message


def test_a_code_numbered_across_sections_is_in_sequence() -> None:
    first = "## Commitment 1: A\n\n### Measure 1.1: a\n\nText.\n"
    second = "## Commitment 2: B\n\n### Measure 2.1: b\n\nText.\n"
    assert run(("a.md", first), ("b.md", second), check="number-sequence") == []


def test_a_measure_under_another_commitment_is_a_warning() -> None:
    text = md(
        """
        ## Commitment 4: Governance

        Text.

        ### Measure 3.1: Misfiled

        Text.

        ### Measure 4.1: Fine

        Text.

        ## Appendix 1 Notes

        ### Measure 3.2: after a heading that ends the Commitment

        Text.
        """
    )
    (finding,) = run(("a.md", text), check="misplaced-measure")
    assert where([finding]) == [("misplaced-measure", "a.md", 5)]
    assert "\u201cMeasure 3.1: Misfiled\u201d" in finding.message
    assert "Commitment 3" in finding.message


# -- heading-id-collision -------------------------------------------------------


def test_heading_slug() -> None:
    assert heading_slug("Measure II.3.2. Title") == "measure-ii-3-2-title"
    assert heading_slug("  Risk -- assessment: (a)  ") == "risk-assessment-a"
    assert heading_slug("Déjà vu — ünïcode") == "deja-vu-unicode"
    assert heading_slug("***") == "section"


def test_headings_with_one_slug_in_a_section_collide_once_per_id() -> None:
    text = md(
        """
        ## Key indicators

        Text.

        ## Key Indicators

        Text.

        ## Key-indicators!

        Text.

        ## Other

        Text.
        """
    )
    (finding,) = run(
        ("a.md", text), ("b.md", "## Other\n\nText.\n"), check="heading-id-collision"
    )
    assert where([finding]) == [("heading-id-collision", "a.md", 5)]
    assert "\u201ckey-indicators\u201d" in finding.message
    assert "\u201cKey Indicators\u201d" in finding.message
    assert "lines 5, 9" in finding.message


# -- glossary-spelling and undefined-term ----------------------------------------

GLOSSARY = md(
    """
    # Glossary

    Defined terms are written in Title Case.

    **Serious Incident**: an incident with serious harm.

    - **Harmonised Standard** \u2013 a standard adopted on request.

    \u2018model evaluation\u2019 (noun): a structured assessment of a model.

    **Risk Tier:** a level of risk.

    | Term | Definition |
    | --- | --- |
    | Open-Weight Release | publishing the weights |
    """
)


def test_glossary_terms_written_another_way_are_warnings_once_per_spelling() -> None:
    text = md(
        """
        # Incidents

        A Serious incident is reported. Another Serious incident follows.

        Signatories apply a Harmonized Standard and report serious incidents.

        The model-evaluation is repeated; model-evaluation results are kept.

        Each Risk tier is described. An Open Weight Release is public.
        """
    )
    findings = run(
        ("a.md", text),
        ("glossary.md", GLOSSARY),
        glossary="glossary.md",
        check="glossary-spelling",
    )
    got = [(f.line_start, f.message.split(" is spelt")[0]) for f in findings]
    assert got == [
        (3, "\u201cSerious incident\u201d"),
        (5, "\u201cHarmonized Standard\u201d"),
        (5, "\u201cserious incidents\u201d"),
        (7, "\u201cmodel-evaluation\u201d"),
        (9, "\u201cRisk tier\u201d"),
        (9, "\u201cOpen Weight Release\u201d"),
    ]
    assert "2 times in this section" in findings[0].message
    assert "(capitalisation)" in findings[0].message
    assert "(-ise/-ize spelling)" in findings[1].message
    assert "(hyphenation)" in findings[3].message
    assert all(f.severity is Severity.WARNING for f in findings)


def test_correct_and_plural_glossary_terms_give_no_finding() -> None:
    text = md(
        """
        ## Serious Incidents

        Serious Incidents and a Serious Incident are reported after each model
        evaluation. Model evaluations follow Harmonised Standards. Open-Weight
        Releases and Risk Tiers are described.
        """
    )
    findings = run(
        ("a.md", text),
        ("glossary.md", GLOSSARY),
        glossary="glossary.md",
        check="glossary-spelling",
    )
    assert findings == []


def test_spelling_in_a_heading_is_checked() -> None:
    text = "## Measure 4.1.3: Handling each Serious-Incident\n\nText.\n"
    (finding,) = run(
        ("a.md", text),
        ("glossary.md", GLOSSARY),
        glossary="glossary.md",
        check="glossary-spelling",
    )
    assert (finding.line_start, "\u201cSerious-Incident\u201d") == (
        1,
        finding.message.split(" is spelt")[0],
    )


def test_a_glossary_with_no_recognised_definition_is_reported() -> None:
    glossary = "# Glossary\n\nSystemic risk means a risk at Union level.\n"
    (finding,) = run(
        ("a.md", "Text.\n"),
        ("glossary.md", glossary),
        glossary="glossary.md",
        check="glossary-spelling",
    )
    assert (finding.path, finding.line_start) == ("glossary.md", 1)
    assert "defines no term" in finding.message


def test_undefined_title_case_term_is_info_once_per_section_with_a_count() -> None:
    text = md(
        """
        # Reporting

        Signatories file a Serious Incident Report with the AI Office.

        The AI Office reads each Serious Incident Report and the Frontier Risk Log.

        Other sections may say Serious Incident Report too.
        """
    )
    findings = run(("a.md", text), check="undefined-term")
    assert where(findings) == [
        ("undefined-term", "a.md", 3),
        ("undefined-term", "a.md", 5),
    ]
    assert "\u201cSerious Incident Report\u201d" in findings[0].message
    assert "3 times in this section" in findings[0].message
    assert "\u201cFrontier Risk Log\u201d" in findings[1].message
    assert findings[0].severity is Severity.INFO


def test_capitalised_phrases_that_are_not_undefined_terms() -> None:
    text = md(
        """
        # Safety Incident Reports

        Serious Incident Reports are described in the heading above? No: Safety
        Incident Reports are. The EU AI Office, the European Commission and the
        Member States apply Article 3 AI Act and Annex XIII. The Signatory
        reports a Serious Incident to the AI Office. The provider adopts a
        Safety Framework (the \u201cFramework\u201d) and a
        Trusted Platform Module (TPM). It reads \u201cThe Frontier Safety
        Commitments\u201d and the Code of Practice. Commitments and Measures apply.

        | Minimum Security Controls | Level |
        | --- | --- |
        | encryption | high |

        Working Group 1, Transparency Nuria Oliver (Chair) & Rishi Bommasani (Vice)
        """
    )
    findings = run(
        ("a.md", text),
        ("glossary.md", GLOSSARY),
        glossary="glossary.md",
        check="undefined-term",
    )
    assert findings == []


def test_terms_defined_in_running_text_are_not_undefined() -> None:
    text = md(
        """
        - (c) *Covered Model* means a model placed on the market.

        Each Covered Model keeps a Safety Framework (the \u201cFramework\u201d) and an
        Incident Log (hereafter Incident Log). The provider of each Covered Model
        reviews its Safety Framework and Incident Log yearly.
        """
    )
    assert run(("a.md", text), check="undefined-term") == []


def test_defined_terms_joined_by_connectors_are_not_undefined() -> None:
    text = md(
        """
        Signatories share Serious Incidents of the Harmonised Standard.

        They keep Serious Incident Response Plans up to date and review them
        whenever a Risk Tier changes.
        """
    )
    findings = run(
        ("a.md", text),
        ("glossary.md", GLOSSARY),
        glossary="glossary.md",
        check="undefined-term",
    )
    assert [
        (f.line_start, f.message.split(" is capitalised")[0]) for f in findings
    ] == [(3, "\u201cSerious Incident Response Plans\u201d")]


# -- leftover-marker ---------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    [
        "TODO",
        "todo:",
        "FIXME",
        "XXX",
        "TBD",
        "[open question]",
        "[Open question: who signs?]",
        "???",
        "[placeholder]",
        "[tbc]",
        "[TBC]",
    ],
)
def test_leftover_markers_are_warnings(marker: str) -> None:
    text = f"## A\n\nSignatories report {marker} within 5 days.\n"
    (finding,) = run(("a.md", text), check="leftover-marker")
    assert where([finding]) == [("leftover-marker", "a.md", 3)]
    assert marker.rstrip(":") in finding.message
    assert finding.severity is Severity.WARNING


def test_words_containing_markers_and_code_are_not_markers() -> None:
    text = md(
        """
        The mastodon, Todos and XXXL sizes? Really? TBDs and TODOS are words.

        ```
        TODO inside code
        ```
        """
    )
    assert run(("a.md", text), check="leftover-marker") == []


# -- empty-section -------------------------------------------------------------------


def test_section_with_only_a_heading_is_empty() -> None:
    findings = run(("a.md", "# Governance\n\n"), ("b.md", ""), check="empty-section")
    assert where(findings) == [
        ("empty-section", "a.md", 1),
        ("empty-section", "b.md", 1),
    ]
    assert "\u201cGovernance\u201d" in findings[0].message


def test_measure_followed_by_a_heading_of_its_level_is_empty() -> None:
    text = md(
        """
        ## Commitment 1: A

        ### Measure 1.1: Empty
        ### Measure 1.2: Has text

        Text.

        ### Measure 1.3: Only a sub-heading
        #### Details

        Text.

        ### Measure 1.4: Empty at the end
        """
    )
    findings = run(("a.md", text), check="empty-section")
    assert where(findings) == [
        ("empty-section", "a.md", 3),
        ("empty-section", "a.md", 13),
    ]
    assert "\u201cMeasure 1.1: Empty\u201d" in findings[0].message


# -- Markdown ------------------------------------------------------------------


def test_table_row_with_wrong_cell_count_and_missing_delimiter() -> None:
    text = md(
        """
        | KPI | Indicator | When |
        | --- | --- | --- |
        | 1.a | share | yearly |
        | 1.b | count |

        | Term | Meaning |
        | foo | bar |

        | a | b |
        | --- |
        """
    )
    findings = run(("a.md", text), check="markdown-table")
    assert where(findings) == [
        ("markdown-table", "a.md", 4),
        ("markdown-table", "a.md", 6),
        ("markdown-table", "a.md", 9),
    ]
    assert "2 cells but its header has 3" in findings[0].message
    assert "| 1.b | count |" in findings[0].message
    assert "no delimiter row" in findings[1].message
    assert "delimiter row has 1" in findings[2].message


def test_correct_tables_give_no_finding() -> None:
    text = md(
        """
        Term | Meaning
        :--- | ---:
        a \\| b | `x | y`
        c | d

        > | quoted | table |
        > | --- | --- |
        > | 1 | 2 |
        """
    )
    assert run(("a.md", text), check="markdown-table") == []


def test_unclosed_code_fence() -> None:
    text = "Text.\n\n```python\ncode\n~~~\n"
    (finding,) = run(("a.md", text), check="markdown-fence")
    assert (finding.line_start, finding.line_end) == (3, 5)
    assert "```python" in finding.message
    closed = "~~~\n```\ncode\n```\n~~~\n"
    assert run(("a.md", closed), check="markdown-fence") == []


def test_unbalanced_emphasis() -> None:
    text = md(
        """
        Signatories **must report.

        A *single star and a _lone underscore.

        Fine: **bold across
        two lines** and *italic*, 4*10^5, snake_case_name, a * b,
        https://example.org/a_b_c and `**code`, (*7) Regulation.

        * a list item with **bold**
        """
    )
    findings = run(("a.md", text), check="markdown-emphasis")
    assert where(findings) == [
        ("markdown-emphasis", "a.md", 1),
        ("markdown-emphasis", "a.md", 3),
    ]
    assert "\u201c**\u201d" in findings[0].message
    assert "Signatories **must report." in findings[0].message


def test_footnotes_without_definition_or_reference() -> None:
    text = md(
        """
        Text with a note[^1] and another[^missing].

        [^1]: The note.
        [^unused]: Never referenced.
        """
    )
    findings = run(("a.md", text), check="markdown-footnote")
    assert where(findings) == [
        ("markdown-footnote", "a.md", 1),
        ("markdown-footnote", "a.md", 4),
    ]
    assert "[^missing]" in findings[0].message
    assert "[^unused]" in findings[1].message


def test_links_with_empty_targets() -> None:
    text = "See [the annex]() and [x]( ) and ![figure](<>) but [ok](https://a.eu).\n"
    findings = run(("a.md", text), check="markdown-link")
    assert [f.message.split(" has")[0] for f in findings] == [
        "Link \u201c[the annex]()\u201d",
        "Link \u201c[x]( )\u201d",
        "Link \u201c![figure](<>)\u201d",
    ]


# -- the real corpus -----------------------------------------------------------


def _corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("**/*.md")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_real_corpus_file_is_checked_without_crashing(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    findings = check_code([SectionText(path.name, path.stem, text)])
    lines = max(1, len(text.splitlines()))
    for finding in findings:
        assert finding.check in CHECKS
        assert 1 <= finding.line_start <= finding.line_end <= lines
        assert finding.message
