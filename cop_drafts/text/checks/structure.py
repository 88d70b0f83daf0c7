"""Structure checks: leftover drafting markers, empty sections, heading id clashes."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

from cop_drafts.text.checks.base import (
    Finding,
    ScannedSection,
    Severity,
    quote,
)
from cop_drafts.text.checks.numbers import NumberIndex
from cop_drafts.text.render import heading_slug

# Bracketed notes first so "[TODO: x]" is one finding, not two.
_MARKER = re.compile(
    r"(?=[\[?tTfFxX])"  # cheap first-character filter
    r"(?:\[\s*(?i:open\s+question|placeholder|tbc|tbd|todo|fixme|to\s+be\s+"
    r"(?:confirmed|completed|decided))\b[^\]\n]{0,80}\]?"
    r"|(?<![\w])(?:(?i:todo|fixme|tbd)|XXX+|TBC)(?![\w])"
    r"|\?{3,})"
)


def check_markers(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'leftover-marker' for TODO, FIXME, TBD, '???', '[open question]' etc."""
    for section in sections:
        for number, (line, code) in enumerate(
            zip(section.lines, section.in_code, strict=True), start=1
        ):
            if code:
                continue
            for m in _MARKER.finditer(line):
                yield Finding(
                    "leftover-marker",
                    section.path,
                    number,
                    number,
                    f"Leftover drafting marker {quote(m.group(0))}.",
                    Severity.WARNING,
                )


def check_empty(
    sections: Sequence[ScannedSection], index: NumberIndex
) -> Iterator[Finding]:
    """Yield 'empty-section' for a section with no body, or a bodiless numbered heading.

    A Commitment, Measure or Appendix heading is empty when the next heading of
    the same or a higher level (or the end of the section) follows it with no
    text in between; a sub-heading in between does not count as a body.
    """
    numbered = {(h.section, h.line) for h in index.headings}
    for section in sections:
        body = [line for line, _ in section.body_lines()]
        if not body:
            yield _empty_section(section)
            continue
        headings = section.headings
        for position, heading in enumerate(headings):
            if (section.index, heading.line) not in numbered:
                continue
            end = len(section.lines) + 1
            for later in headings[position + 1 :]:
                if later.level <= heading.level:
                    end = later.line
                    break
            first_body = bisect.bisect_right(body, heading.line)
            if first_body < len(body) and body[first_body] < end:
                continue
            yield Finding(
                "empty-section",
                section.path,
                heading.line,
                heading.line,
                f"{quote(heading.text)} has no text before the next heading "
                "of its level.",
                Severity.WARNING,
            )


def _empty_section(section: ScannedSection) -> Finding:
    last = max(1, len(section.lines))
    if section.headings:
        text = (
            f"Section {quote(section.title)} has no text besides its heading "
            f"{quote(section.headings[0].text)}."
        )
    else:
        text = f"Section {quote(section.title)} is empty."
    return Finding("empty-section", section.path, 1, last, text, Severity.WARNING)


def check_heading_ids(sections: Sequence[ScannedSection]) -> Iterator[Finding]:
    """Yield 'heading-id-collision' once per id that two headings of a section share.

    The finding points at the second heading and lists every line using the id.
    """
    for section in sections:
        by_slug: dict[str, list[int]] = {}
        for heading in section.headings:
            # The raw inline text, as the renderer slugs it (markup included).
            by_slug.setdefault(heading_slug(heading.text), []).append(heading.line)
        for slug, lines in by_slug.items():
            if len(lines) < 2:
                continue
            first, second = section.heading_at[lines[0]], section.heading_at[lines[1]]
            others = ", ".join(str(line) for line in lines[1:])
            plural = "s" if len(lines) > 2 else ""
            yield Finding(
                "heading-id-collision",
                section.path,
                second.line,
                second.line,
                f"Heading {quote(second.text)} gets the id \u201c{slug}\u201d, "
                f"already used by {quote(first.text)} (line {first.line}); "
                f"{len(lines)} headings share it (also line{plural} {others}).",
                Severity.ERROR,
            )
