"""Statistics of a round of comments: counts per Working Group, section and
stakeholder category, answers so far, and where comments cluster in the text.

Numbers only, never texts: a round kept to the Chairs still counts here.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Code,
    Comment,
    Disposition,
    DispositionKind,
    Iteration,
    Relocation,
    Round,
    User,
)
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import Manifest
from cop_drafts.store.repo import DraftStore

from . import codes, rounds
from .permissions import Action, can
from .rounds import WindowState

#: The charts offered as CSV, by the name in their address.
CHARTS = ("working-groups", "sections", "categories", "answers", "density")
UNANSWERED = "not_yet_answered"
#: Answers in the order charts and tables show them.
ANSWERS: tuple[tuple[str, str], ...] = (
    (DispositionKind.ACCEPTED.value, "Accepted"),
    (DispositionKind.PARTIAL.value, "Partially accepted"),
    (DispositionKind.NOT_ACCEPTED.value, "Not accepted"),
    (DispositionKind.NOTED.value, "Noted"),
    (UNANSWERED, "Not yet answered"),
)
#: A section's strip has at most this many bands, so each can carry its number.
MAX_BANDS = 16


@dataclass(frozen=True, slots=True)
class Count:
    """One bar: what is counted (`key`), its label, and how many."""

    key: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Answers:
    """The answers so far to one Working Group's comments, in ANSWERS order.

    `with_drafts`: the reader is one of its Chairs, so answers not yet
    released count as given; for everyone else they are not yet answered.
    """

    wg: int | None
    label: str
    counts: tuple[int, ...]
    with_drafts: bool

    @property
    def total(self) -> int:
        """Comments of the Working Group."""
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Band:
    """Lines `line_start`..`line_end` of a section and the comments on them.

    `first_line` is the first line in the band that a comment is on: the
    passage its link opens (a band may start on a blank line).
    """

    line_start: int
    line_end: int
    comments: int
    first_line: int | None


@dataclass(frozen=True, slots=True)
class Density:
    """Where comments cluster along one section of the iteration shown."""

    path: str
    title: str
    wg: int | None
    line_count: int
    bands: tuple[Band, ...]
    placed: int
    removed: int


@dataclass(frozen=True, slots=True)
class Scope:
    """What the statistics are about: a round, seen by a reader.

    `iteration` is the newest published iteration the reader may see, where
    the density strips are drawn.
    """

    code: Code
    user: User
    round: Round | None
    rounds: tuple[Round, ...]
    iteration: Iteration | None
    window: WindowState | None


@dataclass(frozen=True, slots=True)
class Statistics:
    """Everything the statistics page shows, for one round."""

    scope: Scope
    total: int
    by_wg: tuple[Count, ...]
    by_section: tuple[Count, ...]
    by_category: tuple[Count, ...]
    answers: tuple[Answers, ...]
    density: tuple[Density, ...]
    not_carried: int

    @property
    def drafts_counted(self) -> tuple[int | None, ...]:
        """Working Groups whose unreleased answers this reader sees counted."""
        return tuple(a.wg for a in self.answers if a.with_drafts)


@dataclass(frozen=True, slots=True)
class Table:
    """One chart's numbers as rows: what the CSV download holds."""

    chart: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]


# The comments statistics count, as rounds.counts does: open, top-level
# comments (not replies, not withdrawn, never the Chairs' internal notes).
_COUNTED = rounds.COUNTED


def _counted(round_id: int) -> ColumnElement[bool]:
    return and_(Comment.round_id == round_id, *_COUNTED)


def scope(db: Session, code: Code, user: User | None, round_tag: str | None) -> Scope:
    """The round asked for (default: the newest) for a logged-in reader.

    The Code's numbers are not public: anonymous readers get NotFound, as
    does an unknown round. Raises NotFound.
    """
    if user is None:
        raise NotFound("statistics are for people taking part in the drafting")
    every = tuple(rounds.list_rounds(db, code))
    chosen = every[-1] if every else None
    if round_tag:
        chosen = next((r for r in every if r.tag == round_tag), None)
        if chosen is None:
            raise NotFound(f"no round on {round_tag!r}")
    visible = codes.iterations(db, code, user)
    return Scope(
        code,
        user,
        chosen,
        every,
        visible[-1] if visible else None,
        rounds.state(chosen) if chosen else None,
    )


def _wg_label(wg: int | None) -> str:
    return f"Working Group {wg}" if wg is not None else "Coordinating Chair's sections"


