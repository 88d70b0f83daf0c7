"""Merging in a Code's repository: one branch into another (the
consolidation, changes flowing back), a preview of several merges, and the
three-way merge of one file that a save makes when its branch moved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pygit2

from .base import StoreBase
from .errors import Conflict, ConflictSides, InvalidRev, NoChange, StaleBase
from .objects import blob_at, blobs, decode, entry_text, normalise_text, signature
from .refs import check_path, is_branch_name
from .values import MergePreview, Person, SaveResult


def merge_file(
    repo: pygit2.Repository,
    base: pygit2.Commit,
    tip: pygit2.Commit,
    ours_tree: pygit2.Tree,
    path: str,
) -> pygit2.Oid:
    """The tree of `tip` with `ours_tree`'s edit of `path` since `base` merged
    in. Raises Conflict (with the three sides of `path`)."""
    index = repo.merge_trees(base.tree, tip.tree, ours_tree)
    if index.conflicts is not None:
        raise Conflict(
            (
                ConflictSides(
                    path=path,
                    base=entry_text(repo, base.tree, path),
                    theirs=entry_text(repo, tip.tree, path),
                    ours=entry_text(repo, ours_tree, path),
                    theirs_commit_id=str(tip.id),
                ),
            )
        )
    return index.write_tree(repo)


def conflict_sides(
    repo: pygit2.Repository, index: pygit2.Index, theirs: pygit2.Commit
) -> tuple[ConflictSides, ...]:
    """The three sides of every conflicting file in `index`."""

    def text(entry: pygit2.IndexEntry | None) -> str:
        return "" if entry is None else decode(blob_at(repo, entry.id).data)[0]

    sides = []
    for ancestor, ours_entry, theirs_entry in index.conflicts or ():
        entry = ours_entry or theirs_entry or ancestor
        sides.append(
            ConflictSides(
                path=entry.path,
                base=text(ancestor),
                theirs=text(theirs_entry),
                ours=text(ours_entry),
                theirs_commit_id=str(theirs.id),
            )
        )
    return tuple(sides)


class Merging(StoreBase):
    """The merge side of DraftStore."""

    def merge(
        self,
        source: str,
        into: str,
        *,
        author: Person,
        message: str,
        resolved: Mapping[str, str] | None = None,
        expected: tuple[str, str] | None = None,
    ) -> SaveResult:
        """Merge branch `source` into branch `into` with a merge commit.

        `resolved` (path -> text) settles conflicting files, as a person
        resolved them; `expected` = (into tip, source tip) they resolved
        against: when either branch moved since, StaleBase. Raises NoChange
        (nothing to merge), Conflict (every unresolved conflicting file with
        its sides; nothing written), StaleBase, InvalidRev, InvalidPath.
        """
        for name in (source, into):
            if not is_branch_name(name):
                raise InvalidRev(f"not a branch: {name!r}")
        texts = {
            check_path(p): normalise_text(t).encode("utf-8")
            for p, t in (resolved or {}).items()
        }
        sig = signature(author)
        repo = self._repo
        with self._write_lock():
            theirs, ours = self._branch_tip(source), self._branch_tip(into)
            if theirs is None or ours is None:
                raise InvalidRev(f"no branch {source if theirs is None else into}")
            if expected is not None and (str(ours.id), str(theirs.id)) != expected:
                raise StaleBase(
                    f"{into} or {source} changed since the conflict was shown"
                )
            if theirs.id == ours.id or repo.descendant_of(ours.id, theirs.id):
                raise NoChange(f"{into} already contains everything on {source}")
            index = repo.merge_commits(ours, theirs)
            if index.conflicts is not None:
                self._settle(index, texts, theirs)
            tree = index.write_tree(repo)
            oid = repo.create_commit(
                None, sig, sig, message, tree, [ours.id, theirs.id]
            )
            self._set_branch(into, oid, f"merge {source}")
        return SaveResult(str(oid), True)

    def _settle(
        self, index: pygit2.Index, texts: dict[str, bytes], theirs: pygit2.Commit
    ) -> None:
        """Write resolved texts over `index`'s conflicts; Conflict if any is left."""
        sides = conflict_sides(self._repo, index, theirs)
        unresolved = tuple(side for side in sides if side.path not in texts)
        if unresolved:
            raise Conflict(unresolved)
        conflicts = index.conflicts
        assert conflicts is not None
        for side in sides:
            del conflicts[side.path]
            blob = self._repo.create_blob(texts[side.path])
            index.add(pygit2.IndexEntry(side.path, blob, pygit2.enums.FileMode.BLOB))

    def sync(
        self, branch: str, *, source: str, author: Person, message: str
    ) -> SaveResult | None:
        """Bring `source`'s changes into `branch`: fast-forward when it can.

        None when `branch` already has them. Raises Conflict, InvalidRev.
        """
        repo = self._repo
        with self._write_lock():
            tip, upstream = self._branch_tip(branch), self._branch_tip(source)
            if tip is None or upstream is None:
                raise InvalidRev(f"no branch {branch if tip is None else source}")
            if tip.id == upstream.id or repo.descendant_of(tip.id, upstream.id):
                return None
            if repo.descendant_of(upstream.id, tip.id):
                self._set_branch(branch, upstream.id, f"fast-forward to {source}")
                return SaveResult(str(upstream.id), False)
        return self.merge(source, branch, author=author, message=message)

    def preview_merge(self, sources: Sequence[str], into: str) -> MergePreview:
        """The files of `into` as they would be after merging `sources` in order.

        Nothing is committed and no branch moves. The first merge is exactly
        the one merge() would make; a source whose merge does not apply is
        left out and its conflicts reported. Raises InvalidRev.
        """
        repo = self._repo
        target = self._commit(into)
        tree, heads = target.tree, [target.id]
        merged: list[tuple[str, str]] = []
        conflicts: list[ConflictSides] = []
        for source in sources:
            commit = self._commit(source)
            if any(h == commit.id or repo.descendant_of(h, commit.id) for h in heads):
                continue
            if len(heads) == 1:
                index = repo.merge_commits(target, commit)
            else:
                base_id = repo.merge_base_many([*heads, commit.id])
                base: pygit2.Oid | pygit2.Tree = (
                    repo[base_id].peel(pygit2.Commit).tree
                    if base_id
                    else repo.TreeBuilder().write()
                )
                index = repo.merge_trees(base, tree, commit.tree)
            if index.conflicts is not None:
                conflicts.extend(conflict_sides(repo, index, commit))
                continue
            tree = repo[index.write_tree(repo)].peel(pygit2.Tree)
            heads.append(commit.id)
            merged.append((source, str(commit.id)))
        files = {path: decode(data)[0] for path, data in blobs(repo, tree, "")}
        return MergePreview(
            str(target.id),
            tuple(name for name, _ in merged),
            tuple(commit_id for _, commit_id in merged),
            files,
            tuple(conflicts),
        )
