"""What an export is made of: one published iteration of a Code, as plain values.

The service reads these from the git store; everything in ``export`` turns
them into bytes without touching git, the database or the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the Code as the manifest lists it, with its Markdown."""

    path: str  # file in the tagged tree, e.g. "risk-assessment.md"
    title: str  # from code.toml
    owner: str  # "Working Group 2" or "Coordinating Chair"
    text: str  # Markdown source


@dataclass(frozen=True, slots=True)
class Document:
    """A published iteration: what every export format is built from."""

    code_slug: str  # e.g. "gpai-code"; file names start with it
    code_title: str
    subtitle: str
    iteration: str  # the tag, e.g. "draft-3" or "final"
    published_at: datetime  # aware; shown in Brussels time
    commit_id: str  # full hex id the tag points to
    notes: str  # release notes (the tag's message), plain text
    sections: tuple[Section, ...]  # in the manifest's order
    files: tuple[tuple[str, bytes], ...]  # every file of the tagged tree, by path

    @property
    def stem(self) -> str:
        """File name stem of every download: ``<code>-<iteration>``."""
        return f"{self.code_slug}-{self.iteration}"
