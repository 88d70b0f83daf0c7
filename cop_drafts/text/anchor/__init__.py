"""Comment anchors: a quoted span of one version of a section, and its
relocation in a later version (exact, moved, fuzzy or orphaned), through an
alignment of the two versions' sentences and clauses made once per pair."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cop_drafts.text.anchor.cache import Engine, engine
from cop_drafts.text.anchor.large import LargeText
from cop_drafts.text.anchor.words import Match

__all__ = [
    "CONTEXT_CHARS",
    "Anchor",
    "AnchorStatus",
    "Relocation",
    "relocate",
    "relocate_many",
]

# Characters of context stored on each side of the quote.
CONTEXT_CHARS = 32


class AnchorStatus(StrEnum):
    """How an anchor was found again in a new version of the text.

    EXACT: identical text where the alignment of the two versions keeps the
    passage's sentences in their place. MOVED: identical text whose sentences
    went elsewhere. FUZZY: reworded (or moved, merged, split, grown) but
    identifiable: its sentences were aligned with new ones on their words,
    their place in the order of the text, their section and their
    neighbours, and enough of the passage is there. ORPHANED: gone, or not
    distinguishable from another copy (a wrong attachment is worse than an
    orphan).
    """

    EXACT = "exact"
    MOVED = "moved"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"


def _check_span(text: str, start: int, end: int) -> None:
    """Raise ValueError unless 0 <= start <= end <= len(text)."""
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if start > end:
        raise ValueError(f"span start {start} is after its end {end}")
    if start < 0 or end > len(text):
        raise ValueError(
            f"span [{start}, {end}) is outside the text (0..{len(text)} characters)"
        )


def _line_range(text: str, start: int, end: int) -> tuple[int, int]:
    """1-based inclusive lines covered by text[start:end] (an empty span: its line)."""
    line_start = text.count("\n", 0, start) + 1
    last = end - 1 if end > start else start
    return line_start, line_start + text.count("\n", start, max(start, last))


@dataclass(frozen=True, slots=True)
class Anchor:
    """A span of one version of a text: the quote, its context, offsets, lines.

    Offsets are 0-based and end-exclusive; lines are 1-based and inclusive.
    """

    quote: str
    prefix: str
    suffix: str
    start: int
    end: int
    line_start: int
    line_end: int

    @classmethod
    def from_span(cls, text: str, start: int, end: int) -> Anchor:
        """Anchor for text[start:end]. Raises ValueError if the span is not
        inside the text or start > end."""
        _check_span(text, start, end)
        line_start, line_end = _line_range(text, start, end)
        return cls(
            quote=text[start:end],
            prefix=text[max(0, start - CONTEXT_CHARS) : start],
            suffix=text[end : end + CONTEXT_CHARS],
            start=start,
            end=end,
            line_start=line_start,
            line_end=line_end,
        )

    @classmethod
    def from_lines(cls, text: str, line_start: int, line_end: int) -> Anchor:
        """Anchor for whole lines line_start..line_end (1-based, inclusive),
        without the last line's newline. Raises ValueError for lines the
        text does not have."""
        lines = text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # a final newline does not open another line
        if not 1 <= line_start <= line_end <= len(lines):
            raise ValueError(
                f"lines {line_start}..{line_end} are outside the text (1..{len(lines)})"
            )
        start = sum(len(line) + 1 for line in lines[: line_start - 1])
        end = (
            start + sum(len(line) + 1 for line in lines[line_start - 1 : line_end]) - 1
        )
        return cls.from_span(text, start, end)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible representation (see `from_dict`)."""
        return {
            "quote": self.quote,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Anchor:
        """Anchor from `to_dict` output. Raises ValueError on missing or
        mistyped fields or inconsistent offsets."""
        values = _typed(data, ("quote", "prefix", "suffix"), str)
        values |= _typed(data, ("start", "end", "line_start", "line_end"), int)
        anchor = cls(**values)
        if not 0 <= anchor.start <= anchor.end or anchor.end - anchor.start != len(
            anchor.quote
        ):
            raise ValueError(f"inconsistent anchor offsets in {dict(data)!r}")
        if not 1 <= anchor.line_start <= anchor.line_end:
            raise ValueError(f"inconsistent anchor lines in {dict(data)!r}")
        return anchor


def _typed(data: Mapping[str, Any], keys: Iterable[str], kind: type) -> dict[str, Any]:
    """data[key] for each key, checked to be of `kind` (bool is no int here)."""
    out: dict[str, Any] = {}
    for key in keys:
        if key not in data:
            raise ValueError(f"anchor field {key!r} is missing")
        value = data[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(
                f"anchor field {key!r} must be {kind.__name__}, got {value!r}"
            )
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class Relocation:
    """Where an anchor lies in a new text. Offsets, lines and quote are None
    when orphaned; `score` is the similarity of the new span to the old
    quote (1.0 for exact and moved, 0.0 for orphaned). For an orphan,
    `near_heading` and `near_line` name the heading of the new text under
    which the passage's neighbourhood went (None when nothing near it
    survived); they are None for a placed passage."""

    status: AnchorStatus
    start: int | None
    end: int | None
    line_start: int | None
    line_end: int | None
    quote: str | None
    score: float
    near_heading: str | None = None
    near_line: int | None = None
    # Orphaned in a text too large for rewording to be followed: only its
    # exact words were looked for (`large`).
    limited: bool = False

    @classmethod
    def orphaned(
        cls,
        near_heading: str | None = None,
        near_line: int | None = None,
        limited: bool = False,
    ) -> Relocation:
        """The relocation of a passage that is gone (near a heading, if
        known; `limited`: or not looked for beyond its exact words)."""
        return cls(
            AnchorStatus.ORPHANED,
            None,
            None,
            None,
            None,
            None,
            0.0,
            near_heading,
            near_line,
            limited,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible representation (see `from_dict`)."""
        return {
            "status": str(self.status),
            "start": self.start,
            "end": self.end,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "quote": self.quote,
            "score": self.score,
            "near_heading": self.near_heading,
            "near_line": self.near_line,
            "limited": self.limited,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Relocation:
        """Relocation from `to_dict` output. Raises ValueError on bad data."""
        try:
            status = AnchorStatus(data["status"])
            score = float(data["score"])
            fields = [
                data[k] for k in ("start", "end", "line_start", "line_end", "quote")
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"invalid relocation {dict(data)!r}") from exc
        if status is AnchorStatus.ORPHANED:
            heading, line = data.get("near_heading"), data.get("near_line")
            if not isinstance(heading, str) or not isinstance(line, int):
                heading, line = None, None
            return cls.orphaned(heading, line, data.get("limited") is True)
        start, end, line_start, line_end, quote = fields
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in fields[:4]):
            raise ValueError(f"invalid relocation offsets {dict(data)!r}")
        if not isinstance(quote, str):
            raise ValueError(f"invalid relocation quote {dict(data)!r}")
        return cls(status, start, end, line_start, line_end, quote, score)


def _check_anchor(anchor: Anchor, old_text: str) -> None:
    """Raise ValueError unless `anchor` was made on `old_text`."""
    _check_span(old_text, anchor.start, anchor.end)
    if old_text[anchor.start : anchor.end] != anchor.quote:
        raise ValueError(
            f"anchor quote does not match old_text at [{anchor.start}, {anchor.end}):"
            " the anchor was made on another version"
        )


def relocate(anchor: Anchor, old_text: str, new_text: str) -> Relocation:
    """Find `anchor` (made on `old_text`) in `new_text`. The alignment of
    the two texts is kept for the pairs seen last, so later calls on the
    same pair are cheap. Raises ValueError if the anchor's span is outside
    `old_text` or its quote is not there."""
    return relocate_many([anchor], old_text, new_text)[0]


def relocate_many(
    anchors: Iterable[Anchor], old_text: str, new_text: str
) -> list[Relocation]:
    """`relocate` for many anchors of one text pair, aligning the texts once
    (and keeping the alignment for the pairs seen last). Raises ValueError as
    `relocate` does (before relocating any anchor)."""
    spans = []
    for anchor in anchors:
        _check_anchor(anchor, old_text)
        spans.append((anchor.start, anchor.end))
    if not spans:
        return []
    if old_text == new_text:
        return [_exact(old_text, start, end) for start, end in spans]
    if not new_text.strip():
        return [Relocation.orphaned() for _ in spans]
    pair = engine(old_text, new_text)
    done: dict[tuple[int, int], Relocation] = {}  # many comments, one passage
    for span in spans:
        if span not in done:
            done[span] = _relocation(pair, span, pair.locate(*span))
    return [done[span] for span in spans]


def _exact(text: str, start: int, end: int) -> Relocation:
    """The relocation of a span onto the same text."""
    line_start, line_end = _line_range(text, start, end)
    return Relocation(
        AnchorStatus.EXACT, start, end, line_start, line_end, text[start:end], 1.0
    )


def _relocation(pair: Engine, span: tuple[int, int], match: Match | None) -> Relocation:
    """The Relocation for a match (None: orphaned, near a heading)."""
    if match is None:
        near = pair.near_heading(*span)
        limited = isinstance(pair, LargeText) and pair.limited(*span)
        if near is None:
            return Relocation.orphaned(limited=limited)
        return Relocation.orphaned(near[0], near[1], limited)
    line_start, line_end = pair.lines(match.start, match.end)
    return Relocation(
        status=AnchorStatus(match.status),
        start=match.start,
        end=match.end,
        line_start=line_start,
        line_end=line_end,
        quote=pair.new_text[match.start : match.end],
        score=round(match.score, 4),
    )
