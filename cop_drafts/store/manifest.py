"""The manifest ``code.toml``: the Code's title and its sections in order."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime

from .errors import InvalidContent
from .refs import check_path

MANIFEST = "code.toml"


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One section: its file, title and owning Working Group (None: the Code)."""

    path: str
    title: str
    wg: int | None


@dataclass(frozen=True, slots=True)
class Milestone:
    """A step of the process the Code names itself (kick-off, closing Plenary)."""

    label: str
    day: date


@dataclass(frozen=True, slots=True)
class Manifest:
    """Title, subtitle, purpose, ordered sections and milestones of one Code."""

    title: str
    subtitle: str
    sections: tuple[SectionSpec, ...]
    purpose: str = ""
    milestones: tuple[Milestone, ...] = ()

    def find_section(self, path: str) -> SectionSpec | None:
        """The section stored at `path`, or None."""
        return next((s for s in self.sections if s.path == path), None)

    def wgs(self) -> tuple[int, ...]:
        """The Working Group numbers owning sections, ascending."""
        return tuple(sorted({s.wg for s in self.sections if s.wg is not None}))


def parse_manifest(text: str) -> Manifest:
    """Parse code.toml. Raises InvalidContent with a plain message."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidContent(f"{MANIFEST} is not valid TOML: {error}") from error
    title = data.get("title")
    raw_sections = data.get("sections")
    if not isinstance(title, str) or not title.strip():
        raise InvalidContent(f"{MANIFEST} needs a title")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise InvalidContent(f"{MANIFEST} needs at least one [[sections]] entry")
    sections = tuple(_section(raw) for raw in raw_sections)
    paths = [s.path for s in sections]
    if len(set(paths)) != len(paths):
        raise InvalidContent(f"{MANIFEST} lists a file twice")
    subtitle = data.get("subtitle", "")
    purpose = data.get("purpose", "")
    milestones = tuple(_milestone(raw) for raw in data.get("milestones", []))
    return Manifest(
        title.strip(),
        str(subtitle).strip(),
        sections,
        str(purpose).strip(),
        tuple(sorted(milestones, key=lambda m: m.day)),
    )


def _milestone(raw: object) -> Milestone:
    # [[milestones]] label = "Kick-off Plenary", date = 2026-02-10
    if not isinstance(raw, dict):
        raise InvalidContent(f"{MANIFEST}: each milestone must be a table")
    label, day = raw.get("label"), raw.get("date")
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(label, str) or not label.strip() or not isinstance(day, date):
        raise InvalidContent(
            f"{MANIFEST}: a milestone needs a label and a date (2026-02-10)"
        )
    return Milestone(label.strip(), day)


def _section(raw: object) -> SectionSpec:
    if not isinstance(raw, dict):
        raise InvalidContent(f"{MANIFEST}: each section must be a table")
    path, title, wg = raw.get("file"), raw.get("title"), raw.get("wg")
    if not isinstance(path, str) or not path.endswith(".md"):
        raise InvalidContent(f"{MANIFEST}: section file must be a .md path")
    try:
        check_path(path)
    except Exception as error:
        raise InvalidContent(f"{MANIFEST}: bad section file {path!r}") from error
    if not isinstance(title, str) or not title.strip():
        raise InvalidContent(f"{MANIFEST}: section {path} needs a title")
    if wg is not None and (not isinstance(wg, int) or not 1 <= wg <= 99):
        raise InvalidContent(f"{MANIFEST}: section {path} has a bad wg {wg!r}")
    return SectionSpec(path, title.strip(), wg)
