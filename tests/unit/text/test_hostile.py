"""Hostile text: the renderer (and so the editor's preview), the redline and
the consistency checks stay within their budgets, say so when they degrade,
and drop nothing.

Times are CPU time of this process with generous bounds for a busy CI
machine; bench/hostile_text.py prints the figures before and after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import TypeVar

import pytest

from cop_drafts.text.checks import SectionText, check_code
from cop_drafts.text.checks.base import ScannedSection
from cop_drafts.text.checks.glossary import parse_glossary
from cop_drafts.text.diff import Shown, diff_texts
from cop_drafts.text.render import FLAT_NOTE, render, render_inline, sanitise

T = TypeVar("T")
#: Each case takes 0.1-1.3 s here; the budget allows for a slow CI machine.
SECONDS = 6.0


def timed(action: Callable[[], T]) -> T:
    started = time.process_time()
    result = action()
    took = time.process_time() - started
    assert took < SECONDS, f"took {took:.1f} s of CPU"
    return result


class _Text(HTMLParser):
    """The text of an HTML fragment and the classes it uses."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.classes: set[str] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "class" and value:
                self.classes.update(value.split())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _nested(depth: int, last: str = "") -> str:
    return "\n".join("  " * i + f"- level {i}{last if i == depth - 1 else ''}"
                     for i in range(depth)) + "\n"  # fmt: skip


# -- the renderer ---------------------------------------------------------------


def test_a_list_nested_deeper_than_the_renderer_goes_is_shown_flattened() -> None:
    page = _Text(timed(lambda: render(_nested(300))).html)
    for level in (0, 49, 50, 150, 299):
        assert f"level {level}" in page.text
    assert {"md-note", "md-flattened"} <= page.classes
    assert FLAT_NOTE in page.text


def test_quotes_nested_a_thousand_deep_keep_their_text() -> None:
    page = _Text(timed(lambda: render(">" * 1000 + " deepest words\n")).html)
    assert "deepest words" in page.text
    assert "md-note" in page.classes


