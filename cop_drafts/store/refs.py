"""Names in the store: branches, tags, revs and paths, checked by allow-list.

Every string that comes from a URL or a form passes one of these checks
before pygit2 sees it, so no rev syntax (``HEAD~3``, ``@{-1}``, ``:/text``)
and no path trick (``../``, absolute paths) reaches libgit2.
"""

from __future__ import annotations

import re

from .errors import InvalidPath, InvalidRev

MAIN = "main"
WG_COUNT = 4
_HEX = re.compile(r"[0-9a-f]{7,40}")
_BRANCH = re.compile(r"(main|wg/[1-9][0-9]?)")
_TAG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_PATH_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
MAX_PATH = 512


def wg_branch(wg: int) -> str:
    """Branch name of a Working Group: ``wg/<n>``."""
    if not 1 <= wg <= 99:
        raise InvalidRev(f"no Working Group {wg}")
    return f"wg/{wg}"


def branch_wg(name: str) -> int | None:
    """The Working Group of branch ``wg/<n>``; None for any other name."""
    if name.startswith("wg/") and _BRANCH.fullmatch(name):
        return int(name[3:])
    return None


def is_hex_rev(rev: str) -> bool:
    """True when `rev` is an abbreviated or full lowercase commit id."""
    return _HEX.fullmatch(rev) is not None


def is_branch_name(name: str) -> bool:
    """True for ``main`` and ``wg/<n>``: the only branches the app writes."""
    return _BRANCH.fullmatch(name) is not None


def is_tag_name(name: str) -> bool:
    """True for a tag name the app may create or read (``draft-2``, ``final``)."""
    return _TAG.fullmatch(name) is not None and ".." not in name


def check_rev(rev: str) -> str:
    """Return `rev` when it is a hex id, branch or tag name. Raises InvalidRev."""
    if isinstance(rev, str) and (
        is_hex_rev(rev) or is_branch_name(rev) or is_tag_name(rev)
    ):
        return rev
    raise InvalidRev(f"not a version: {rev!r}")


def is_path(path: str) -> bool:
    """True when `path` is a plain relative POSIX path (see check_path)."""
    try:
        check_path(path)
    except InvalidPath:
        return False
    return True


def check_path(path: str) -> str:
    """Return `path` when it is a plain relative POSIX path. Raises InvalidPath."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise InvalidPath(f"not a file path: {path!r}")
    parts = path.split("/")
    if not all(_PATH_PART.fullmatch(part) for part in parts):
        raise InvalidPath(f"not a file path: {path!r}")
    return path
