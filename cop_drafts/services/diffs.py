"""Comparing two versions of a Code: which versions a reader may compare, the
shortcuts, the comparison itself (see diff_sections), the downloadable file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Comment, CommentKind, Iteration, User
from cop_drafts.store.errors import InvalidRev, NotFound
from cop_drafts.store.refs import MAIN, branch_wg, is_branch_name, is_hex_rev
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import CommitInfo
from cop_drafts.text.diff import ItemChange, PagePart

from . import codes as code_service
from . import visits
from .diff_sections import (
    SectionDiff,
    SectionStatus,
    section_diff,
    section_diffs,
)
from .errors import ValidationError
from .redline_document import document_html

VIEWS = ("redline", "split", "unified")


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A ready-made comparison offered as a link."""

    label: str
    old_rev: str
    new_rev: str
    change: bool = False  # new_rev is a change shown against its parent


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


def shortcuts(
    r: Reader, new: code_service.Version, path: str | None = None
) -> list[Shortcut]:
    """The comparisons offered as links: since my last visit (a section the
    reader read before), since the previous published draft, since the draft
    they last commented on, and this change only (the newest change in the
    text shown, against the text just before it)."""
    found: list[Shortcut] = []
    since = _since_last_visit(r, new, path)
    if since is not None:
        found.append(Shortcut("Since my last visit", since, new.rev))
    previous = previous_rev(r, new)
    if previous is not None:
        found.append(
            Shortcut(
                f"Since the previous published draft ({previous})", previous, new.rev
            )
        )
    commented = last_commented_tag(r)
    if commented is not None:
        newest = r.visible[-1].tag
        found.append(
            Shortcut(
                f"Since {commented}, the draft you last commented on",
                commented,
                newest if newest != commented else MAIN,
            )
        )
    latest = _latest_change(r, new, path)
    if latest is not None:
        found.append(Shortcut("This change only", "", latest, change=True))
    return found


def _since_last_visit(
    r: Reader, new: code_service.Version, path: str | None
) -> str | None:
    if path is None or r.user is None:
        return None
    visit = visits.find_visit(r.db, r.user, r.code, path)
    try:
        blob_id = r.store.read(new.commit_id, path).blob_id
    except NotFound:
        return None
    since = visits.since_commit(visit, blob_id)
    if since is None or r.store.find_commit_id(since) is None:
        return None
    return since if r.store.is_ancestor(since, new.commit_id) else None


def _latest_change(
    r: Reader, new: code_service.Version, path: str | None
) -> str | None:
    if r.user is None:
        return None
    if path is None:
        found = r.store.log(new.commit_id, limit=1)
    else:
        found = r.store.history(new.commit_id, path, limit=1)
    return found[0].commit_id if found else None


def one_change(
    r: Reader, rev: str
) -> tuple[code_service.Version | None, code_service.Version, CommitInfo]:
    """What one change did: the text just before it (its first parent; None
    for the very first change), the text after it, and who made it, when and
    why. For people signed in. Raises InvalidRev, NotFound."""
    if r.user is None:
        raise NotFound("no such change")
    if not is_hex_rev(rev):
        raise InvalidRev(f"not a change: {rev!r}")
    info = r.store.commit_info(rev)
    visible = list(r.visible)
    new = code_service.resolve_version(
        r.db, r.store, r.code, r.user, info.commit_id, visible
    )
    old = None
    if info.parent_ids:
        old = code_service.resolve_version(
            r.db, r.store, r.code, r.user, info.parent_ids[0], visible
        )
    return old, new, info


BRUSSELS = ZoneInfo("Europe/Brussels")


def change_words(info: CommitInfo) -> str:
    """ "a change by Aoife Brennan on 3 March 2026", for headings and lists."""
    when = info.time.astimezone(BRUSSELS)
    return f"a change by {info.author_name} on {when.day} {when:%B %Y}"


def version_words(store: DraftStore, version: code_service.Version) -> str:
    """A version in plain words: "draft-2", "the consolidated text", "Working
    Group 2's working draft", or "the text after a change by … on …"."""
    if version.rev == MAIN:
        return "the consolidated text"
    wg = branch_wg(version.rev)
    if wg is not None:
        return f"Working Group {wg}'s working draft"
    if version.is_iteration:
        return version.label
    return "the text after " + change_words(store.commit_info(version.commit_id))


_WG_BRANCH = re.compile(r"\bwg/(\d+)\b")
_MAIN_BRANCH = re.compile(r"\b(into|from|Bring|bring|Brought|brought) main\b")


def message_words(message: str) -> str:
    """A change's message with the app's own branch names in plain words
    (the merges it writes say "Bring main into wg/2"); people's words stay."""
    text = _WG_BRANCH.sub(r"Working Group \1's working draft", message)
    return _MAIN_BRANCH.sub(r"\1 the consolidated text", text)


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
    web_dir: Path | None = None,
) -> tuple[str, str]:
    """(file name, standalone HTML) of the redline of two published iterations.

    `web_dir` is the web folder whose template and CSS make the document (the
    one shipped with the code unless given).
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
        web_dir=web_dir,
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