def _wgs(manifest: Manifest) -> list[int | None]:
    """The Working Groups owning sections; None last when some have no WG."""
    found: list[int | None] = list(manifest.wgs())
    if any(s.wg is None for s in manifest.sections):
        found.append(None)
    return found


def by_working_group(counted: rounds.RoundCounts, manifest: Manifest) -> list[Count]:
    """Comments per Working Group, every Working Group shown (zero too)."""
    found = dict(counted.by_wg)
    wgs = _wgs(manifest) + [wg for wg in found if wg not in _wgs(manifest)]
    return [Count(str(wg or ""), _wg_label(wg), found.get(wg, 0)) for wg in wgs]


def by_category(counted: rounds.RoundCounts) -> list[Count]:
    """Comments per stakeholder category of their authors, every category
    shown, most comments first."""
    found = dict(counted.by_category)
    names = {label: key.value for key, label in CATEGORY_LABELS.items()}
    labels = list(CATEGORY_LABELS.values()) + [
        label for label in found if label not in names
    ]
    out = [Count(names.get(label, ""), label, found.get(label, 0)) for label in labels]
    return sorted(out, key=lambda c: -c.value)


def by_section(db: Session, round_: Round, manifest: Manifest) -> list[Count]:
    """Comments per section of the round's iteration, in the Code's order."""
    query = (
        select(Comment.path, func.count(Comment.id))
        .where(_counted(round_.id))
        .group_by(Comment.path)
    )
    found: dict[str, int] = {path: n for path, n in db.execute(query)}
    out = [Count(s.path, s.title, found.pop(s.path, 0)) for s in manifest.sections]
    return out + [Count(path, path, n) for path, n in sorted(found.items())]


def answers(
    db: Session, user: User, round_: Round, wgs: Sequence[int | None]
) -> list[Answers]:
    """Answers so far per Working Group. An unreleased answer counts as given
    only for a reader who may see every comment of that Working Group (its
    Chairs, the coordinating Chair, the AI Office)."""
    released = Disposition.released_at.is_not(None).label("released")
    query = (
        select(Comment.wg, Disposition.kind, released, func.count(Comment.id))
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .where(_counted(round_.id))
        .group_by(Comment.wg, Disposition.kind, released)
    )
    order = {key: i for i, (key, _label) in enumerate(ANSWERS)}
    tally: dict[int | None, list[int]] = defaultdict(lambda: [0] * len(ANSWERS))
    drafts = {wg: can(user, Action.SEE_ALL_COMMENTS, wg=wg) for wg in wgs}
    for wg, kind, is_released, n in db.execute(query):
        if wg not in drafts:
            drafts[wg] = can(user, Action.SEE_ALL_COMMENTS, wg=wg)
        given = kind is not None and (is_released or drafts[wg])
        tally[wg][order[kind.value if given and kind else UNANSWERED]] += n
    return [Answers(wg, _wg_label(wg), tuple(tally[wg]), drafts[wg]) for wg in drafts]


def _landings(
    db: Session, round_: Round, commit_id: str
) -> Iterable[tuple[str, int | None, int | None, int]]:
    """(path, line_start, line_end, comments) where the round's comments are on
    `commit_id`: their own lines when written on it, else their relocation."""
    own = (
        select(Comment.path, Comment.line_start, Comment.line_end, func.count())
        .where(_counted(round_.id), Comment.commit_id == commit_id)
        .group_by(Comment.path, Comment.line_start, Comment.line_end)
    )
    moved = (
        select(
            Relocation.path, Relocation.line_start, Relocation.line_end, func.count()
        )
        .join(Comment, Comment.id == Relocation.comment_id)
        .where(
            _counted(round_.id),
            Comment.commit_id != commit_id,
            Relocation.commit_id == commit_id,
        )
        .group_by(Relocation.path, Relocation.line_start, Relocation.line_end)
    )
    yield from db.execute(own)
    yield from db.execute(moved)


