"""Comparing two versions of a Code: which versions a reader may compare, the
shortcuts, the comparison itself (see diff_sections), the downloadable file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Comment, CommentKind, Iteration, User
from cop_drafts.store.errors import NotFound
from cop_drafts.store.refs import MAIN, is_branch_name, is_hex_rev
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.diff import (
    ItemChange,
    PagePart,
    diff_texts,
    document_html,
)

from . import codes as code_service
from .diff_sections import (
    SectionDiff,
    SectionStatus,
    section_diff,
    section_diffs,
)
from .errors import ValidationError

VIEWS = ("redline", "split", "unified")


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
    def items(self) -> list[tuple[SectionDiff, ItemChange]]:
        """Every numbered item that changed, with its section, in page order."""
        return [(s, item) for s in self.sections for item in s.summary.items]

    @property
    def downloadable(self) -> bool:
        """The redline of two published iterations can be downloaded."""
        return is_iteration_tag(self.old) and is_iteration_tag(self.new)


def is_iteration_tag(version: code_service.Version) -> bool:
    """True when the version was asked for by the tag of a published iteration
    (not a branch or commit that happens to point at one)."""
    named_by_tag = not (is_branch_name(version.rev) or is_hex_rev(version.rev))
    return version.is_iteration and version.rev == version.label and named_by_tag


@dataclass(frozen=True, slots=True)
class Reader:
    """Who compares, in which Code and store, and the iterations they may see."""

    db: Session
    store: DraftStore
    code: Code
    user: User | None
    visible: tuple[Iteration, ...]


def reader(db: Session, store: DraftStore, code: Code, user: User | None) -> Reader:
    """The reader's context, with the iterations they may see loaded once."""
    return Reader(db, store, code, user, tuple(code_service.iterations(db, code, user)))


def resolve_pair(
    r: Reader, old_rev: str, new_rev: str
) -> tuple[code_service.Version, code_service.Version]:
    """Both versions, if the reader may see them. Raises InvalidRev, NotFound.

    Public visitors compare published public iterations by their tags only,
    never branches or commits, which do not exist for them.
    """
    if r.user is None:
        tags = {it.tag for it in r.visible}
        for rev in (old_rev, new_rev):
            if rev not in tags:
                raise NotFound("this version is not published")
    visible = list(r.visible)
    return (
        code_service.resolve_version(r.db, r.store, r.code, r.user, old_rev, visible),
        code_service.resolve_version(r.db, r.store, r.code, r.user, new_rev, visible),
    )


def previous_rev(r: Reader, new: code_service.Version) -> str | None:
    """The iteration before `new` (or the newest one, for a branch or commit)."""
    tags = [it.tag for it in r.visible]
    if new.is_iteration and new.label in tags:
        index = tags.index(new.label)
        return tags[index - 1] if index > 0 else None
    earlier = [it for it in r.visible if it.commit_id != new.commit_id]
    return earlier[-1].tag if earlier else None


def choose(
    r: Reader, old_rev: str | None, new_rev: str | None
) -> tuple[code_service.Version | None, code_service.Version]:
    """The versions to compare; what is not asked defaults sensibly.

    No new side: the newest iteration the reader may see (``main`` when there
    is none, for people logged in). No old side: the iteration before the new
    one, or None when there is no earlier one. Raises InvalidRev, NotFound.
    """
    new_rev = new_rev or code_service.default_rev(r.db, r.code, r.user, list(r.visible))
    if new_rev is None:
        raise NotFound("no published iteration of this Code is public")
    if old_rev is None:
        new = resolve_pair(r, new_rev, new_rev)[1]
        old_rev = previous_rev(r, new)
        if old_rev is None:
            return None, new
    return resolve_pair(r, old_rev, new_rev)


def shortcuts(r: Reader, new: code_service.Version) -> list[Shortcut]:
    """ "Since the previous iteration" and "since the iteration I last commented on"."""
    found: list[Shortcut] = []
    previous = previous_rev(r, new)
    if previous is not None:
        found.append(
            Shortcut(f"Since the previous iteration ({previous})", previous, new.rev)
        )
    commented = last_commented_tag(r)
    if commented is not None:
        newest = r.visible[-1].tag
        found.append(
            Shortcut(
                f"Since {commented}, the iteration you last commented on",
                commented,
                newest if newest != commented else MAIN,
            )
        )
    return found


def last_commented_tag(r: Reader) -> str | None:
    """The iteration of the reader's latest comment on this Code, if any."""
    if r.user is None:
        return None
    tags = {it.tag for it in r.visible}
    rows = r.db.scalars(
        select(Comment.tag)
        .where(
            Comment.code_id == r.code.id,
            Comment.author_id == r.user.id,
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
    if path is None:
        sections = tuple(section_diffs(store, cache, old, new, view))
    else:
        found = section_diff(store, cache, old, new, path, view)
        if found is None:
            raise NotFound(f"no section {path!r} in {old.label} or in {new.label}")
        sections = (found,)
    return Comparison(old, new, path, view, sections)


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
