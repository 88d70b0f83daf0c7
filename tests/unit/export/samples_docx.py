"""Documents for the DOCX tests: every Markdown construct, and stress text."""

from __future__ import annotations

from datetime import UTC, datetime

from cop_drafts.export.model import Document, Section

#: 00:30 on 6 March 2026 in Brussels (CET): the date shown is the 6th.
WHEN = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
COMMIT_ID = "0123456789abcdef0123456789abcdef01234567"
LINK = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
LONG_URL = "https://example.eu/" + "x1y2z3" * 97 + "?q=1"  # 604 characters

CONSTRUCTS = f"""\
# Risk assessment

## Commitment 2: Assessment

Text with **bold**, *italic*, ~~struck~~, `inline code`, a [link]({LINK}),
a [jump](#measure-2-2-scenarios), a [relative link](annex.md) and a hard\\
break, with a note[^a] and another[^b].

- first
  - second
    - third
      - fourth
- back

1. one
2. two
   1. two a

Between the lists.

4. four
5. five

| Left | Centre | Right |
|:-----|:------:|------:|
| a **b** | c | [d]({LINK}) |
| e | | f |

> Quoted recital
> over two lines.

```python
def rule():
    return 1
```

---

### Measure 2.2: Scenarios

#### Level four

##### Level five

###### Level six

[^a]: First note with *emphasis*.
[^b]: Second note.
[^unused]: Never referred to.
"""

WITHOUT_TITLE = """\
## Terms

Plain text, and ^[an inline note] here.
"""

CONTROL = "Bad\x0b char\x0c acters\x01 and \x7f here\x1f."

STRESS = (
    "# Stress\n\n"
    + "| "
    + " | ".join(f"Column {n}" for n in range(1, 31))
    + " |\n|"
    + "---|" * 30
    + "\n| "
    + " | ".join(f"value {n}" for n in range(1, 31))
    + " |\n\n"
    + f"A [long link]({LONG_URL}).\n\n"
    + "Ελληνικά: Κώδικας Πρακτικής. Български: Кодекс за поведение. 😀 ⚠ €\n\n"
    + CONTROL
    + "\n"
)


def make_document(*sections: tuple[str, str, str], notes: str = "") -> Document:
    """A Document of `sections` (path, title, Markdown), published at WHEN."""
    return Document(
        code_slug="gpai-code",
        code_title="General-Purpose AI Code of Practice",
        subtitle="Demonstration text",
        iteration="draft-3",
        published_at=WHEN,
        commit_id=COMMIT_ID,
        notes=notes or "Third draft.\n\nRevised after 412 comments.",
        sections=tuple(Section(p, t, "Working Group 2", x) for p, t, x in sections),
        files=(),
    )


def sample_document() -> Document:
    """Two sections: every construct, then one written from "##"."""
    return make_document(
        ("risk.md", "Risk assessment", CONSTRUCTS),
        ("glossary.md", "Glossary", WITHOUT_TITLE),
    )


def stress_document() -> Document:
    return make_document(("stress.md", "Stress", STRESS))