def _bands(line_count: int, spans: Sequence[tuple[int, int, int]]) -> tuple[Band, ...]:
    """At most MAX_BANDS bands of (nearly) equal length along `line_count`
    lines; a comment on a passage counts in every band the passage touches."""
    count = min(MAX_BANDS, line_count)
    edges = [i * line_count // count for i in range(count + 1)]
    totals, first = [0] * count, [0] * count
    for start, end, n in spans:
        start = min(max(1, start), line_count)
        end = min(max(start, end), line_count)
        # Band i holds lines edges[i] + 1 .. edges[i + 1].
        for i in range(
            (start * count - 1) // line_count, (end * count - 1) // line_count + 1
        ):
            totals[i] += n
            line = max(start, edges[i] + 1)
            first[i] = min(first[i], line) if first[i] else line
    return tuple(
        Band(edges[i] + 1, edges[i + 1], totals[i], first[i] or None)
        for i in range(count)
    )


def density(
    db: Session, store: DraftStore, round_: Round, iteration: Iteration
) -> tuple[list[Density], int]:
    """Strips of every section of `iteration`, and how many of the round's
    comments land nowhere on it (not carried). Raises NotFound."""
    manifest = store.manifest(iteration.commit_id)
    spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    removed: dict[str, int] = defaultdict(int)
    landed = 0
    paths = {s.path for s in manifest.sections}
    for path, start, end, n in _landings(db, round_, iteration.commit_id):
        if path not in paths:
            continue
        landed += n
        if start is None:
            removed[path] += n
        else:
            spans[path].append((start, end if end is not None else start, n))
    out = []
    for s in manifest.sections:
        text = store.read(iteration.commit_id, s.path).text
        lines = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        placed = sum(n for _s, _e, n in spans[s.path])
        bands = _bands(lines, spans[s.path])
        out.append(
            Density(s.path, s.title, s.wg, lines, bands, placed, removed[s.path])
        )
    return out, landed


def page(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    round_tag: str | None,
    charts: Collection[str] = CHARTS,
) -> Statistics:
    """The `charts` of one round (default: the newest) for a logged-in reader;
    the others are left empty.

    Raises NotFound (anonymous reader, unknown round).
    """
    found = scope(db, code, user, round_tag)
    if found.round is None:
        return Statistics(found, 0, (), (), (), (), (), 0)
    round_ = found.round
    manifest = store.manifest(round_.commit_id)
    counted = rounds.counts(db, round_)
    strips: list[Density] = []
    landed = counted.total
    if "density" in charts and found.iteration is not None:
        strips, landed = density(db, store, round_, found.iteration)
    return Statistics(
        found,
        counted.total,
        tuple(by_working_group(counted, manifest)),
        tuple(by_section(db, round_, manifest) if "sections" in charts else ()),
        tuple(by_category(counted)),
        tuple(
            answers(db, found.user, round_, _wgs(manifest))
            if "answers" in charts
            else ()
        ),
        tuple(strips),
        counted.total - landed,
    )


def table(stats: Statistics, chart: str) -> Table:
    """The numbers of one chart of `stats`, as the CSV gives them.

    Raises NotFound (no such chart).
    """
    if chart == "working-groups":
        return Table(chart, ("Working Group", "Comments"), _pairs(stats.by_wg))
    if chart == "sections":
        sections = tuple((c.label, c.key, c.value) for c in stats.by_section)
        return Table(chart, ("Section", "File", "Comments"), sections)
    if chart == "categories":
        by = ("Stakeholder category", "Comments")
        return Table(chart, by, _pairs(stats.by_category))
    if chart == "answers":
        columns = ("Working Group", *(label for _k, label in ANSWERS), "Comments")
        rows: tuple[tuple[str | int, ...], ...] = tuple(
            (a.label, *a.counts, a.total) for a in stats.answers
        )
        return Table(chart, columns, rows)
    if chart == "density":
        return Table(chart, DENSITY_COLUMNS, _density_rows(stats.density))
    raise NotFound(f"no chart {chart!r}")


DENSITY_COLUMNS = ("Section", "File", "Passage", "From line", "To line", "Comments")
REMOVED = "On removed text"


def _density_rows(strips: Sequence[Density]) -> tuple[tuple[str | int, ...], ...]:
    rows: list[tuple[str | int, ...]] = []
    for d in strips:
        for b in d.bands:
            where = f"Lines {b.line_start}\u2013{b.line_end}"
            rows.append((d.title, d.path, where, b.line_start, b.line_end, b.comments))
        if d.removed:
            rows.append((d.title, d.path, REMOVED, "", "", d.removed))
    return tuple(rows)


def _pairs(counts: Sequence[Count]) -> tuple[tuple[str | int, ...], ...]:
    return tuple((c.label, c.value) for c in counts)


# A cell starting with one of these runs as a formula in a spreadsheet;
# section titles are typed by people, so such a cell gets a leading "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(found: Table) -> bytes:
    """RFC 4180 CSV (CRLF) in UTF-8 with a BOM, so spreadsheets read accents."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(found.columns)
    writer.writerows([_cell(v) for v in row] for row in found.rows)
    return buffer.getvalue().encode("utf-8-sig")
