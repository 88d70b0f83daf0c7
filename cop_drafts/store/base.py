"""What every part of DraftStore stands on: the repository, resolving a rev,
and the write lock under which branches move.

A branch moves only under an exclusive lock (a thread lock per repository
and an ``flock`` across processes), after checking that it still points where
the new commit's parent says: no update is ever lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pygit2

from cop_drafts.locks import file_lock

from .errors import InvalidRev, NotFound
from .refs import check_path, check_rev, is_branch_name, is_hex_rev, is_tag_name

LOCK_NAME = "cop-drafts.lock"

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
_durable = False  # libgit2's own default, until set_durable() is called


def set_durable(on: bool) -> None:
    """Whether libgit2 fsyncs every object, ref and packfile it writes.

    On, an acknowledged save survives a power cut, not only a killed process,
    for about 2 ms a commit here. Process-wide and off in libgit2 until set:
    the app factory and the command line set it from the settings (on unless
    COP_DRAFTS_FSYNC=0); the test suite turns it off (a killed process loses
    nothing either way).
    """
    global _durable
    pygit2.option(pygit2.enums.Option.ENABLE_FSYNC_GITDIR, 1 if on else 0)
    _durable = on


def is_durable() -> bool:
    """Whether set_durable() last turned fsync on (libgit2 has no getter)."""
    return _durable


class StoreBase:
    """A Code's bare repository and the primitives its readers and writers share."""

    def __init__(self, repo: pygit2.Repository, path: Path) -> None:
        self._repo = repo
        self.path = path

    def _commit(self, rev: str) -> pygit2.Commit:
        rev = check_rev(rev)
        repo = self._repo
        target = None
        if is_branch_name(rev):
            ref = repo.references.get(f"refs/heads/{rev}")
            target = ref.target if ref is not None else None
        if target is None and is_tag_name(rev):
            ref = repo.references.get(f"refs/tags/{rev}")
            target = ref.target if ref is not None else None
        if target is None and len(rev) == 40 and is_hex_rev(rev):
            target = rev if rev in repo else None
        if target is None and is_hex_rev(rev):
            try:
                obj = repo.revparse_single(rev)
            except (KeyError, ValueError, pygit2.GitError) as error:
                raise InvalidRev(f"no version {rev!r}") from error
            target = obj.id
        if target is None:
            raise InvalidRev(f"no version {rev!r}")
        try:
            commit = repo[target].peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError) as error:
            raise InvalidRev(f"{rev!r} is not a commit") from error
        return commit

    def _blob(self, commit: pygit2.Commit, path: str) -> pygit2.Blob:
        check_path(path)
        try:
            entry = commit.tree[path]
        except KeyError as error:
            raise NotFound(f"no file {path!r} in {str(commit.id)[:10]}") from error
        obj = self._repo[entry.id]
        if not isinstance(obj, pygit2.Blob):
            raise NotFound(f"{path!r} is not a file")
        return obj

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Exclusive across threads (a lock per repo) and processes (flock)."""
        key = str(self.path.resolve())
        with _thread_locks_guard:
            thread_lock = _thread_locks.setdefault(key, threading.Lock())
        with thread_lock, file_lock(self.path / LOCK_NAME):
            yield

    def _branch_tip(self, branch: str) -> pygit2.Commit | None:
        ref = self._repo.references.get(f"refs/heads/{branch}")
        return None if ref is None else ref.peel(pygit2.Commit)

    def _set_branch(self, branch: str, commit_id: pygit2.Oid, log: str) -> None:
        self._repo.create_reference_direct(
            f"refs/heads/{branch}", commit_id, True, message=log
        )

    def _tree_with(
        self, tree: pygit2.Tree | None, files: dict[str, bytes]
    ) -> pygit2.Oid:
        """A new tree: `tree` with `files` (path -> content) written into it."""
        repo = self._repo
        builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
        nested: dict[str, dict[str, bytes]] = {}
        for path, data in files.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = data
            else:
                builder.insert(head, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
        for name, sub in nested.items():
            subtree = None
            if tree is not None and name in tree:
                obj = repo[tree[name].id]
                subtree = obj if isinstance(obj, pygit2.Tree) else None
            builder.insert(
                name, self._tree_with(subtree, sub), pygit2.enums.FileMode.TREE
            )
        return builder.write()
