"""Errors raised by the git store; pygit2's own errors never leave store/."""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """Base of every error the store raises."""


class NotFound(StoreError):
    """A rev, path, section or tag that does not exist."""


class InvalidRev(NotFound):
    """A rev that fails the allow-list or names nothing."""


class InvalidPath(NotFound):
    """A path that is not a plain relative POSIX path inside the tree."""


class InvalidContent(StoreError):
    """Content the store refuses: not UTF-8 text, a broken manifest."""


class StaleBase(StoreError):
    """The commit an edit started from is not on the branch being saved to."""


class NoChange(StoreError):
    """A save whose text equals what the branch already holds."""


class TagExists(StoreError):
    """Tags are never moved: creating an existing tag fails."""


@dataclass(frozen=True, slots=True)
class ConflictSides:
    """The three texts of a file whose three-way merge did not apply."""

    path: str
    base: str
    theirs: str
    ours: str
    theirs_commit_id: str


class Conflict(StoreError):
    """A three-way merge that does not apply; carries every side, loses none."""

    def __init__(self, sides: tuple[ConflictSides, ...]) -> None:
        self.sides = sides
        paths = ", ".join(side.path for side in sides)
        super().__init__(f"conflicting changes in {paths}")
