"""A published iteration's page: what it is, what changed, its round, its
downloads with their SHA-256, and the record of comments its tag carries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Iteration, Round, User
from cop_drafts.export.errors import ExportUnavailable
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import Manifest
from cop_drafts.store.repo import DraftStore

from . import codes, diffs, exports, rounds

REPORTS = "reports/"
RECORD_NAMES = ("comments.csv", "comments.xlsx", "comments.md")


@dataclass(frozen=True, slots=True)
class RecordFile:
    """A file of the record of comments carried by the tag."""

    round_tag: str
    name: str
    path: str
    size: int


@dataclass(frozen=True, slots=True)
class IterationPage:
    """Everything the iteration page shows."""

    iteration: Iteration
    manifest: Manifest
    previous: Iteration | None
    comparison: diffs.Comparison | None
    round: Round | None
    counts: rounds.RoundCounts | None
    downloads: tuple[exports.Listed, ...]
    unavailable: tuple[tuple[exports.Format, str], ...]
    record: tuple[RecordFile, ...]


def record_files(files: Iterable[tuple[str, bytes]]) -> list[RecordFile]:
    """The record-of-comments files among a tree's (path, content) files."""
    out = []
    for path, data in files:
        parts = path.split("/")
        if len(parts) == 3 and path.startswith(REPORTS) and parts[2] in RECORD_NAMES:
            out.append(RecordFile(parts[1], parts[2], path, len(data)))
    return out


def record_file(
    db: Session, store: DraftStore, code: Code, user: User | None, tag: str, path: str
) -> tuple[RecordFile, bytes]:
    """One record file of iteration `tag`, as private as the iteration.

    Raises NotFound.
    """
    iteration = codes.get_iteration(db, code, user, tag)
    files = dict(store.files(iteration.commit_id))
    for found in record_files(files.items()):
        if found.path == path:
            return found, files[path]
    raise NotFound(f"no record file {path!r} in {tag}")


def page(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    files: FileCache,
    code: Code,
    user: User | None,
    tag: str,
) -> IterationPage:
    """The page of iteration `tag` for a reader who may see it.

    `files` keeps the downloads; those not built yet are built now (each once
    per tag). Raises NotFound.
    """
    iteration = codes.get_iteration(db, code, user, tag)
    before = exports.previous(db, code, iteration)
    if before is not None and user is None and not before.is_public:
        before = None  # the public compares public iterations only
    comparison = None
    if before is not None:
        old = codes.Version(before.tag, before.commit_id, before.tag, True)
        new = codes.Version(iteration.tag, iteration.commit_id, iteration.tag, True)
        comparison = diffs.compare(store, cache, old, new)
    round_ = rounds.find_round(db, code, iteration.commit_id)
    downloads, unavailable = [], []
    for kind in exports.formats_for(db, code, iteration, user):
        try:
            downloads.append(exports.listed(db, store, files, code, iteration, kind))
        except ExportUnavailable as error:
            unavailable.append((kind, str(error)))
    return IterationPage(
        iteration,
        store.manifest(iteration.commit_id),
        before,
        comparison,
        round_,
        rounds.counts(db, round_) if round_ is not None else None,
        tuple(downloads),
        tuple(unavailable),
        tuple(record_files(store.files(iteration.commit_id))),
    )
