"""CVs of candidates for Chair and Vice-Chair: PDF only, checked for structure,
kept under ``<data>/cvs`` (outside the web root) by a random name."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ValidationError

_NAME = re.compile(r"[0-9a-f]{32}\.pdf")
_KEY = re.compile(r"[0-9a-f]{32}")
_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF\s*$")
_XREF_AT = re.compile(rb"\s*(xref|\d{1,10}\s+\d{1,5}\s+obj)")
# Active content has no place in a CV read by the AI Office: refused rather
# than trusted to the reader's PDF viewer.
_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile")
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class StoredCV:
    """A CV written to the folder: its file name, SHA-256 and size."""

    name: str
    sha256: str
    size: int


def _refuse(message: str) -> ValidationError:
    return ValidationError("The CV cannot be used.", {"cv": message})


def check_pdf(data: bytes, limit: int) -> None:
    """Accept a PDF that is not larger than `limit` bytes, starts with a PDF
    header, ends with a cross-reference pointer to a cross-reference section
    inside the file, and has no scripts or attached files.

    A light structural check (no PDF library at run time): a renamed Word
    file, an image or a truncated download fails it. Raises ValidationError
    on the field ``cv``.
    """
    if not data:
        raise _refuse("The file is empty.")
    if len(data) > limit:
        megabytes = limit / 1024 / 1024
        raise _refuse(f"The CV is larger than {megabytes:g} MB. Send a smaller PDF.")
    if not _HEADER.match(data[:16]):
        raise _refuse("This is not a PDF file. Save your CV as PDF and send that.")
    tail = data[-2048:]
    found = _STARTXREF.search(tail)
    if found is None:
        raise _refuse(
            "This PDF is incomplete or damaged (it does not end as a PDF ends). "
            "Save it again from your word processor."
        )
    offset = int(found.group(1))
    if offset >= len(data) or not _XREF_AT.match(data, offset):
        raise _refuse(
            "This PDF is damaged (its table of contents points nowhere). "
            "Save it again from your word processor."
        )
    if any(marker in data for marker in _ACTIVE):
        raise _refuse(
            "This PDF contains scripts or attached files. Send a plain PDF of "
            "your CV, for example printed to PDF."
        )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def store(folder: Path, data: bytes) -> StoredCV:
    """Write a checked CV under a new random name in `folder`."""
    name = f"{secrets.token_hex(16)}.pdf"
    _write(folder / name, data)
    return StoredCV(name, hashlib.sha256(data).hexdigest(), len(data))


def keep(folder: Path, data: bytes) -> str:
    """Keep a checked CV while the rest of its form is corrected; the key to
    find it again (the form carries it)."""
    key = secrets.token_hex(16)
    _write(folder / PENDING / f"{key}.pdf", data)
    return key


def kept(folder: Path, key: str) -> bytes | None:
    """The CV kept under `key`, or None (unknown, malformed or purged)."""
    if not _KEY.fullmatch(key or ""):
        return None
    path = folder / PENDING / f"{key}.pdf"
    return path.read_bytes() if path.is_file() else None


def forget_kept(folder: Path, key: str) -> None:
    """Delete the CV kept under `key`, if any."""
    if _KEY.fullmatch(key or ""):
        (folder / PENDING / f"{key}.pdf").unlink(missing_ok=True)


def path_of(folder: Path, name: str) -> Path | None:
    """The stored file `name` in `folder`, or None when malformed or missing."""
    if not _NAME.fullmatch(name or ""):
        return None
    path = folder / name
    return path if path.is_file() else None


def delete(folder: Path, name: str | None) -> None:
    """Delete the stored file `name`, if any."""
    if name and _NAME.fullmatch(name):
        (folder / name).unlink(missing_ok=True)


def purge_kept(folder: Path, older_than_seconds: float) -> int:
    """Delete kept CVs whose forms were never sent; how many went."""
    pending = folder / PENDING
    if not pending.is_dir():
        return 0
    limit = time.time() - older_than_seconds
    count = 0
    for path in pending.glob("*.pdf"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            count += 1
    return count
