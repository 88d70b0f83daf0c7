"""Codes: creating one from a folder, what a reader may see, section pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.config import Settings
from cop_drafts.db.models import Code, Iteration, User
from cop_drafts.store import DraftStore, Person, import_folder
from cop_drafts.store.errors import InvalidContent, NotFound
from cop_drafts.store.manifest import Manifest, SectionSpec
from cop_drafts.store.refs import MAIN, check_rev, wg_branch
from cop_drafts.store.values import BlameLine, BranchInfo, CommitInfo
from cop_drafts.text.render import Heading, render

from . import audit
from . import cache_keys as keys
from .permissions import Action, require
from .timeline import Timeline, timeline

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True, slots=True)
class Version:
    """A resolved version as a reader sees it: what they asked and what it is."""

    rev: str
    commit_id: str
    label: str
    is_iteration: bool


@dataclass(frozen=True, slots=True)
class SectionPage:
    """A section rendered at one version."""

    section: SectionSpec
    version: Version
    html: Markup
    headings: tuple[Heading, ...]
    line_count: int
    is_utf8: bool


def store_path(settings: Settings, slug: str) -> Path:
    """Where the bare repository of Code `slug` lives."""
    if not _SLUG.fullmatch(slug):
        raise NotFound(f"no Code {slug!r}")
    return settings.codes_dir / f"{slug}.git"


def open_store(settings: Settings, slug: str) -> DraftStore:
    """Open the store of Code `slug`. Raises NotFound."""
    return DraftStore.open(store_path(settings, slug))


def get_code(db: Session, slug: str) -> Code:
    """The Code called `slug`. Raises NotFound."""
    code = db.scalar(select(Code).where(Code.slug == slug))
    if code is None:
        raise NotFound(f"no Code {slug!r}")
    return code


def list_codes(db: Session) -> list[Code]:
    """Every Code, by title."""
    return list(db.scalars(select(Code).order_by(Code.title)))


def create_code(
    db: Session,
    settings: Settings,
    slug: str,
    folder: Path,
    *,
    author: Person,
    message: str,
    actor: User | None = None,
) -> Code:
    """A new Code from a folder: store with ``main`` and ``wg/<n>``, DB row.

    Raises InvalidContent (bad folder, slug taken).
    """
    if not _SLUG.fullmatch(slug):
        raise InvalidContent(f"not a valid Code name: {slug!r} (use a-z, 0-9, -)")
    if db.scalar(select(Code).where(Code.slug == slug)) is not None:
        raise InvalidContent(f"a Code called {slug!r} exists")
    files = import_folder(folder)
    with DraftStore.init(store_path(settings, slug)) as store:
        store.commit_files(MAIN, files, author, message)
        manifest = store.manifest(MAIN)
        for wg in manifest.wgs():
            store.create_branch(wg_branch(wg), MAIN)
    code = Code(slug=slug, title=manifest.title)
    db.add(code)
    db.flush()
    audit.record(
        db,
        actor,
        "code.create",
        f"code:{slug}",
        f"created Code {manifest.title!r} from {folder.name}",
    )
    db.commit()
    return code


def find_iteration(db: Session, code: Code, tag: str) -> Iteration | None:
    """The published iteration `tag` of `code`, whoever may see it, or None."""
    query = select(Iteration).where(Iteration.code_id == code.id, Iteration.tag == tag)
    return db.scalar(query)


def get_iteration(db: Session, code: Code, user: User | None, tag: str) -> Iteration:
    """Iteration `tag` if the reader may see it. Raises NotFound."""
    iteration = find_iteration(db, code, tag)
    if iteration is None or (user is None and not iteration.is_public):
        raise NotFound(f"no published iteration {tag!r}")
    return iteration


def iterations_all(db: Session, code: Code) -> list[Iteration]:
    """Every published iteration, oldest first, whoever may see it."""
    query = select(Iteration).where(Iteration.code_id == code.id)
    return list(db.scalars(query.order_by(Iteration.published_at, Iteration.id)))


def iterations(db: Session, code: Code, user: User | None) -> list[Iteration]:
    """Published iterations the reader may see, oldest first."""
    query = select(Iteration).where(Iteration.code_id == code.id)
    if user is None:
        query = query.where(Iteration.is_public.is_(True))
    return list(db.scalars(query.order_by(Iteration.published_at, Iteration.id)))


# Built once: this runs on every public page view, before the page cache.
_PUBLIC_ITERATIONS = (
    select(Iteration.tag, Iteration.commit_id)
    .join(Code, Code.id == Iteration.code_id)
    .where(Code.slug == bindparam("slug"), Iteration.is_public.is_(True))
    .order_by(Iteration.id)
)


def public_fingerprint(db: Session, slug: str) -> str:
    """A string that changes whenever the public iterations of `slug` change."""
    rows = db.execute(_PUBLIC_ITERATIONS, {"slug": slug})
    return slug + ":" + ",".join(f"{tag}={commit}" for tag, commit in rows)


def default_rev(
    db: Session, code: Code, user: User | None, visible: list[Iteration] | None = None
) -> str | None:
    """The newest iteration the reader may see; ``main`` for people logged in."""
    if visible is None:
        visible = iterations(db, code, user)
    if visible:
        return visible[-1].tag
    return MAIN if user is not None else None


def resolve_version(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    rev: str,
    visible_iterations: list[Iteration] | None = None,
) -> Version:
    """What `rev` names, if the reader may see it.

    Anonymous visitors see public iterations only; anything else is NotFound
    to them, as if it did not exist. Pass the reader's `visible_iterations`
    when already loaded. Raises InvalidRev, NotFound.
    """
    check_rev(rev)
    commit_id = store.resolve(rev)
    if visible_iterations is None:
        visible_iterations = iterations(db, code, user)
    visible = {it.commit_id: it for it in visible_iterations}
    by_tag = {it.tag: it for it in visible.values()}
    iteration = by_tag.get(rev) or visible.get(commit_id)
    if user is None and iteration is None:
        raise NotFound("this version is not published")
    if iteration is not None and rev in (iteration.tag, commit_id):
        return Version(rev, commit_id, iteration.tag, True)
    label = rev if not rev.startswith(commit_id[: len(rev)]) else commit_id[:10]
    return Version(rev, commit_id, label, iteration is not None)


def version_for(
    db: Session, store: DraftStore, code: Code, user: User | None, rev: str | None
) -> tuple[Version, list[Iteration]]:
    """The version a reader asked for (default: the newest they may see) and
    the iterations they may see. Raises NotFound, InvalidRev."""
    visible = iterations(db, code, user)
    rev = (rev or "").strip() or default_rev(db, code, user, visible)
    if rev is None:
        raise NotFound("no published iteration of this Code is public")
    return resolve_version(db, store, code, user, rev, visible), visible


def section_page(
    store: DraftStore, cache: FileCache, version: Version, path: str
) -> SectionPage:
    """The section at `path` rendered at `version`, cached per blob.

    Raises NotFound.
    """
    section = store.get_section(version.commit_id, path)
    file = store.read(version.commit_id, path)

    def compute() -> dict[str, Any]:
        rendered = render(file.text)
        return {
            "html": rendered.html,
            "headings": [
                [h.level, h.text, h.slug, h.line_start] for h in rendered.headings
            ],
        }

    data = cache.json(keys.section_render(file.blob_id), compute)
    headings = tuple(Heading(*h) for h in data["headings"])
    return SectionPage(
        section,
        version,
        data["html"],
        headings,
        file.text.count("\n"),
        file.is_utf8,
    )


def blame(
    store: DraftStore, cache: FileCache, version: Version, path: str
) -> list[BlameLine]:
    """Blame of `path` at the version, cached per commit and path."""
    store.get_section(version.commit_id, path)

    def compute() -> dict[str, Any]:
        lines = store.blame(version.commit_id, path, cache)
        return {
            "lines": [
                [b.line, b.text, b.commit_id, b.author_name, b.time.isoformat()]
                for b in lines
            ]
        }

    data = cache.json(keys.blame(version.commit_id, path), compute)
    return [
        BlameLine(n, t, c, a, datetime.fromisoformat(w))
        for n, t, c, a, w in data["lines"]
    ]


@dataclass(frozen=True, slots=True)
class Overview:
    """The Code's front page: manifest, iterations and branches."""

    manifest: Manifest
    version: Version
    iterations: list[Iteration]
    branches: list[BranchInfo]
    last_work: dict[str, CommitInfo]
    timeline: Timeline


