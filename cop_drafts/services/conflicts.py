"""Conflicts people resolve in the browser: the three texts of a file, a
proposed merge with every clashing passage marked, and what a resolution must
pass before it is committed (no marker left, a message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from cop_drafts.store.repo import normalise_text
from cop_drafts.text.merge3 import Merge3, MergeChunk, marker_lines, merge3
from cop_drafts.text.passages import marked_lines

from .errors import ValidationError

MESSAGE_MAX = 5_000


@dataclass(frozen=True, slots=True)
class MarkedChunk:
    """A clashing passage's lines as HTML, the words each side changed
    marked: against the common base when there is one (<ins> on each side),
    else one side against the other (<del> on ours, <ins> on theirs)."""

    ours: tuple[Markup, ...]
    theirs: tuple[Markup, ...]
    base: tuple[Markup, ...]


def mark_chunk(chunk: MergeChunk, has_base: bool) -> MarkedChunk:
    """The passage's lines with changed words marked (all text escaped by
    text.passages)."""
    if has_base:
        _, ours = marked_lines(chunk.base, chunk.ours)
        _, theirs = marked_lines(chunk.base, chunk.theirs)
        base = [Markup.escape(line) for line in chunk.base]
    else:
        ours, theirs = marked_lines(chunk.ours, chunk.theirs)
        base = []
    return MarkedChunk(
        tuple(Markup(line) for line in ours),
        tuple(Markup(line) for line in theirs),
        tuple(Markup(line) for line in base),
    )


@dataclass(frozen=True, slots=True)
class ConflictFile:
    """One file two sides changed differently; `base` None when unknown."""

    path: str
    title: str
    base: str | None
    ours: str
    theirs: str
    ours_label: str
    theirs_label: str
    ours_name: str
    theirs_name: str
    merge: Merge3
    merged: str

    @property
    def conflicts(self) -> tuple[MergeChunk, ...]:
        """The clashing passages, numbered from 1."""
        return self.merge.conflicts

    def marked(self, chunk: MergeChunk) -> MarkedChunk:
        """`chunk`'s lines as HTML with the words each side changed marked."""
        return mark_chunk(chunk, self.merge.has_base)


def conflict_file(
    path: str,
    title: str,
    *,
    base: str | None,
    ours: str,
    theirs: str,
    ours_label: str,
    theirs_label: str,
    ours_name: str,
    theirs_name: str,
) -> ConflictFile:
    """Lay out a conflict and propose a merge with marked passages.

    Labels describe each side in full ("wg/2 now (by Ana Ruiz)"); names are
    the short words on buttons ("theirs", "wg/2").
    """
    merge = merge3(base, ours, theirs)
    merged = merge.merged_text(ours_name, theirs_name)
    return ConflictFile(
        path,
        title,
        base,
        ours,
        theirs,
        ours_label,
        theirs_label,
        ours_name,
        theirs_name,
        merge,
        merged,
    )


def reject_markers(texts: Mapping[str, str]) -> None:
    """Refuse texts that still hold conflict markers. Raises ValidationError.

    A line starting with seven '<' or '>' is never Markdown a Chair means to
    publish; refusing it here is what keeps markers out of every branch.
    """
    for path, text in texts.items():
        lines = marker_lines(text)
        if lines:
            where = ", ".join(str(n) for n in lines[:8])
            message = (
                f"{path} still holds conflict markers (lines starting with "
                f"<<<<<<< or >>>>>>>) on line{'s' if len(lines) > 1 else ''} "
                f"{where}. Keep the text you want there and delete the marker lines."
            )
            raise ValidationError(message, {"text": message})


def check_message(message: str) -> str:
    """A commit message, stripped. Raises ValidationError when empty or huge."""
    message = normalise_text(message or "").strip()
    if not message:
        raise ValidationError(
            "Say what you changed.",
            {"message": "A commit message is required: say what you changed and why."},
        )
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            "The message is too long.",
            {"message": f"Keep the message under {MESSAGE_MAX:,} characters."},
        )
    return message
