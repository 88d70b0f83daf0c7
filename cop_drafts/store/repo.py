"""DraftStore: one bare git repository per Code, read and written via pygit2.

Commits are built in memory (blob -> tree -> commit) and a branch moves only
under an exclusive file lock, after checking that it still points where the
new commit's parent says: no update is ever lost, across threads or processes.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Self

import pygit2

from cop_drafts.locks import file_lock

from .blame import StateCache
from .blame import origins as blame_origins
from .errors import (
    Conflict,
    ConflictSides,
    InvalidContent,
    InvalidRev,
    NoChange,
    NotFound,
    StaleBase,
    TagExists,
)
from .manifest import MANIFEST, Manifest, SectionSpec, parse_manifest
from .refs import (
    MAIN,
    check_path,
    check_rev,
    is_branch_name,
    is_hex_rev,
    is_tag_name,
)
from .values import (
    BlameLine,
    BranchInfo,
    CommitInfo,
    FileVersion,
    MergePreview,
    Person,
    SaveResult,
    TagInfo,
)

LOCK_NAME = "cop-drafts.lock"


def set_durable(on: bool) -> None:
    """Whether libgit2 fsyncs every object, ref and packfile it writes.

    On (the default) an acknowledged save survives a power cut, not only a
    killed process, for about 2 ms a commit here. Process-wide; the test
    suite turns it off (a killed process loses nothing either way).
    """
    pygit2.option(pygit2.enums.Option.ENABLE_FSYNC_GITDIR, 1 if on else 0)


set_durable(True)
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _when(time: int, offset_minutes: int) -> datetime:
    return datetime.fromtimestamp(time, timezone(timedelta(minutes=offset_minutes)))


def _signature(person: Person) -> pygit2.Signature:
    when = person.when or datetime.now(UTC)
    offset = when.utcoffset() or timedelta(0)
    return pygit2.Signature(
        person.name,
        person.email,
        int(when.timestamp()),
        int(offset.total_seconds() // 60),
    )


def _commit_info(commit: pygit2.Commit) -> CommitInfo:
    author = commit.author
    return CommitInfo(
        commit_id=str(commit.id),
        author_name=author.name,
        author_email=author.email,
        time=_when(author.time, author.offset),
        message=commit.message,
        parent_ids=tuple(str(p) for p in commit.parent_ids),
    )


def _decode(data: bytes) -> tuple[str, bool]:
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), False


def normalise_text(text: str) -> str:
    """CRLF and CR to LF, and exactly one final newline (empty stays empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n" if text.strip() else ""


class DraftStore:
    """A Code's bare repository. Use as a context manager; not thread-shared."""

    def __init__(self, repo: pygit2.Repository, path: Path) -> None:
        self._repo = repo
        self.path = path

    # -- opening ---------------------------------------------------------
    @classmethod
    def init(cls, path: Path | str) -> Self:
        """Create an empty bare repository at `path`. Raises StoreError if taken."""
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise InvalidContent(f"{path} exists and is not empty")
        repo = pygit2.init_repository(str(path), bare=True, initial_head=MAIN)
        return cls(repo, path)

    @classmethod
    def open(cls, path: Path | str) -> Self:
        """Open an existing bare repository. Raises NotFound."""
        path = Path(path)
        try:
            repo = pygit2.Repository(str(path))
        except pygit2.GitError as error:
            raise NotFound(f"no Code store at {path}") from error
        return cls(repo, path)

    def close(self) -> None:
        """Release libgit2 resources."""
        self._repo.free()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- resolving ---------------------------------------------------------
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

    def resolve(self, rev: str) -> str:
        """Full commit id of `rev`. Raises InvalidRev."""
        return str(self._commit(rev).id)

    def find_commit_id(self, rev: str) -> str | None:
        """Full commit id of `rev`, or None when it names nothing."""
        try:
            return self.resolve(rev)
        except InvalidRev:
            return None

    def commit_info(self, rev: str) -> CommitInfo:
        """The commit `rev` names. Raises InvalidRev."""
        return _commit_info(self._commit(rev))

    def is_empty(self) -> bool:
        """True when the repository has no commit yet."""
        return self._repo.is_empty

    # -- reading -----------------------------------------------------------
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

    def read(self, rev: str, path: str) -> FileVersion:
        """Text of `path` at `rev`. Raises InvalidRev, NotFound."""
        commit = self._commit(rev)
        blob = self._blob(commit, path)
        text, is_utf8 = _decode(blob.data)
        return FileVersion(str(commit.id), path, text, str(blob.id), is_utf8)

    def manifest(self, rev: str = MAIN) -> Manifest:
        """The parsed code.toml at `rev`. Raises NotFound, InvalidContent."""
        commit = self._commit(rev)
        entry = _entry_id(commit.tree, MANIFEST)
        if entry is None:
            raise NotFound(f"no {MANIFEST} in {str(commit.id)[:10]}")
        return _parsed_manifest(str(entry), self._repo)

    def sections(self, rev: str = MAIN) -> tuple[SectionSpec, ...]:
        """Sections in manifest order at `rev`."""
        return self.manifest(rev).sections

    def get_section(self, rev: str, path: str) -> SectionSpec:
        """The manifest entry for `path` at `rev`. Raises NotFound."""
        section = self.manifest(rev).find_section(check_path(path))
        if section is None:
            raise NotFound(f"no section {path!r} in this version")
        return section

    # -- history -----------------------------------------------------------
    def log(self, rev: str, limit: int = 50) -> list[CommitInfo]:
        """Commits reachable from `rev`, newest first."""
        walker = self._repo.walk(self._commit(rev).id, pygit2.enums.SortMode.TIME)
        out: list[CommitInfo] = []
        for commit in walker:
            out.append(_commit_info(commit))
            if len(out) >= limit:
                break
        return out

    def _path_commits(
        self, start: pygit2.Commit, path: str, limit: int
    ) -> list[pygit2.Commit]:
        """Commits that changed `path`, newest first, git-log simplified.

        A merge whose file equals one parent's is skipped and only that
        parent followed, so the history names who wrote the text. The result
        is in topological order (a commit before its ancestors), as git shows.
        """
        seen = {start.id}
        queue = [(-start.commit_time, 0, start)]
        found: dict[pygit2.Oid, pygit2.Commit] = {}
        edges: dict[pygit2.Oid, list[pygit2.Oid]] = {}
        counter = 1
        while queue and len(found) < limit:
            commit = heapq.heappop(queue)[2]
            entry = _entry_id(commit.tree, path)
            parents = commit.parents
            same = [p for p in parents if _entry_id(p.tree, path) == entry]
            if not same and entry is not None:
                found[commit.id] = commit
            followed = same[:1] if same else parents
            edges[commit.id] = [p.id for p in followed]
            for parent in followed:
                if parent.id not in seen:
                    seen.add(parent.id)
                    heapq.heappush(queue, (-parent.commit_time, counter, parent))
                    counter += 1
        return [found[oid] for oid in _topological(start.id, edges) if oid in found]

    def history(self, rev: str, path: str, limit: int = 500) -> list[CommitInfo]:
        """Commits that changed `path`, newest first. Raises InvalidRev, InvalidPath."""
        check_path(path)
        commits = self._path_commits(self._commit(rev), path, limit)
        return [_commit_info(c) for c in commits]

    def blame(
        self, rev: str, path: str, cache: StateCache | None = None
    ) -> list[BlameLine]:
        """Who last changed each line of `path` at `rev`. Raises NotFound.

        With `cache`, line origins are kept per version, so later blames
        replay only the versions added since.
        """
        commit = self._commit(rev)
        blob = self._blob(commit, path)
        text, _ = _decode(blob.data)
        commits = self._path_commits(commit, path, 1_000_000)
        origin = blame_origins(self._repo, path, commits, blob.id, cache)
        infos: dict[str, CommitInfo] = {}
        out = []
        for n, (line, commit_id) in enumerate(
            zip(text.splitlines(), origin, strict=False), start=1
        ):
            if commit_id not in infos:
                infos[commit_id] = _commit_info(_commit_at(self._repo, commit_id))
            info = infos[commit_id]
            out.append(BlameLine(n, line, commit_id, info.author_name, info.time))
        return out

    # -- branches and tags ---------------------------------------------------
    def branches(self) -> list[BranchInfo]:
        """``main`` then ``wg/<n>`` in order, with ahead/behind counts vs main."""
        repo = self._repo
        names = [
            r[len("refs/heads/") :]
            for r in repo.references
            if r.startswith("refs/heads/")
        ]
        names = sorted(
            (n for n in names if is_branch_name(n)),
            key=lambda n: (n != MAIN, len(n), n),
        )
        main = repo.references.get(f"refs/heads/{MAIN}")
        out = []
        for name in names:
            tip = repo.references[f"refs/heads/{name}"].peel(pygit2.Commit)
            ahead, behind = (0, 0)
            if main is not None and name != MAIN:
                ahead, behind = repo.ahead_behind(tip.id, main.target)
            out.append(BranchInfo(name, _commit_info(tip), ahead, behind))
        return out

    def tags(self) -> list[TagInfo]:
        """Annotated tags (published iterations), oldest first."""
        repo = self._repo
        out = []
        for ref in repo.references:
            if not ref.startswith("refs/tags/"):
                continue
            obj = repo[repo.references[ref].target]
            if not isinstance(obj, pygit2.Tag):
                continue
            tagger = obj.tagger
            when = _when(tagger.time, tagger.offset) if tagger else datetime.now(UTC)
            out.append(
                TagInfo(
                    obj.name,
                    str(obj.peel(pygit2.Commit).id),
                    tagger.name if tagger else "",
                    when,
                    obj.message,
                )
            )
        return sorted(out, key=lambda t: (t.time, t.name))

    def create_tag(self, name: str, rev: str, tagger: Person, message: str) -> TagInfo:
        """Annotated tag `name` on `rev`. Raises TagExists, InvalidRev."""
        if not is_tag_name(name) or is_branch_name(name) or is_hex_rev(name):
            raise InvalidRev(f"not a valid iteration name: {name!r}")
        commit = self._commit(rev)
        with self._write_lock():
            if f"refs/tags/{name}" in self._repo.references:
                raise TagExists(f"iteration {name} already exists; tags never move")
            self._repo.create_tag(
                name,
                commit.id,
                pygit2.enums.ObjectType.COMMIT,
                _signature(tagger),
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
        if not is_tag_name(name) or is_branch_name(name) or is_hex_rev(name):
            raise InvalidRev(f"not a valid iteration name: {name!r}")
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
                sig = _signature(tagger)
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
                _signature(tagger),
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

    def is_ancestor(self, commit_id: str, rev: str) -> bool:
        """True when `commit_id` is `rev`'s commit or one of its ancestors.

        Raises InvalidRev.
        """
        tip = self._commit(rev).id
        target = self._commit(commit_id).id
        return tip == target or self._repo.descendant_of(tip, target)

    def files(self, rev: str) -> list[tuple[str, bytes]]:
        """(path, content) of every file at `rev`, by path. Raises InvalidRev."""
        commit = self._commit(rev)
        return sorted(_blobs(self._repo, commit.tree, ""))

    # -- writing ---------------------------------------------------------------
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
            sig = _signature(author)
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
        sig = _signature(author)
        with self._write_lock():
            tip = self._branch_tip(branch)
            if tip is None:
                raise InvalidRev(f"no branch {branch}")
            if tip.id != base_commit.id and not self._repo.descendant_of(
                tip.id, base_commit.id
            ):
                edited = str(base_commit.id)[:10]
                raise StaleBase(f"the version you edited ({edited}) is not on {branch}")
            if _entry_id(tip.tree, path) == pygit2.hash(data):
                raise NoChange(f"{path} on {branch} already has this text")
            ours_tree = _tree_at(
                self._repo, self._tree_with(base_commit.tree, {path: data})
            )
            merged = tip.id != base_commit.id
            if merged:
                tree_id = self._merge_file(base_commit, tip, ours_tree, path)
                if tree_id == tip.tree_id:
                    # The edit re-made what the branch already holds (or was
                    # no edit at all): an empty commit would only add noise.
                    raise NoChange(f"{path} on {branch} already has this text")
            else:
                tree_id = ours_tree.id
            oid = self._repo.create_commit(None, sig, sig, message, tree_id, [tip.id])
            self._set_branch(branch, oid, f"save: {path}")
        return SaveResult(str(oid), merged)

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
        blobs = {
            check_path(p): normalise_text(t).encode("utf-8")
            for p, t in (resolved or {}).items()
        }
        sig = _signature(author)
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
                self._settle(index, blobs, theirs)
            tree = index.write_tree(repo)
            oid = repo.create_commit(
                None, sig, sig, message, tree, [ours.id, theirs.id]
            )
            self._set_branch(into, oid, f"merge {source}")
        return SaveResult(str(oid), True)

    def _settle(
        self, index: pygit2.Index, blobs: dict[str, bytes], theirs: pygit2.Commit
    ) -> None:
        """Write resolved texts over `index`'s conflicts; Conflict if any is left."""
        sides = self._conflict_sides(index, theirs)
        unresolved = tuple(side for side in sides if side.path not in blobs)
        if unresolved:
            raise Conflict(unresolved)
        conflicts = index.conflicts
        assert conflicts is not None
        for side in sides:
            del conflicts[side.path]
            blob = self._repo.create_blob(blobs[side.path])
            index.add(pygit2.IndexEntry(side.path, blob, pygit2.enums.FileMode.BLOB))

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
                conflicts.extend(self._conflict_sides(index, commit))
                continue
            tree = repo[index.write_tree(repo)].peel(pygit2.Tree)
            heads.append(commit.id)
            merged.append((source, str(commit.id)))
        files = {path: _decode(data)[0] for path, data in _blobs(repo, tree, "")}
        return MergePreview(
            str(target.id),
            tuple(name for name, _ in merged),
            tuple(commit_id for _, commit_id in merged),
            files,
            tuple(conflicts),
        )

    def log_range(
        self, rev: str, hide: str, *, path: str | None = None, limit: int = 200
    ) -> list[CommitInfo]:
        """Commits reachable from `rev` but not from `hide`, newest first.

        With `path`, only those that changed it. Raises InvalidRev, InvalidPath.
        """
        if path is not None:
            check_path(path)
        walker = self._repo.walk(self._commit(rev).id, pygit2.enums.SortMode.TIME)
        walker.hide(self._commit(hide).id)
        out: list[CommitInfo] = []
        for commit in walker:
            if path is not None:
                entry = _entry_id(commit.tree, path)
                if any(_entry_id(p.tree, path) == entry for p in commit.parents):
                    continue
            out.append(_commit_info(commit))
            if len(out) >= limit:
                break
        return out

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

    def _conflict_sides(
        self, index: pygit2.Index, theirs: pygit2.Commit
    ) -> tuple[ConflictSides, ...]:
        sides = []
        for ancestor, ours_entry, theirs_entry in index.conflicts or ():
            entry = ours_entry or theirs_entry or ancestor
            sides.append(
                ConflictSides(
                    path=entry.path,
                    base=self._index_text(ancestor),
                    theirs=self._index_text(theirs_entry),
                    ours=self._index_text(ours_entry),
                    theirs_commit_id=str(theirs.id),
                )
            )
        return tuple(sides)

    def _index_text(self, entry: pygit2.IndexEntry | None) -> str:
        if entry is None:
            return ""
        return _decode(_blob_at(self._repo, entry.id).data)[0]

    def _merge_file(
        self,
        base: pygit2.Commit,
        tip: pygit2.Commit,
        ours_tree: pygit2.Tree,
        path: str,
    ) -> pygit2.Oid:
        index = self._repo.merge_trees(base.tree, tip.tree, ours_tree)
        if index.conflicts is not None:
            raise Conflict(
                (
                    ConflictSides(
                        path=path,
                        base=_entry_text(self._repo, base.tree, path),
                        theirs=_entry_text(self._repo, tip.tree, path),
                        ours=_entry_text(self._repo, ours_tree, path),
                        theirs_commit_id=str(tip.id),
                    ),
                )
            )
        return index.write_tree(self._repo)


def _topological(
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


def _blob_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Blob:
    obj = repo[oid]
    if not isinstance(obj, pygit2.Blob):
        raise NotFound(f"{oid} is not a file")
    return obj


def _tree_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Tree:
    obj = repo[oid]
    if not isinstance(obj, pygit2.Tree):
        raise NotFound(f"{oid} is not a folder")
    return obj


def _commit_at(repo: pygit2.Repository, oid: pygit2.Oid | str) -> pygit2.Commit:
    obj = repo[oid]
    if not isinstance(obj, pygit2.Commit):
        raise NotFound(f"{oid} is not a commit")
    return obj


_manifests: dict[str, Manifest] = {}


def _parsed_manifest(blob_id: str, repo: pygit2.Repository) -> Manifest:
    """Manifests parsed once per blob: a blob id names its content forever."""
    found = _manifests.get(blob_id)
    if found is None:
        found = parse_manifest(_decode(_blob_at(repo, blob_id).data)[0])
        if len(_manifests) > 256:
            _manifests.clear()
        _manifests[blob_id] = found
    return found


def _blobs(
    repo: pygit2.Repository, tree: pygit2.Tree, prefix: str
) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every file in `tree`, depth first."""
    for entry in tree:
        obj = repo[entry.id]
        if isinstance(obj, pygit2.Tree):
            yield from _blobs(repo, obj, f"{prefix}{entry.name}/")
        elif isinstance(obj, pygit2.Blob):
            yield f"{prefix}{entry.name}", obj.data


def _entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except KeyError:
        return None


def _entry_data(repo: pygit2.Repository, tree: pygit2.Tree, path: str) -> bytes | None:
    entry = _entry_id(tree, path)
    if entry is None:
        return None
    obj = repo[entry]
    return obj.data if isinstance(obj, pygit2.Blob) else None


def _entry_text(repo: pygit2.Repository, tree: pygit2.Tree, path: str) -> str:
    data = _entry_data(repo, tree, path)
    return "" if data is None else _decode(data)[0]


def import_folder(folder: Path) -> dict[str, str]:
    """Files of a Code folder (code.toml + sections) as path -> text.

    Raises InvalidContent for a missing section file or one that is not UTF-8.
    """
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise InvalidContent(f"{folder} has no {MANIFEST}")
    files = {MANIFEST: manifest_file.read_text(encoding="utf-8")}
    manifest = parse_manifest(files[MANIFEST])
    for section in manifest.sections:
        source = folder / section.path
        if not source.is_file():
            raise InvalidContent(f"{MANIFEST} lists {section.path}, which is missing")
        try:
            files[section.path] = source.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidContent(f"{section.path} is not UTF-8 text") from error
    return files