def overview(
    db: Session, store: DraftStore, code: Code, user: User | None, rev: str | None
) -> Overview | None:
    """What the reader sees of the Code; None when nothing is visible to them."""
    rev = rev or default_rev(db, code, user)
    if rev is None:
        return None
    visible = iterations(db, code, user)
    version = resolve_version(db, store, code, user, rev, visible)
    branches = store.branches() if user is not None else []
    manifest = store.manifest(version.commit_id)
    newest = store.manifest(visible[-1].commit_id) if visible else manifest
    return Overview(
        manifest,
        version,
        visible,
        branches,
        {b.name: _last_work(store, manifest, b) for b in branches},
        timeline(db, code, newest, visible),
    )


def _last_work(store: DraftStore, manifest: Manifest, branch: BranchInfo) -> CommitInfo:
    """The newest commit on a Working Group branch that changed its own text.

    A branch tip is often a consolidation brought back from ``main``; what
    readers want to know is when the Working Group itself last wrote.
    """
    if not branch.name.startswith("wg/"):
        return branch.tip
    wg = int(branch.name.split("/", 1)[1])
    found = [
        c
        for s in manifest.sections
        if s.wg == wg
        for c in store.history(branch.name, s.path, limit=1)
    ]
    return max(found, key=lambda c: c.time, default=branch.tip)


def history(store: DraftStore, version: Version, path: str) -> list[CommitInfo]:
    """Commits that changed the section, newest first. Raises NotFound."""
    store.get_section(version.commit_id, path)
    return store.history(version.commit_id, path)


def set_public(
    db: Session, code: Code, actor: User | None, tag: str, public: bool
) -> Iteration:
    """Mark an iteration public or not. Raises PermissionDenied, NotFound."""
    require(actor, Action.PUBLISH)
    iteration = find_iteration(db, code, tag)
    if iteration is None:
        raise NotFound(f"no iteration {tag}")
    iteration.is_public = public
    audit.record(
        db,
        actor,
        "iteration.visibility",
        f"code:{code.slug}@{tag}",
        f"{tag} {'public' if public else 'not public'}",
    )
    db.commit()
    return iteration
