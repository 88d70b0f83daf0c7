"""Comparing two versions of a Code: per section redline, source diff, summary.

Results between two texts never change, so each section's diff is cached by
the two blob ids and DIFF_VERSION; a section whose blob is the same on both
sides is not diffed at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Comment, CommentKind, User
from cop_drafts.store.errors import NotFound
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.refs import MAIN, is_branch_name, is_hex_rev
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.diff import (
    DIFF_VERSION,
    DiffSummary,
    ItemChange,
    ItemChangeKind,
    PagePart,
    Shown,
    diff_texts,
    document_html,
    prefix_ids,
    source_html,
)

from . import codes as code_service
from .errors import ValidationError

VIEWS = ("redline", "split", "unified")


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

    @property
    def has_changes(self) -> bool:
        """True when the wording changed (renumbering alone does not count)."""
        return self.summary.changes > 0


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A ready-made comparison offered as a link."""

    label: str
    old_rev: str
    new_rev: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two versions of a Code (or of one section) and what changed."""

    old: code_service.Version
    new: code_service.Version
    path: str | None
    view: str
    sections: tuple[SectionDiff, ...]

    @property
    def same_version(self) -> bool:
        """True when both sides are the same commit."""
        return self.old.commit_id == self.new.commit_id

    @property
    def changed(self) -> tuple[SectionDiff, ...]:
        """The sections whose text differs."""
        return tuple(s for s in self.sections if not s.identical)

    @property
    def words(self) -> tuple[int, int]:
        """Words added and removed over all sections."""
        return (
            sum(s.summary.words_added for s in self.sections),
            sum(s.summary.words_removed for s in self.sections),
        )

    @property
    def downloadable(self) -> bool:
        """The redline of two published iterations can be downloaded."""
        return is_iteration_tag(self.old) and is_iteration_tag(self.new)


def is_iteration_tag(version: code_service.Version) -> bool:
    """True when the version was asked for by the tag of a published iteration
    (not a branch or commit that happens to point at one)."""
    named_by_tag = not (is_branch_name(version.rev) or is_hex_rev(version.rev))
    return version.is_iteration and version.rev == version.label and named_by_tag


_EMPTY = DiffSummary(0, 0, 0, 0, 0, 0, 0, 0, ())


def resolve_pair(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    old_rev: str,
    new_rev: str,
) -> tuple[code_service.Version, code_service.Version]:
    """Both versions, if the reader may see them. Raises InvalidRev, NotFound.

    Public visitors compare published public iterations by their tags only,
    never branches or commits, which do not exist for them.
    """
    visible = code_service.iterations(db, code, user)
    if user is None:
        tags = {it.tag for it in visible}
        for rev in (old_rev, new_rev):
            if rev not in tags:
                raise NotFound("this version is not published")
    return (
        code_service.resolve_version(db, store, code, user, old_rev, visible),
        code_service.resolve_version(db, store, code, user, new_rev, visible),
    )


def previous_rev(
    db: Session, code: Code, user: User | None, new: code_service.Version
) -> str | None:
    """The iteration before `new` (or the newest one, for a branch or commit)."""
    visible = code_service.iterations(db, code, user)
    tags = [it.tag for it in visible]
    if new.is_iteration and new.label in tags:
        index = tags.index(new.label)
        return tags[index - 1] if index > 0 else None
    earlier = [it for it in visible if it.commit_id != new.commit_id]
    return earlier[-1].tag if earlier else None


def choose(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    old_rev: str | None,
    new_rev: str | None,
) -> tuple[code_service.Version | None, code_service.Version]:
    """The versions to compare; what is not asked defaults sensibly.

    No new side: the newest iteration the reader may see (``main`` when there
    is none, for people logged in). No old side: the iteration before the new
    one, or None when there is no earlier one. Raises InvalidRev, NotFound.
    """
    visible = code_service.iterations(db, code, user)
    new_rev = new_rev or code_service.default_rev(db, code, user, visible)
    if new_rev is None:
        raise NotFound("no published iteration of this Code is public")
    if old_rev is None:
        new = resolve_pair(db, store, code, user, new_rev, new_rev)[1]
        old_rev = previous_rev(db, code, user, new)
        if old_rev is None:
            return None, new
    return resolve_pair(db, store, code, user, old_rev, new_rev)


def shortcuts(
    db: Session, code: Code, user: User | None, new: code_service.Version
) -> list[Shortcut]:
    """ "Since the previous iteration" and "since the iteration I last commented on"."""
    found: list[Shortcut] = []
    previous = previous_rev(db, code, user, new)
    if previous is not None:
        found.append(
            Shortcut(f"Since the previous iteration ({previous})", previous, new.rev)
        )
    commented = last_commented_tag(db, code, user)
    if commented is not None:
        visible = [it.tag for it in code_service.iterations(db, code, user)]
        target = visible[-1] if visible and visible[-1] != commented else MAIN
        found.append(
            Shortcut(
                f"Since {commented}, the iteration you last commented on",
                commented,
                target,
            )
        )
    return found


def last_commented_tag(db: Session, code: Code, user: User | None) -> str | None:
    """The iteration of the reader's latest comment on this Code, if any."""
    if user is None:
        return None
    tags = {it.tag for it in code_service.iterations(db, code, user)}
    rows = db.scalars(
        select(Comment.tag)
        .where(
            Comment.code_id == code.id,
            Comment.author_id == user.id,
            Comment.kind == CommentKind.COMMENT,
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(50)
    )
    return next((tag for tag in rows if tag in tags), None)


def check_view(view: str | None) -> str:
    """The view asked for, "redline" when none. Raises ValidationError."""
    if not view:
        return "redline"
    if view not in VIEWS:
        raise ValidationError(
            f"Unknown view {view!r}: choose redline, split or unified."
        )
    return view


def compare(
    store: DraftStore,
    cache: FileCache,
    old: code_service.Version,
    new: code_service.Version,
    *,
    path: str | None = None,
    view: str = "redline",
) -> Comparison:
    """Compare two resolved versions, the whole Code or the section at `path`.

    A section in one version only is shown whole as added or removed.
    Raises NotFound (a path in neither version), ValidationError (view).
    """
    view = check_view(view)
    specs = _section_pairs(store, old.commit_id, new.commit_id)
    if path is not None:
        specs = [pair for pair in specs if _path(pair) == path]
        if not specs:
            raise NotFound(f"no section {path!r} in {old.label} or in {new.label}")
    several = path is None
    sections = tuple(
        _section_diff(store, cache, old, new, pair, view, several) for pair in specs
    )
    return Comparison(old, new, path, view, sections)


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


def _section_diff(
    store: DraftStore,
    cache: FileCache,
    old: code_service.Version,
    new: code_service.Version,
    pair: tuple[SectionSpec | None, SectionSpec | None],
    view: str,
    several: bool,
) -> SectionDiff:
    old_spec, new_spec = pair
    spec = new_spec or old_spec
    assert spec is not None
    old_file = store.read(old.commit_id, spec.path) if old_spec else None
    new_file = store.read(new.commit_id, spec.path) if new_spec else None
    status = (
        SectionStatus.ADDED
        if old_file is None
        else SectionStatus.REMOVED
        if new_file is None
        else SectionStatus.UNCHANGED
        if old_file.blob_id == new_file.blob_id
        else SectionStatus.CHANGED
    )
    anchor = _anchor(spec.path) if several else ""
    if status is SectionStatus.UNCHANGED:
        line = "No changes: the two versions are identical."
        return SectionDiff(spec, status, True, _EMPTY, line, 0, anchor, Markup(""))
    old_text, old_blob = (old_file.text, old_file.blob_id) if old_file else ("", "-")
    new_text, new_blob = (new_file.text, new_file.blob_id) if new_file else ("", "-")
    entry = _redline_entry(cache, old_blob, new_blob, old_text, new_text)
    if view == "redline":
        html = entry["redline"]
    else:
        key = f"diff/{DIFF_VERSION}/source-{view}/{old_blob}/{new_blob}"
        html = cache.text(key, lambda: source_html(old_text, new_text, view))
    # Made and sanitised by text.diff (every draft character escaped or
    # allow-listed) before it was cached; the cache folder is ours alone.
    return SectionDiff(
        spec,
        status,
        False,
        _summary_from(entry),
        entry["line"],
        entry["line_by_line"],
        anchor,
        Markup(prefix_ids(html, anchor)),
    )


def _anchor(path: str) -> str:
    return path.rsplit(".", 1)[0].replace("/", "-") + "--"


def _redline_entry(
    cache: FileCache, old_blob: str, new_blob: str, old_text: str, new_text: str
) -> dict[str, object]:
    key = f"diff/{DIFF_VERSION}/redline/{old_blob}/{new_blob}"
    raw = cache.get(key)
    if raw is not None:
        entry: dict[str, object] = json.loads(raw)
        return entry
    result = diff_texts(old_text, new_text)
    summary = result.summary
    entry = {
        "redline": result.redline_html,
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
    }
    cache.put(key, json.dumps(entry).encode())
    return entry


def _summary_from(entry: dict[str, object]) -> DiffSummary:
    counts = entry["counts"]
    items = entry["items"]
    assert isinstance(counts, list) and isinstance(items, list)
    return DiffSummary(
        *counts,
        items=tuple(
            ItemChange(ItemChangeKind(k), lo, ln, t, c, bool(ch))
            for k, lo, ln, t, c, ch in items
        ),
    )


def download(
    store: DraftStore,
    cache: FileCache,
    code: Code,
    old: code_service.Version,
    new: code_service.Version,
    *,
    path: str | None = None,
) -> tuple[str, str]:
    """(file name, standalone HTML) of the redline of two published iterations.

    Raises ValidationError (not two iterations), NotFound.
    """
    if not (is_iteration_tag(old) and is_iteration_tag(new)):
        raise ValidationError(
            "Only the redline between two published iterations can be downloaded."
        )
    comparison = compare(store, cache, old, new, path=path)
    parts = [
        PagePart(
            s.spec.title if path is None else "",
            s.anchor,
            _part_line(s),
            s.summary.items,
            str(s.html),
        )
        for s in comparison.sections
    ]
    scope = code.title if path is None else f"{code.title}: {parts_title(comparison)}"
    html = document_html(
        parts,
        title=f"{scope}: {old.label} to {new.label}",
        old_label=old.label,
        new_label=new.label,
    )
    stem = code.slug if path is None else f"{code.slug}-{path.rsplit('.', 1)[0]}"
    name = f"{stem.replace('/', '-')}-redline-{old.label}-to-{new.label}.html"
    return name, html


def parts_title(comparison: Comparison) -> str:
    """The title of the one section a comparison covers."""
    return comparison.sections[0].spec.title if comparison.sections else ""


def _part_line(section: SectionDiff) -> str:
    if section.status is SectionStatus.ADDED:
        return "Section added. " + section.summary_line
    if section.status is SectionStatus.REMOVED:
        return "Section removed. " + section.summary_line
    return section.summary_line


def file_redline(
    old_text: str, new_text: str, *, old_label: str, new_label: str
) -> tuple[str, str]:
    """(standalone HTML, summary line) of the redline of two Markdown texts.

    For files from outside the store (the command line). Never raises.
    """
    result = diff_texts(old_text, new_text)
    part = PagePart(
        "", "", result.summary_line(), result.summary.items, result.redline_html
    )
    html = document_html(
        [part],
        title=f"Changes from {old_label} to {new_label}",
        old_label=old_label,
        new_label=new_label,
    )
    return html, result.summary_line()
