"""Sample Documents for the export tests: the demo's shapes, and stress text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cop_drafts.export.model import Document, Section

#: 10:30 in Brussels (CET) on 5 March 2026.
WHEN = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
COMMIT_ID = "3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a098"

PREAMBLE = """\
# Preamble

## Purpose of this Code

This Code helps providers comply with Articles 53 and 55 of the AI Act[^1].
See the [AI Office](https://digital-strategy.ec.europa.eu/en/policies/ai-office)
and [Measure 2.1.1](#measure-2-1-1-taxonomy).

[^1]: Regulation (EU) 2024/1689 of 13 June 2024.
"""

RISK = """\
# Risk identification and assessment

## Commitment 2.1: Systemic Risk identification

### Measure 2.1.1: Taxonomy

Signatories shall identify Systemic Risks[^1] from:

1. the model's capabilities, including
   - autonomy, and
     - tool use;
   - persuasion;
2. its deployment[^note].

> Recital: the taxonomy is not exhaustive.

| Risk | Tier | Threshold |
|:-----|:----:|----------:|
| Cyber offence | 2 | 10^24 FLOP |
| CBRN | 3 | — |

Write `[^1]` in code, or:

```
[^1]: not a footnote, a code line
```

### Measure 2.1.2: Scenarios

Text.

[^1]: As defined in the Glossary.
[^note]: Including open-weight releases.
"""

GLOSSARY = """\
## Terms

**Systemic Risk**: a risk specific to the high-impact capabilities.

## Abbreviations

- GPAI: general-purpose AI
"""

SECTIONS = (
    ("preamble.md", "Preamble", "Coordinating Chair", PREAMBLE),
    (
        "risk-assessment.md",
        "Risk identification and assessment",
        "Working Group 2",
        RISK,
    ),
    ("glossary.md", "Glossary", "Coordinating Chair", GLOSSARY),
)

MANIFEST = 'title = "General-Purpose AI Code of Practice"\n'

STRESS_URL = "https://example.eu/" + "a1b2c3d4e5" * 58  # 600 characters, no space
STRESS = (
    "# Stress\n\n"
    + "| "
    + " | ".join(f"Column {n}" for n in range(1, 31))
    + " |\n|"
    + "---|" * 30
    + "\n| "
    + " | ".join(f"value {n} with words" for n in range(1, 31))
    + " |\n\n"
    + f"A long link: <{STRESS_URL}> and as text {STRESS_URL}\n\n"
    + f"| Source | Address |\n|---|---|\n| the AI Office | {STRESS_URL} |\n\n"
    + "Ελληνικά: Κώδικας Πρακτικής για την τεχνητή νοημοσύνη γενικού σκοπού.\n\n"
    + "Български: Кодекс на добрите практики за изкуствения интелект с общо "
    "предназначение.\n\n" + "Čeština: Kodex zásad pro obecné modely umělé inteligence; "
    "příliš žluťoučký kůň.\n\n" + "Emoji: 😀 ⚠ ✔ €\n"
)


def make_document(
    sections: tuple[tuple[str, str, str, str], ...] = SECTIONS,
    *,
    iteration: str = "draft-3",
    notes: str = "Third draft for the Plenary.\n\nRevised after <412> comments & more.",
    extra_files: tuple[tuple[str, bytes], ...] = (),
) -> Document:
    """A Document of `sections` (path, title, owner, Markdown) and its files."""
    files = [("code.toml", MANIFEST.encode())]
    files += [(path, text.encode()) for path, _, _, text in sections]
    files += list(extra_files)
    return Document(
        code_slug="gpai-code",
        code_title="General-Purpose AI Code of Practice",
        subtitle="Demonstration text for cop-drafts: <not> an official document",
        iteration=iteration,
        published_at=WHEN,
        commit_id=COMMIT_ID,
        notes=notes,
        sections=tuple(Section(p, t, o, x) for p, t, o, x in sections),
        files=tuple(files),
    )


@pytest.fixture
def document() -> Document:
    """Three sections: headings, nested lists, a table, footnotes (label "1" in
    two sections), a link, a blockquote, code; one section without a title."""
    return make_document(extra_files=(("reports/comments.csv", b"id,body\n1,ok\n"),))


#: The sample's sections and a stress section: a 30-column table, a
#: 600-character URL (in text and in a table), Greek, Bulgarian, Czech, emoji.
STRESS_SECTIONS = (*SECTIONS, ("stress.md", "Stress", "Working Group 1", STRESS))


@pytest.fixture
def stress_document() -> Document:
    """The sample with a stress section (STRESS_SECTIONS)."""
    return make_document(STRESS_SECTIONS)
