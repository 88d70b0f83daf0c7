"""Blame by replaying a file's history forward with libgit2 line diffs.

libgit2's own blame walks every commit backwards and is slow on long
histories. The versions of one path are cheap to find (tree entry ids), so
we replay only those, oldest first, carrying each line's origin through the
unchanged runs of each diff (list slices, not per-line Python). A merge takes
each unchanged line from the first parent that has it. The origins of every
version are kept in an optional cache keyed by blob id, so the blame of a new
version costs one diff from its predecessor's cached origins.
"""

from __future__ import annotations

import json
from typing import Protocol

import pygit2


class StateCache(Protocol):
    """Bytes by key; FileCache is one."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


Origins = list[str]  # commit id per line


def _key(path: str, blob_id: pygit2.Oid) -> str:
    return f"blame-origins/1/{blob_id}/{path}"


def _encode(origins: Origins) -> bytes:
    runs: list[list[object]] = []
    for commit_id in origins:
        if runs and runs[-1][0] == commit_id:
            runs[-1][1] = int(str(runs[-1][1])) + 1
        else:
            runs.append([commit_id, 1])
    return json.dumps(runs).encode()


def _decode(data: bytes) -> Origins:
    out: Origins = []
    for commit_id, count in json.loads(data):
        out.extend([commit_id] * count)
    return out


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _carry(old: Origins, patch: pygit2.Patch, fill: str | None) -> list[str | None]:
    """Origins of the new version: unchanged runs copied from `old`, the
    lines each hunk adds set to `fill`."""
    new: list[str | None] = []
    old_pos = 0
    for hunk in patch.hunks:
        o = hunk.old_start - 1 if hunk.old_lines else hunk.old_start
        new.extend(old[old_pos:o])
        new.extend([fill] * hunk.new_lines)
        old_pos = o + hunk.old_lines
    new.extend(old[old_pos:])
    return new


class _Replay:
    def __init__(
        self, repo: pygit2.Repository, path: str, cache: StateCache | None
    ) -> None:
        self.repo, self.path, self.cache = repo, path, cache
        self.states: dict[pygit2.Oid, Origins] = {}
        self.blobs: dict[pygit2.Oid, pygit2.Blob] = {}

    def cached(self, blob_id: pygit2.Oid) -> Origins | None:
        if blob_id in self.states:
            return self.states[blob_id]
        data = self.cache.get(_key(self.path, blob_id)) if self.cache else None
        if data is not None:
            self.states[blob_id] = _decode(data)
        return self.states.get(blob_id)

    def blob(self, blob_id: pygit2.Oid) -> pygit2.Blob:
        if blob_id not in self.blobs:
            if len(self.blobs) > 8:
                self.blobs.clear()
            obj = self.repo[blob_id]
            assert isinstance(obj, pygit2.Blob), "a tree entry of the path is a file"
            self.blobs[blob_id] = obj
        return self.blobs[blob_id]

    def step(self, commit: pygit2.Commit) -> None:
        blob_id = commit.tree[self.path].id
        if self.cached(blob_id) is not None:
            return
        mine = str(commit.id)
        parents = []
        for parent in commit.parents:
            try:
                parent_id = parent.tree[self.path].id
            except KeyError:
                continue
            old = self.cached(parent_id)
            if old is not None:
                parents.append((parent_id, old))
        blob = self.blob(blob_id)
        if not parents:
            self.states[blob_id] = [mine] * _line_count(blob.data)
            return
        (first_id, first), *others = parents
        patch = self.blob(first_id).diff(blob, context_lines=0)  # type: ignore[call-arg]
        state = _carry(first, patch, mine)
        for other_id, other in others:
            # In a merge, a line new against the first parent may come
            # unchanged from another parent: it keeps that parent's origin.
            theirs = _carry(
                other,
                self.blob(other_id).diff(blob, context_lines=0),  # type: ignore[call-arg]
                None,
            )
            state = [
                t if s == mine and t is not None else s
                for s, t in zip(state, theirs, strict=True)
            ]
        self.states[blob_id] = [mine if v is None else v for v in state]

    def keep(self, blob_id: pygit2.Oid) -> None:
        if self.cache is not None:
            self.cache.put(_key(self.path, blob_id), _encode(self.states[blob_id]))


def origins(
    repo: pygit2.Repository,
    path: str,
    newest_first: list[pygit2.Commit],
    blob_id: pygit2.Oid,
    cache: StateCache | None = None,
) -> Origins:
    """Commit id that introduced each line of blob `blob_id` of `path`.

    `newest_first` is the path's simplified history ending at that blob;
    replay starts after the newest version whose origins are cached.
    """
    replay = _Replay(repo, path, cache)
    if replay.cached(blob_id) is not None:
        return replay.states[blob_id]
    start = len(newest_first)
    for index, commit in enumerate(newest_first):
        if replay.cached(commit.tree[path].id) is not None:
            start = index
            break
    for commit in reversed(newest_first[:start]):
        replay.step(commit)
    replay.keep(blob_id)
    return replay.states[blob_id]
