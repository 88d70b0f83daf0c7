"""Downloads of a published iteration: the Code as Markdown, zip, HTML, PDF,
Word, and the redline against the previous iteration as PDF.

Each download is built once per tagged commit and kept in the file cache with
its SHA-256; the same tag gives the same bytes every time, so anyone can
rebuild a file they were sent and compare its hash with the iteration page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, Iteration, User
from cop_drafts.export import docx, html, pdf
from cop_drafts.export.errors import ExportUnavailable
from cop_drafts.export.model import Document, Section
from cop_drafts.locks import file_lock
from cop_drafts.store.errors import NotFound
from cop_drafts.store.repo import DraftStore

from . import cache_keys as keys
from . import codes, diffs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Format:
    """One kind of download."""

    key: str
    label: str
    extension: str
    media_type: str


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format("pdf", "PDF", "pdf", "application/pdf"),
        Format(
            "docx",
            "Word",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Format("html", "Web page (HTML, one file)", "html", "text/html"),
        Format("md", "Markdown (one file)", "md", "text/markdown"),
        Format("zip", "Section files and manifest (zip)", "zip", "application/zip"),
        Format(
            "redline-pdf", "Changes since the previous iteration (PDF)", "pdf",
            "application/pdf",
        ),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Download:
    """A built download."""

    format: Format
    name: str
    data: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class Listed:
    """A download as the iteration page lists it."""

    format: Format
    name: str
    size: int
    sha256: str
    label: str


def _owner(wg: int | None) -> str:
    return f"Working Group {wg}" if wg is not None else "Coordinating Chair"


def document(
    store: DraftStore,
    code: Code,
    commit_id: str,
    *,
    label: str,
    notes: str = "",
    published_at: datetime | None = None,
) -> Document:
    """The Code at `commit_id` as the export package takes it.

    `label` names the version (an iteration's tag); `published_at` defaults
    to the commit's time. Raises NotFound.
    """
    manifest = store.manifest(commit_id)
    sections = tuple(
        Section(s.path, s.title, _owner(s.wg), store.read(commit_id, s.path).text)
        for s in manifest.sections
    )
    return Document(
        code_slug=code.slug,
        code_title=manifest.title,
        subtitle=manifest.subtitle,
        iteration=label,
        published_at=published_at or store.commit_info(commit_id).time,
        commit_id=commit_id,
        notes=notes,
        sections=sections,
        files=tuple(store.files(commit_id)),
    )


def iteration_document(store: DraftStore, code: Code, iteration: Iteration) -> Document:
    """A published iteration as the export package takes it. Raises NotFound."""
    return document(
        store,
        code,
        iteration.commit_id,
        label=iteration.tag,
        notes=iteration.notes,
        published_at=iteration.published_at,
    )


def whole_code(
    store: DraftStore, cache: FileCache, code: Code, version: codes.Version
) -> html.Body:
    """Every section of `version` in order as one document, cached per commit."""

    def compute() -> dict[str, Any]:
        doc = document(store, code, version.commit_id, label=version.label)
        body = html.document_body(doc)
        return {
            # Sanitised by text.render inside document_body.
            "html": Markup(body.html),
            "contents": [[e.level, e.text, e.anchor] for e in body.contents],
        }

    data = cache.json(keys.whole_code(version.commit_id), compute)
    contents = tuple(html.Entry(*entry) for entry in data["contents"])
    return html.Body(contents, data["html"])


def previous(db: Session, code: Code, iteration: Iteration) -> Iteration | None:
    """The iteration published before `iteration`, whoever may see it."""
    every = codes.iterations_all(db, code)
    index = next(i for i, it in enumerate(every) if it.id == iteration.id)
    return every[index - 1] if index > 0 else None


def _redline(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    iteration: Iteration,
) -> bytes:
    before = previous(db, code, iteration)
    if before is None:
        raise NotFound(f"{iteration.tag} is the first iteration: nothing to compare")
    old = codes.Version(before.tag, before.commit_id, before.tag, True)
    new = codes.Version(iteration.tag, iteration.commit_id, iteration.tag, True)
    _name, page = diffs.download(store, cache, code, old, new)
    return pdf.redline_pdf(
        page,
        title=f"{code.title}: changes from {before.tag} to {iteration.tag}",
        when=iteration.published_at,
        commit_id=iteration.commit_id,
    )


def _builder(fmt: str) -> Callable[[Document], bytes]:
    return {
        "md": html.to_markdown,
        "zip": html.to_zip,
        "html": html.to_html,
        "pdf": pdf.to_pdf,
        "docx": docx.to_docx,
    }[fmt]


def _make(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    iteration: Iteration,
    kind: Format,
) -> bytes:
    if kind.key == "redline-pdf":
        return _redline(db, store, cache, code, iteration)
    return _builder(kind.key)(iteration_document(store, code, iteration))


@contextmanager
def _building(cache: FileCache, key: str) -> Iterator[None]:
    folder = cache.root / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with file_lock(folder / hashlib.sha256(key.encode()).hexdigest()):
        yield


def _key(iteration: Iteration, fmt: str) -> str:
    return keys.export(iteration.commit_id, fmt)


def file_name(code: Code, iteration: Iteration, fmt: Format) -> str:
    """The download's file name, e.g. ``gpai-code-draft-3.pdf``."""
    stem = f"{code.slug}-{iteration.tag}"
    if fmt.key == "redline-pdf":
        stem += "-changes"
    return f"{stem}.{fmt.extension}"


def check_format(fmt: str) -> Format:
    """The format called `fmt`. Raises NotFound."""
    found = FORMATS.get(fmt)
    if found is None:
        raise NotFound(f"no download format {fmt!r}")
    return found


def build(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    iteration: Iteration,
    fmt: str,
) -> Download:
    """Download `fmt` of `iteration`, from the cache or built and cached.

    No permission check: callers decide who may see the iteration. Raises
    NotFound (format; redline of the first iteration), ExportUnavailable.
    """
    kind = check_format(fmt)
    key = _key(iteration, fmt)
    data = cache.get(key)
    if data is None:
        # One build per file at a time, across threads and workers: a PDF
        # costs seconds, and the page, a download and the background
        # preparation after publishing may all ask for it at once.
        with _building(cache, key):
            data = cache.get(key)
            if data is None:
                data = _make(db, store, cache, code, iteration, kind)
                cache.put(key, data)
                meta = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                cache.put_json(keys.export_meta(iteration.commit_id, fmt), meta)
    digest = hashlib.sha256(data).hexdigest()
    return Download(kind, file_name(code, iteration, kind), data, digest)


def formats_for(
    db: Session, code: Code, iteration: Iteration, user: User | None
) -> list[Format]:
    """The downloads this reader is offered: the redline only where there is a
    previous iteration they may also read."""
    out = [f for f in FORMATS.values() if f.key != "redline-pdf"]
    before = previous(db, code, iteration)
    if before is not None and (user is not None or before.is_public):
        out.append(FORMATS["redline-pdf"])
    return out


def download(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    user: User | None,
    tag: str,
    fmt: str,
) -> Download:
    """A download of iteration `tag` for a reader who may see it.

    As private as the iteration: NotFound to those who may not read it.
    Raises NotFound, ExportUnavailable.
    """
    iteration = codes.get_iteration(db, code, user, tag)
    kind = check_format(fmt)
    if kind not in formats_for(db, code, iteration, user):
        raise NotFound(f"no {kind.label} download of {tag}")
    return build(db, store, cache, code, iteration, fmt)


def listed(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    iteration: Iteration,
    kind: Format,
) -> Listed:
    """A download as listed with its size and SHA-256, built when missing.

    Raises ExportUnavailable.
    """

    def compute() -> dict[str, Any]:
        built = build(db, store, cache, code, iteration, kind.key)
        return {"sha256": built.sha256, "size": len(built.data)}

    meta = cache.json(keys.export_meta(iteration.commit_id, kind.key), compute)
    return Listed(
        kind,
        file_name(code, iteration, kind),
        int(meta["size"]),
        str(meta["sha256"]),
        kind.label,
    )


def prepare(
    db: Session, store: DraftStore, cache: FileCache, code: Code, iteration: Iteration
) -> list[Listed]:
    """Build every download of `iteration` that is not built yet.

    A format this machine cannot build (PDF without WeasyPrint's libraries)
    is left out and logged.
    """
    first = previous(db, code, iteration) is None
    out = []
    for kind in FORMATS.values():
        if kind.key == "redline-pdf" and first:
            continue
        try:
            out.append(listed(db, store, cache, code, iteration, kind))
        except ExportUnavailable as error:
            log.warning("%s of %s not built: %s", kind.label, iteration.tag, error)
    return out
