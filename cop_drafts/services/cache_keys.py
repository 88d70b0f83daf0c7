"""Every key of the file cache (cop_drafts.cache.FileCache), one function per
kind of entry.

A key names what the entry was made from (commit, blob or text digest) and
the versions of the code that made it, so an entry is never stale: bumping a
version makes new keys and the old entries are simply not read again.

- RENDER_VERSION (text.render): a Markdown section rendered to HTML.
- DIFF_VERSION (text.diff, which includes RENDER_VERSION): diffs and redlines.
- EXPORT_VERSION (here, for services.exports): the whole-Code page and the
  downloadable files. Bump it whenever an export's bytes change.
"""

from __future__ import annotations

from cop_drafts.text.diff import DIFF_VERSION
from cop_drafts.text.render import RENDER_VERSION

EXPORT_VERSION = "1"


def section_render(blob_id: str) -> str:
    """A section's rendered HTML and headings (cache.json)."""
    return f"render/{RENDER_VERSION}/{blob_id}"


def blame(commit_id: str, path: str) -> str:
    """Who wrote each line of a section at a commit (cache.json)."""
    return f"blame/1/{commit_id}/{path}"


def whole_code(commit_id: str) -> str:
    """Every section of a version as one document (cache.json)."""
    return f"whole/{EXPORT_VERSION}/{RENDER_VERSION}/{commit_id}"


def export(commit_id: str, fmt: str) -> str:
    """A downloadable file of an iteration, as bytes (get/put)."""
    return f"export/{EXPORT_VERSION}/{RENDER_VERSION}/{commit_id}/{fmt}"


def export_meta(commit_id: str, fmt: str) -> str:
    """Size and SHA-256 of that file, to list it without reading it (cache.json)."""
    return export(commit_id, fmt) + "/meta"


def diff_blobs(old_commit: str, new_commit: str, path: str) -> str:
    """Which blobs two commits hold for a section, "old/new" (cache.text)."""
    return f"diff/{DIFF_VERSION}/blobs/{old_commit}/{new_commit}/{path}"


def diff_summary(old_blob: str, new_blob: str) -> str:
    """The summary of the diff of two blobs (cache.json)."""
    return f"diff/{DIFF_VERSION}/{old_blob}/{new_blob}/summary"


def diff_view(old_blob: str, new_blob: str, view: str, prefix: str = "") -> str:
    """A view of the diff of two blobs, "redline", "split" or "unified", with
    its ids prefixed by `prefix` when given (cache.markup)."""
    key = f"diff/{DIFF_VERSION}/{old_blob}/{new_blob}/{view}"
    return f"{key}/{prefix}" if prefix else key


def consolidation_redline(digest: str) -> str:
    """The redline of one section on the consolidation board, by the digest of
    its two texts (cache.json)."""
    return f"consolidation-redline/{DIFF_VERSION}/{digest}"
