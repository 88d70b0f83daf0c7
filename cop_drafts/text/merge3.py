"""Line-level three-way merge for people resolving a conflict in the browser.

The store decides whether two changes merge (libgit2); this module lays the
three texts side by side as chunks and proposes a merged text in which every
conflicting passage is marked, so nothing either side wrote is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from cop_drafts.text.sequence import sequence_blocks, sequence_opcodes

OURS_MARK = "<<<<<<<"
SPLIT_MARK = "======="
THEIRS_MARK = ">>>>>>>"
_MARKER_LINE = re.compile(r"^(?:<{7}|>{7})(?:[ \t]|$)")


class ChunkKind(StrEnum):
    """What happened to a stretch of lines."""

    UNCHANGED = "unchanged"  # all three agree
    SAME = "same"  # both sides made the same change
    OURS = "ours"  # only our side changed it
    THEIRS = "theirs"  # only their side changed it
    CONFLICT = "conflict"  # both changed it differently


@dataclass(frozen=True, slots=True)
class MergeChunk:
    """One stretch of lines: the three sides and where each starts (1-based)."""

    kind: ChunkKind
    base: tuple[str, ...]
    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    base_start: int
    ours_start: int
    theirs_start: int
    number: int = 0  # 1, 2, ... for conflicts; 0 otherwise

    @property
    def result(self) -> tuple[str, ...]:
        """The merged lines of a chunk that is not a conflict."""
        return self.theirs if self.kind is ChunkKind.THEIRS else self.ours


@dataclass(frozen=True, slots=True)
class Merge3:
    """The chunks of a three-way merge, in order."""

    chunks: tuple[MergeChunk, ...]
    has_base: bool

    @property
    def conflicts(self) -> tuple[MergeChunk, ...]:
        """The conflicting chunks, numbered from 1."""
        return tuple(c for c in self.chunks if c.kind is ChunkKind.CONFLICT)

    def merged_text(self, ours_label: str, theirs_label: str) -> str:
        """The merge with each conflict between numbered marker lines."""
        out: list[str] = []
        for chunk in self.chunks:
            if chunk.kind is not ChunkKind.CONFLICT:
                out.extend(chunk.result)
                continue
            n = chunk.number
            out.append(f"{OURS_MARK} #{n} {ours_label}")
            out.extend(chunk.ours)
            out.append(f"{SPLIT_MARK} #{n}")
            out.extend(chunk.theirs)
            out.append(f"{THEIRS_MARK} #{n} {theirs_label}")
        return "".join(line + "\n" for line in out)


def merge3(base: str | None, ours: str, theirs: str) -> Merge3:
    """Merge `ours` and `theirs` edited from `base` (None: unknown). Never raises.

    With no known base every difference between the two sides is a conflict.
    """
    a, b = ours.splitlines(), theirs.splitlines()
    if base is None:
        chunks = list(_two_way(a, b))
    else:
        chunks = list(_three_way(base.splitlines(), a, b))
    numbered: list[MergeChunk] = []
    count = 0
    for chunk in chunks:
        if chunk.kind is ChunkKind.CONFLICT:
            count += 1
            chunk = MergeChunk(
                chunk.kind,
                chunk.base,
                chunk.ours,
                chunk.theirs,
                chunk.base_start,
                chunk.ours_start,
                chunk.theirs_start,
                count,
            )
        numbered.append(chunk)
    return Merge3(tuple(numbered), base is not None)


def marker_lines(text: str) -> list[int]:
    """1-based numbers of lines that look like conflict markers (<<<<<<<, >>>>>>>)."""
    return [
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if _MARKER_LINE.match(line)
    ]


def _two_way(a: list[str], b: list[str]) -> Iterator[MergeChunk]:
    for tag, i1, i2, j1, j2 in sequence_opcodes(a, b, exact=True):
        kind = ChunkKind.UNCHANGED if tag == "equal" else ChunkKind.CONFLICT
        yield MergeChunk(kind, (), tuple(a[i1:i2]), tuple(b[j1:j2]), 1, i1 + 1, j1 + 1)


def _sync_regions(
    base: list[str], a: list[str], b: list[str]
) -> Iterator[tuple[int, int, int, int, int, int]]:
    """Stretches where base, a and b agree: (base, a, b) start and end indexes."""
    # Exact: a person resolves what this finds, so it must be difflib's answer.
    a_blocks = sequence_blocks(base, a, exact=True)
    b_blocks = sequence_blocks(base, b, exact=True)
    ia = ib = 0
    while ia < len(a_blocks) and ib < len(b_blocks):
        a_base, a_at, a_len = a_blocks[ia]
        b_base, b_at, b_len = b_blocks[ib]
        start, end = max(a_base, b_base), min(a_base + a_len, b_base + b_len)
        if start < end:
            a_start = a_at + start - a_base
            b_start = b_at + start - b_base
            yield (
                start,
                end,
                a_start,
                a_start + end - start,
                b_start,
                b_start + end - start,
            )
        if a_base + a_len < b_base + b_len:
            ia += 1
        else:
            ib += 1
    yield len(base), len(base), len(a), len(a), len(b), len(b)


def _three_way(base: list[str], a: list[str], b: list[str]) -> Iterator[MergeChunk]:
    iz = ia = ib = 0
    for z_start, z_end, a_start, a_end, b_start, b_end in _sync_regions(base, a, b):
        if a_start > ia or b_start > ib or z_start > iz:
            zs, as_, bs = base[iz:z_start], a[ia:a_start], b[ib:b_start]
            if as_ == bs:
                kind = ChunkKind.SAME if as_ != zs else ChunkKind.UNCHANGED
            elif as_ == zs:
                kind = ChunkKind.THEIRS
            elif bs == zs:
                kind = ChunkKind.OURS
            else:
                kind = ChunkKind.CONFLICT
            yield MergeChunk(
                kind, tuple(zs), tuple(as_), tuple(bs), iz + 1, ia + 1, ib + 1
            )
        if z_end > z_start:
            same = tuple(base[z_start:z_end])
            yield MergeChunk(
                ChunkKind.UNCHANGED,
                same,
                same,
                same,
                z_start + 1,
                a_start + 1,
                b_start + 1,
            )
        iz, ia, ib = z_end, a_end, b_end
