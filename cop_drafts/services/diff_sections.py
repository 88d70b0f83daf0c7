"""One section compared between two commits, cached so that a second view
reads no file from git: the blob ids per commit pair and path, then the
redline, summary and source views per pair of blob ids and DIFF_VERSION
(keys in cache_keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from markupsafe import Markup

from cop_drafts.cache import FileCache
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.diff import (
    DiffResult,
    DiffSummary,
    ItemChange,
    ItemChangeKind,
    Shown,
    diff_texts,
    prefix_ids,
    source_html,
)

from . import cache_keys as keys
from .codes import Version


class SectionStatus(StrEnum):
    """What happened to a section between the two versions."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class SectionDiff:
    """One section compared: its summary and the HTML of the chosen view.

    `anchor` prefixes the ids in `html` on a page that shows several sections.
    """

    spec: SectionSpec
    status: SectionStatus
    identical: bool
    summary: DiffSummary
    summary_line: str
    line_by_line: int  # blocks past the word-diff budget, shown by lines
    anchor: str
    html: Markup
    # "old"/"new": that side's file is not UTF-8 text (bytes shown as U+FFFD)
    not_utf8: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when the wording changed (renumbering alone does not count)."""
        return self.summary.changes > 0


_EMPTY = DiffSummary(0, 0, 0, 0, 0, 0, 0, 0, ())


def section_diffs(
    store: DraftStore, cache: FileCache, old: Version, new: Version, view: str
) -> list[SectionDiff]:
    """Every section of either version compared, in reading order.

    Ids in the HTML carry a per-section prefix (SectionDiff.anchor), so that
    all of them can share one page. Raises NotFound.
    """
    return [
        _section_diff(store, cache, old, new, pair, view, several=True)
        for pair in _section_pairs(store, old.commit_id, new.commit_id)
    ]


def section_diff(
    store: DraftStore,
    cache: FileCache,
    old: Version,
    new: Version,
    path: str,
    view: str,
) -> SectionDiff | None:
    """The section at `path` compared, None when neither version has it."""
    for pair in _section_pairs(store, old.commit_id, new.commit_id):
        if _path(pair) == path:
            return _section_diff(store, cache, old, new, pair, view, several=False)
    return None


def _section_pairs(
    store: DraftStore, old_commit: str, new_commit: str
) -> list[tuple[SectionSpec | None, SectionSpec | None]]:
    """(old spec, new spec) of every section in either manifest.

    New order first; a removed section goes after the one it followed.
    """
    old_specs = store.sections(old_commit)
    new_specs = store.sections(new_commit)
    old_by_path = {s.path: s for s in old_specs}
    new_paths = {s.path for s in new_specs}
    pairs: list[tuple[SectionSpec | None, SectionSpec | None]] = [
        (old_by_path.get(s.path), s) for s in new_specs
    ]
    for position, spec in enumerate(old_specs):
        if spec.path in new_paths:
            continue
        before = {s.path for s in old_specs[:position]}
        at = max(
            (i + 1 for i, pair in enumerate(pairs) if _path(pair) in before),
            default=0,
        )
        pairs.insert(at, (spec, None))
    return pairs


def _path(pair: tuple[SectionSpec | None, SectionSpec | None]) -> str:
    spec = pair[1] or pair[0]
    assert spec is not None
    return spec.path


class _Files:
    """Both sides of one section, read from git only on a cache miss."""

    def __init__(
        self,
        store: DraftStore,
        old: Version | None,
        new: Version | None,
        path: str,
    ) -> None:
        self._sides = (old, new)
        self._store, self._path = store, path
        self._read: list[tuple[str, str, bool]] = []

    def _files(self) -> list[tuple[str, str, bool]]:
        if not self._read:
            for version in self._sides:
                file = (
                    self._store.read(version.commit_id, self._path) if version else None
                )
                self._read.append(
                    (file.text, file.blob_id, file.is_utf8) if file else ("", "-", True)
                )
        return self._read

    def texts(self) -> tuple[str, str]:
        (old, _, _), (new, _, _) = self._files()
        return old, new

    def blob_ids(self) -> str:
        (_, old, _), (_, new, _) = self._files()
        return f"{old}/{new}"

    def not_utf8(self) -> list[str]:
        """The sides ("old", "new") whose file is not UTF-8 text."""
        (_, _, old), (_, _, new) = self._files()
        return [side for side, ok in (("old", old), ("new", new)) if not ok]


def _section_diff(
    store: DraftStore,
    cache: FileCache,
    old: Version,
    new: Version,
    pair: tuple[SectionSpec | None, SectionSpec | None],
    view: str,
    several: bool,
) -> SectionDiff:
    spec = pair[1] or pair[0]
    assert spec is not None
    files = _Files(store, old if pair[0] else None, new if pair[1] else None, spec.path)
    # Which blobs the two commits hold is cached too: a view served from the
    # cache reads no file from git at all.
    blob_ids = keys.diff_blobs(old.commit_id, new.commit_id, spec.path)
    old_blob, new_blob = cache.text(blob_ids, files.blob_ids).split("/")
    status = (
        SectionStatus.ADDED
        if old_blob == "-"
        else SectionStatus.REMOVED
        if new_blob == "-"
        else SectionStatus.UNCHANGED
        if old_blob == new_blob
        else SectionStatus.CHANGED
    )
    anchor = _anchor(spec.path) if several else ""
    if status is SectionStatus.UNCHANGED:
        line = "No changes: the two versions are identical."
        return SectionDiff(spec, status, True, _EMPTY, line, 0, anchor, Markup(""))
    blobs = (old_blob, new_blob)
    entry = cache.json(keys.diff_summary(*blobs), lambda: _summary(cache, blobs, files))

    def unprefixed() -> Markup:
        key = keys.diff_view(*blobs, view)
        if view == "redline":
            return cache.markup(key, lambda: _redline(cache, blobs, files))
        return cache.markup(key, lambda: source_html(*files.texts(), view))

    # On a page of several sections, ids carry the section's prefix; that
    # rewrite of every tag is cached as well.
    html = (
        cache.markup(
            keys.diff_view(*blobs, view, anchor),
            lambda: _prefixed(unprefixed(), anchor),
        )
        if anchor
        else unprefixed()
    )
    return SectionDiff(
        spec,
        status,
        False,
        _summary_from(entry),
        entry["line"],
        entry["line_by_line"],
        anchor,
        html,
        tuple(entry.get("not_utf8", ())),
    )


# One diff makes both entries of a pair of blobs: whichever is asked for
# first stores the other too.
def _summary(cache: FileCache, blobs: tuple[str, str], files: _Files) -> dict[str, Any]:
    result = diff_texts(*files.texts())
    redline = keys.diff_view(*blobs, "redline")
    cache.put(redline, result.redline_html.encode())
    return _summary_entry(result, files)


def _redline(cache: FileCache, blobs: tuple[str, str], files: _Files) -> Markup:
    result = diff_texts(*files.texts())
    cache.put_json(keys.diff_summary(*blobs), _summary_entry(result, files))
    return result.redline_html


def _prefixed(html: Markup, prefix: str) -> Markup:
    # prefix_ids only renames ids and in-page links inside the tags of HTML
    # text.diff made (and sanitised): nothing is added but the prefix, a
    # section path the manifest checked (letters, digits, ".", "_", "-").
    return Markup(prefix_ids(html, prefix))  # noqa: S704


def _anchor(path: str) -> str:
    return path.rsplit(".", 1)[0].replace("/", "-") + "--"


def _summary_entry(result: DiffResult, files: _Files) -> dict[str, Any]:
    summary = result.summary
    return {
        "line": result.summary_line(),
        "line_by_line": sum(
            1 for b in result.blocks if b.shown is Shown.LINES and b.note
        ),
        "counts": [
            summary.words_added,
            summary.words_removed,
            summary.changed,
            summary.moved,
            summary.moved_edited,
            summary.inserted,
            summary.deleted,
            summary.renumbered,
        ],
        "items": [
            [i.kind, i.label_old, i.label_new, i.title, i.change_id, i.content_changed]
            for i in summary.items
        ],
        "not_utf8": files.not_utf8(),
    }


def _summary_from(entry: dict[str, object]) -> DiffSummary:
    counts = entry["counts"]
    items = entry["items"]
    assert isinstance(counts, list) and isinstance(items, list)
    added, removed, changed, moved, moved_edited, inserted, deleted, renumbered = (
        int(n) for n in counts
    )
    return DiffSummary(
        added,
        removed,
        changed,
        moved,
        moved_edited,
        inserted,
        deleted,
        renumbered,
        tuple(
            ItemChange(ItemChangeKind(k), lo, ln, t, c, bool(ch))
            for k, lo, ln, t, c, ch in items
        ),
    )