@pytest.mark.parametrize("unit", ["[", "*_", "a\n", "> - "])
def test_a_megabyte_of_markup_renders_within_the_budget(unit: str) -> None:
    text = unit * (1_000_000 // len(unit))
    page = _Text(timed(lambda: render(text).html))
    # every character of the text is there, formatted or not
    letters = text.replace("\n", "").replace(" ", "")
    shown = page.text.replace("\n", "").replace(" ", "")
    if "md-plain" in page.classes:
        assert shown.endswith(letters)  # the note comes first
        assert "md-note" in page.classes
    else:
        assert sum(c.isalpha() for c in shown) >= sum(c.isalpha() for c in letters)


def test_past_the_budget_the_text_is_shown_plain_with_its_lines() -> None:
    text = "Intro *with* [a link](http://x).\n\n" + "[" * 300_000 + "\n\nThe end.\n"
    html = timed(lambda: render(text).html)
    page = _Text(html)
    assert "md-note" in page.classes and "md-plain" in page.classes
    assert "too large or too complex to format" in page.text
    assert "Intro *with* [a link](http://x)." in page.text
    assert "[" * 300_000 in page.text and "The end." in page.text
    assert 'data-line-start="5" data-line-end="5"' in html


def test_ampersands_are_sanitised_in_linear_time_to_the_same_output() -> None:
    html = "<p>" + "&amp;#1234 " * 100_000 + '</p><a href="http://x?a=1&amp;b=2">x</a>'
    clean = timed(lambda: sanitise(html))
    assert clean.startswith("<p>&amp;#1234 &amp;#1234")
    assert 'href="http://x?a=1&amp;b=2"' in clean
    assert "\U000f0000" not in clean
    # a text holding the stand-in characters themselves keeps them
    holders = "".join(chr(0xF0000 + n) for n in range(3))
    assert holders in sanitise(f"<p>{holders}&amp;</p>")
    assert sanitise(f"<p>{holders}&amp;</p>").endswith("&amp;</p>")


def test_a_comment_of_hostile_markup_is_shown_plain() -> None:
    html = timed(lambda: render_inline("[" * 200_000))
    assert "[" * 200_000 in _Text(html).text


def test_normal_text_renders_as_before() -> None:
    text = "# Title\n\nSome *emphasis* and [a link](https://example.org).\n\n- a\n- b\n"
    html = render(text).html
    assert "md-note" not in html
    assert '<h1 data-line-start="1" data-line-end="1" id="title">Title</h1>' in html
    assert "<em>emphasis</em>" in html


# -- the redline ------------------------------------------------------------------


def test_a_change_deep_in_a_nested_list_is_shown_in_the_redline() -> None:
    old, new = _nested(300), _nested(300, " CHANGED AT THE BOTTOM")
    result = timed(lambda: diff_texts(old, new))
    page = _Text(result.redline_html)
    assert "CHANGED AT THE BOTTOM" in page.text
    assert "level 299" in page.text and "level 150" in page.text
    assert result.summary.changes == 1


def _short_lines(count: int) -> tuple[str, str]:
    old = [f"item {i % 10}" for i in range(count)]
    new = list(old)
    for i in range(0, count, 500):
        new[i] = f"changed {i}"
    return "Intro.\n\n" + "\n".join(old) + "\n", "Intro.\n\n" + "\n".join(new) + "\n"


@pytest.mark.parametrize("count", [10_000, 20_000])
def test_a_paragraph_of_many_repeated_short_lines(count: int) -> None:
    old, new = _short_lines(count)
    result = timed(lambda: diff_texts(old, new))
    text = _Text(result.redline_html).text
    assert f"changed {count - 500}" in text
    assert result.summary.changes >= 1


def test_a_paragraph_of_100000_lines_is_compared_line_by_line_with_a_note() -> None:
    old, new = _short_lines(100_000)
    result = timed(lambda: diff_texts(old, new))
    page = _Text(result.redline_html)
    assert "rl-budget" in page.classes
    assert "Shown line by line, without formatting" in page.text
    assert "over 40,000 lines" in page.text
    assert all(block.shown is Shown.LINES for block in result.blocks)
    # Lines that all repeat give no anchor: the paragraph shows as replaced,
    # every line of both versions there.
    old_shown = "".join(b.old_source for b in result.blocks)
    new_shown = "".join(b.new_source for b in result.blocks)
    assert old_shown.count("item") > 99_000 and new_shown.count("changed") == 200
    assert "changed 99500" in page.text


def test_a_paragraph_of_100000_distinct_lines_shows_each_change() -> None:
    old = [f"line {i} of the text" for i in range(100_000)]
    new = [f"{line} changed" if i % 1000 == 0 else line for i, line in enumerate(old)]
    result = timed(lambda: diff_texts("\n".join(old), "\n".join(new)))
    assert result.summary.changes == 100
    assert result.blocks[-1].new_source == "line 99000 of the text changed\n"


def test_a_five_megabyte_line_shows_where_it_changed() -> None:
    words = [f"word{(i * 7919) % 5000}" for i in range(625_000)]
    old = " ".join(words)
    words[300_000] = "CHANGED"
    new = " ".join(words)
    result = timed(lambda: diff_texts(old + "\n", new + "\n"))
    page = _Text(result.redline_html)
    assert "rl-budget" in page.classes
    assert "over 3,000,000 characters" in page.text
    (block,) = result.blocks
    assert "CHANGED" in block.new_source and len(block.new_source) < 5000
    assert page.text.count("CHANGED") == 1


def test_a_table_of_5000_repeated_rows() -> None:
    head = "| A | B |\n|---|---|\n"
    rows = ["| same | row |"] * 5000
    new = list(rows)
    new[2500] = "| changed | row |"
    result = timed(lambda: diff_texts(head + "\n".join(rows), head + "\n".join(new)))
    assert "changed" in _Text(result.redline_html).text
    assert result.summary.words_added == 1 and result.summary.words_removed == 1


def test_a_table_of_5000_rows_and_10_columns_is_compared_line_by_line() -> None:
    head = "| " + " | ".join(f"H{c}" for c in range(10)) + " |\n" + "|---" * 10 + "|\n"
    old = [" | ".join(f"r{r} c{c} text" for c in range(10)) for r in range(5000)]
    new = [row.replace("c3 text", "c3 changed") for row in old]
    result = timed(
        lambda: diff_texts(
            head + "\n".join(f"| {row} |" for row in old),
            head + "\n".join(f"| {row} |" for row in new),
        )
    )
    page = _Text(result.redline_html)
    assert "rl-budget" in page.classes and "over 40,000 table cells" in page.text
    assert "r4999 c3 changed" in page.text and "r4999 c3 text" in page.text


# -- the consistency checks ---------------------------------------------------

#: Lines that made a pattern of the checks try a long run from each of its
#: positions (tens of seconds each at this length, minutes at the 2 MB limit).
LONG = 200_000


@pytest.mark.parametrize(
    "line",
    [
        "# A heading" + " " * LONG + "that goes on",
        "| --- " + " " * LONG + "x",
        "| a " + " " * LONG + "b | c" + " " * LONG + "d",
        "a" + " " * LONG + "b |",
        "[" * LONG + "](" * LONG,
    ],
    ids=["heading", "delimiter row", "table row", "bar at the end", "brackets"],
)
def test_the_checks_read_hostile_lines_in_linear_time(line: str) -> None:
    glossary = SectionText("glossary.md", "Glossary", line + "\n")
    section = SectionText("a.md", "A", "# A\n\n" + line + "\n")
    findings = timed(lambda: check_code([glossary, section], "glossary.md"))
    assert isinstance(findings, list)


def test_a_glossary_table_gives_the_terms_of_its_two_column_rows() -> None:
    text = (
        "| Term | Meaning |\n|---|:---:|\n| Serious Incident | an incident |\n"
        "Open Weights | weights anyone may download\n| a | b | c |\n|  | empty |\n"
    )
    terms = parse_glossary(ScannedSection(SectionText("g.md", "G", text), 0))
    assert [(t.term, t.line) for t in terms] == [
        ("Serious Incident", 3),
        ("Open Weights", 4),
    ]
