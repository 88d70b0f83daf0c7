"""Reading a Code's repository: versions, files, the manifest, history,
blame, branches and tags. Nothing here writes."""

from __future__ import annotations

import heapq
from datetime import UTC, datetime

import pygit2

from cop_drafts.cache import Memo

from .base import StoreBase
from .blame import StateCache
from .blame import origins as blame_origins
from .errors import InvalidRev, NotFound
from .manifest import MANIFEST, Manifest, SectionSpec
from .objects import (
    blobs,
    commit_at,
    commit_info,
    decode,
    entry_id,
    parsed_manifest,
    topological,
    when,
)
from .refs import MAIN, check_path, is_branch_name
from .values import BlameLine, BranchInfo, CommitInfo, FileVersion, TagInfo

# Texts read lately, by repository, commit and path: a commit's files never
# change, and a comment post reads its section's text as a page does (the
# tree walk and the decoding were a sixth of a post's service time).
_TEXTS: Memo[tuple[str, str, str], FileVersion] = Memo(32)


class Reading(StoreBase):
    """The read side of DraftStore."""

    # -- resolving ---------------------------------------------------------
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
        return commit_info(self._commit(rev))

    def is_empty(self) -> bool:
        """True when the repository has no commit yet."""
        return self._repo.is_empty

    def is_ancestor(self, commit_id: str, rev: str) -> bool:
        """True when `commit_id` is `rev`'s commit or one of its ancestors.

        Raises InvalidRev.
        """
        tip = self._commit(rev).id
        target = self._commit(commit_id).id
        return tip == target or self._repo.descendant_of(tip, target)

    # -- files ---------------------------------------------------------------
    def read(self, rev: str, path: str) -> FileVersion:
        """Text of `path` at `rev`. Raises InvalidRev, NotFound."""
        commit = self._commit(rev)
        key = (str(self.path), str(commit.id), check_path(path))
        return _TEXTS.value(key, lambda: self._decoded(commit, path))

    def _decoded(self, commit: pygit2.Commit, path: str) -> FileVersion:
        blob = self._blob(commit, path)
        text, is_utf8 = decode(blob.data)
        return FileVersion(str(commit.id), path, text, str(blob.id), is_utf8)

    def files(self, rev: str) -> list[tuple[str, bytes]]:
        """(path, content) of every file at `rev`, by path. Raises InvalidRev."""
        commit = self._commit(rev)
        return sorted(blobs(self._repo, commit.tree, ""))

    def manifest(self, rev: str = MAIN) -> Manifest:
        """The parsed code.toml at `rev`. Raises NotFound, InvalidContent."""
        commit = self._commit(rev)
        entry = entry_id(commit.tree, MANIFEST)
        if entry is None:
            raise NotFound(f"no {MANIFEST} in {str(commit.id)[:10]}")
        return parsed_manifest(str(entry), self._repo)

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
            out.append(commit_info(commit))
            if len(out) >= limit:
                break
        return out

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
                entry = entry_id(commit.tree, path)
                if any(entry_id(p.tree, path) == entry for p in commit.parents):
                    continue
            out.append(commit_info(commit))
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
            entry = entry_id(commit.tree, path)
            parents = commit.parents
            same = [p for p in parents if entry_id(p.tree, path) == entry]
            if not same and entry is not None:
                found[commit.id] = commit
            followed = same[:1] if same else parents
            edges[commit.id] = [p.id for p in followed]
            for parent in followed:
                if parent.id not in seen:
                    seen.add(parent.id)
                    heapq.heappush(queue, (-parent.commit_time, counter, parent))
                    counter += 1
        return [found[oid] for oid in topological(start.id, edges) if oid in found]

    def history(self, rev: str, path: str, limit: int = 500) -> list[CommitInfo]:
        """Commits that changed `path`, newest first. Raises InvalidRev, InvalidPath."""
        check_path(path)
        commits = self._path_commits(self._commit(rev), path, limit)
        return [commit_info(c) for c in commits]

    def blame(
        self, rev: str, path: str, cache: StateCache | None = None
    ) -> list[BlameLine]:
        """Who last changed each line of `path` at `rev`. Raises NotFound.

        With `cache`, line origins are kept per version, so later blames
        replay only the versions added since.
        """
        commit = self._commit(rev)
        blob = self._blob(commit, path)
        text, _ = decode(blob.data)
        commits = self._path_commits(commit, path, 1_000_000)
        origin = blame_origins(self._repo, path, commits, blob.id, cache)
        infos: dict[str, CommitInfo] = {}
        out = []
        for n, (line, commit_id) in enumerate(
            zip(text.splitlines(), origin, strict=False), start=1
        ):
            if commit_id not in infos:
                infos[commit_id] = commit_info(commit_at(self._repo, commit_id))
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
            out.append(BranchInfo(name, commit_info(tip), ahead, behind))
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
            time = when(tagger.time, tagger.offset) if tagger else datetime.now(UTC)
            out.append(
                TagInfo(
                    obj.name,
                    str(obj.peel(pygit2.Commit).id),
                    tagger.name if tagger else "",
                    time,
                    obj.message,
                )
            )
        return sorted(out, key=lambda t: (t.time, t.name))
