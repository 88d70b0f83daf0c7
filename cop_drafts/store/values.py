"""Values the store hands out: plain data, no pygit2 objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import ConflictSides


@dataclass(frozen=True, slots=True)
class Person:
    """Who made a commit or tag, and when (None: now)."""

    name: str
    email: str
    when: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """A commit as the rest of the app sees it."""

    commit_id: str
    author_name: str
    author_email: str
    time: datetime
    message: str
    parent_ids: tuple[str, ...]

    @property
    def short_id(self) -> str:
        """The first 10 hex digits, as shown to people."""
        return self.commit_id[:10]

    @property
    def summary(self) -> str:
        """First line of the message."""
        return self.message.strip().split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class FileVersion:
    """Text of one file at one commit."""

    commit_id: str
    path: str
    text: str
    blob_id: str
    is_utf8: bool


@dataclass(frozen=True, slots=True)
class TagInfo:
    """An annotated tag: a published iteration."""

    name: str
    commit_id: str
    tagger_name: str
    time: datetime
    message: str


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """A branch, its tip, and how far it is ahead of / behind ``main``."""

    name: str
    tip: CommitInfo
    ahead: int
    behind: int


@dataclass(frozen=True, slots=True)
class BlameLine:
    """Who last changed one line (1-based), in which commit."""

    line: int
    text: str
    commit_id: str
    author_name: str
    time: datetime


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did: a fast-forward commit or a clean three-way merge."""

    commit_id: str
    merged: bool


@dataclass(frozen=True, slots=True)
class MergePreview:
    """Files of a branch as they would be after merging others into it.

    `merged` names the sources that merged cleanly (in order) and
    `merged_commit_ids` the commits they pointed at; `conflicts` holds the
    sides of every file whose merge did not apply (those sources are not in
    `files`).
    """

    into_commit_id: str
    merged: tuple[str, ...]
    merged_commit_ids: tuple[str, ...]
    files: Mapping[str, str]
    conflicts: tuple[ConflictSides, ...]
