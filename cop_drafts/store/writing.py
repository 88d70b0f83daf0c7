"""Writing to a Code's repository: saves (fast-forward or a three-way merge
of the file), commits of whole folders, branches, tags and publishing.

Every write builds its commit in memory and moves the branch under the
write lock, after checking the branch is still where the commit's parent is.
"""

from __future__ import annotations

from collections.abc import Mapping

import pygit2

from .errors import InvalidRev, NoChange, StaleBase, TagExists
from .merging import merge_file
from .objects import entry_id, normalise_text, signature, tree_at
from .reading import Reading
from .refs import MAIN, check_path, is_branch_name, is_hex_rev, is_tag_name
from .values import Person, SaveResult, TagInfo


def _check_tag_name(name: str) -> None:
    if not is_tag_name(name) or is_branch_name(name) or is_hex_rev(name):
        raise InvalidRev(f"not a valid iteration name: {name!r}")


class Writing(Reading):
    """The write side of DraftStore (it reads to check what it writes)."""

    def save(
        self,
        branch: str,
        path: str,
        text: str,
        *,
        base: str,
        author: Person,
        message: str,
    ) -> SaveResult:
        """Commit `text` as `path` on `branch`, edited from commit `base`.

        Fast-forward when the branch still points at `base`; a three-way
        merge of the file when it moved. Raises StaleBase (base not on the
        branch), Conflict (merge does not apply; nothing written), NoChange,
        InvalidRev, InvalidPath.
        """
        if not is_branch_name(branch):
            raise InvalidRev(f"not a branch: {branch!r}")
        check_path(path)
        data = normalise_text(text).encode("utf-8")
        base_commit = self._commit(base)
        sig = signature(author)
        with self._write_lock():
            tip = self._branch_tip(branch)
            if tip is None:
                raise InvalidRev(f"no branch {branch}")
            if tip.id != base_commit.id and not self._repo.descendant_of(
                tip.id, base_commit.id
            ):
                edited = str(base_commit.id)[:10]
                raise StaleBase(f"the version you edited ({edited}) is not on {branch}")
            if entry_id(tip.tree, path) == pygit2.hash(data):
                raise NoChange(f"{path} on {branch} already has this text")
            ours_tree = tree_at(
                self._repo, self._tree_with(base_commit.tree, {path: data})
            )
            merged = tip.id != base_commit.id
            if merged:
                tree_id = merge_file(self._repo, base_commit, tip, ours_tree, path)
                if tree_id == tip.tree_id:
                    # The edit re-made what the branch already holds (or was
                    # no edit at all): an empty commit would only add noise.
                    raise NoChange(f"{path} on {branch} already has this text")
            else:
                tree_id = ours_tree.id
            oid = self._repo.create_commit(None, sig, sig, message, tree_id, [tip.id])
            self._set_branch(branch, oid, f"save: {path}")
        return SaveResult(str(oid), merged)

    def commit_files(
        self, branch: str, files: dict[str, str], author: Person, message: str
    ) -> str:
        """Commit `files` (path -> text) on top of `branch` (created if new).

        For setting up a Code; people's edits go through save(). Raises
        InvalidRev, InvalidPath.
        """
        if not is_branch_name(branch):
            raise InvalidRev(f"not a branch: {branch!r}")
        data = {check_path(p): normalise_text(t).encode() for p, t in files.items()}
        with self._write_lock():
            tip = self._branch_tip(branch)
            tree = self._tree_with(tip.tree if tip else None, data)
            parents = [tip.id] if tip else []
            sig = signature(author)
            oid = self._repo.create_commit(None, sig, sig, message, tree, parents)
            self._set_branch(branch, oid, f"commit: {message[:60]}")
        return str(oid)

    def create_branch(self, branch: str, rev: str) -> str:
        """Create `branch` at `rev` if it does not exist; return its tip id."""
        if not is_branch_name(branch):
            raise InvalidRev(f"not a branch: {branch!r}")
        commit = self._commit(rev)
        with self._write_lock():
            tip = self._branch_tip(branch)
            if tip is not None:
                return str(tip.id)
            self._set_branch(branch, commit.id, f"branch: from {rev}")
        return str(commit.id)

    def create_tag(self, name: str, rev: str, tagger: Person, message: str) -> TagInfo:
        """Annotated tag `name` on `rev`. Raises TagExists, InvalidRev."""
        _check_tag_name(name)
        commit = self._commit(rev)
        with self._write_lock():
            if f"refs/tags/{name}" in self._repo.references:
                raise TagExists(f"iteration {name} already exists; tags never move")
            self._repo.create_tag(
                name,
                commit.id,
                pygit2.enums.ObjectType.COMMIT,
                signature(tagger),
                message,
            )
        return next(t for t in self.tags() if t.name == name)

    def publish(
        self,
        name: str,
        *,
        base: str,
        tagger: Person,
        message: str,
        files: Mapping[str, bytes] | None = None,
        files_message: str = "",
    ) -> TagInfo:
        """Tag ``main`` as iteration `name`, first committing `files` on it.

        All under the write lock, so two people publishing at once make one
        iteration: ``main`` must still be at `base` (the commit that was
        reviewed), `base` must not be a published iteration already, and the
        tag must be new. `files` (path -> bytes, e.g. the record of comments)
        go into one commit on top of `base`, which the tag then names; branches
        with no work of their own beyond `base` move to that commit too.
        Raises StaleBase, NoChange, TagExists, InvalidRev, InvalidPath.
        """
        _check_tag_name(name)
        data = {check_path(p): b for p, b in (files or {}).items()}
        base_commit = self._commit(base)
        with self._write_lock():
            repo = self._repo
            tip = self._branch_tip(MAIN)
            if tip is None or tip.id != base_commit.id:
                raise StaleBase("the consolidated text changed since it was reviewed")
            if f"refs/tags/{name}" in repo.references:
                raise TagExists(f"iteration {name} already exists; tags never move")
            published = [t.name for t in self.tags() if t.commit_id == str(tip.id)]
            if published:
                raise NoChange(f"this text is already published as {published[0]}")
            target = tip.id
            if data:
                sig = signature(tagger)
                tree = self._tree_with(tip.tree, data)
                target = repo.create_commit(
                    None, sig, sig, files_message or message, tree, [tip.id]
                )
                self._set_branch(MAIN, target, f"publish: {name}")
                self._follow_main(tip.id, target)
            repo.create_tag(
                name,
                target,
                pygit2.enums.ObjectType.COMMIT,
                signature(tagger),
                message,
            )
        return next(t for t in self.tags() if t.name == name)

    def _follow_main(self, old: pygit2.Oid, new: pygit2.Oid) -> None:
        """Move every branch with nothing of its own beyond ``old`` (its tip
        is ``old`` or an ancestor of it) to ``new``, a child of ``old``: a
        commit that only adds files to main then waits on no branch."""
        repo = self._repo
        for ref in list(repo.references):
            if not ref.startswith("refs/heads/") or ref == f"refs/heads/{MAIN}":
                continue
            tip = repo.references[ref].peel(pygit2.Commit).id
            if tip == old or repo.descendant_of(old, tip):
                self._set_branch(ref.removeprefix("refs/heads/"), new, "follow main")
