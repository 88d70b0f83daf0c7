"""pygit2 objects to values and back: signatures, commit info, blobs, trees.

Shared by the reading, writing and merging halves of DraftStore; nothing
here outlives a call or leaves the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pygit2

from .errors import NotFound
from .manifest import Manifest, parse_manifest
from .values import CommitInfo, Person


def when(time: int, offset_minutes: int) -> datetime:
    """A git time (seconds, offset in minutes) as an aware datetime."""
    return datetime.fromtimestamp(time, timezone(timedelta(minutes=offset_minutes)))


def signature(person: Person) -> pygit2.Signature:
    """The git signature of `person` at their time (now when None)."""
    moment = person.when or datetime.now(UTC)
    offset = moment.utcoffset() or timedelta(0)
    return pygit2.Signature(
        person.name,
        person.email,
        int(moment.timestamp()),
        int(offset.total_seconds() // 60),
    )


def commit_info(commit: pygit2.Commit) -> CommitInfo:
    """`commit` as the rest of the app sees it."""
    author = commit.author
    return CommitInfo(
        commit_id=str(commit.id),
        author_name=author.name,
        author_email=author.email,
        time=when(author.time, author.offset),
        message=commit.message,
        parent_ids=tuple(str(p) for p in commit.parent_ids),
    )


def decode(data: bytes) -> tuple[str, bool]:
    """Text of a blob and whether it was valid UTF-8 (else replaced)."""
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), False


def normalise_text(text: str) -> str:
    """CRLF and CR to LF, and exactly one final newline (empty stays empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n" if text.strip() else ""


def topological(
    start: pygit2.Oid, edges: dict[pygit2.Oid, list[pygit2.Oid]]
) -> list[pygit2.Oid]:
    """Nodes reachable from `start`, each before all of its ancestors."""
    post: list[pygit2.Oid] = []
    done: set[pygit2.Oid] = set()
    stack: list[tuple[pygit2.Oid, int]] = [(start, 0)]
    while stack:
        node, index = stack.pop()
        children = edges.get(node, [])
        if index < len(children):
            stack.append((node, index + 1))
            child = children[index]
            if child not in done:
                done.add(child)
                stack.append((child, 0))
        else:
            post.append(node)
    return post[::-1]


def blob_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Blob:
    """The blob `oid` names. Raises NotFound."""
    obj = repo[oid]
    if not isinstance(obj, pygit2.Blob):
        raise NotFound(f"{oid} is not a file")
    return obj


def tree_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Tree:
    """The tree `oid` names. Raises NotFound."""
    obj = repo[oid]
    if not isinstance(obj, pygit2.Tree):
        raise NotFound(f"{oid} is not a folder")
    return obj


def commit_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Commit:
    """The commit `oid` names. Raises NotFound."""
    obj = repo[oid]
    if not isinstance(obj, pygit2.Commit):
        raise NotFound(f"{oid} is not a commit")
    return obj


_manifests: dict[str, Manifest] = {}


def parsed_manifest(blob_id: str, repo: pygit2.Repository) -> Manifest:
    """Manifests parsed once per blob: a blob id names its content forever."""
    found = _manifests.get(blob_id)
    if found is None:
        found = parse_manifest(decode(blob_at(repo, blob_id).data)[0])
        if len(_manifests) > 256:
            _manifests.clear()
        _manifests[blob_id] = found
    return found


def blobs(
    repo: pygit2.Repository, tree: pygit2.Tree, prefix: str
) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every file in `tree`, depth first."""
    for entry in tree:
        obj = repo[entry.id]
        if isinstance(obj, pygit2.Tree):
            yield from blobs(repo, obj, f"{prefix}{entry.name}/")
        elif isinstance(obj, pygit2.Blob):
            yield f"{prefix}{entry.name}", obj.data


def entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    """The id of the object at `path` in `tree`, or None."""
    try:
        return tree[path].id
    except KeyError:
        return None


def entry_text(repo: pygit2.Repository, tree: pygit2.Tree, path: str) -> str:
    """Text of the file at `path` in `tree`; empty when there is none."""
    entry = entry_id(tree, path)
    if entry is None:
        return ""
    obj = repo[entry]
    return decode(obj.data)[0] if isinstance(obj, pygit2.Blob) else ""
