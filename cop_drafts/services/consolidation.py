"""The coordinating Chair's work: the consolidation board, merging Working
Group branches into ``main`` (checks set to block may stop it), conflicts the
Chair resolves, and bringing ``main`` back into a branch on request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import Code, User
from cop_drafts.store.errors import Conflict, NoChange, NotFound
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.refs import MAIN, branch_wg, is_hex_rev, wg_branch
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import BranchInfo, CommitInfo, Person
from cop_drafts.text.checks import CHECKS, Finding
from cop_drafts.text.diff import diff_texts

from . import audit
from . import cache_keys as keys
from .conflicts import (
    ConflictFile,
    check_message,
    conflict_file,
    draft_name,
    reject_markers,
)
from .consistency import CheckReport, check_report, text_at
from .errors import PermissionDenied, ValidationError
from .flowback import FlowBackResult, FlowStatus, clashes, flow_back
from .permissions import Action, can, require


@dataclass(frozen=True, slots=True)
class SectionChange:
    """One section's redline between ``main`` and main-after-merging."""

    path: str
    title: str
    summary: str
    has_changes: bool
    redline: Markup


@dataclass(frozen=True, slots=True)
class WgStatus:
    """One Working Group on the board."""

    wg: int
    branch: str
    sections: tuple[SectionSpec, ...]
    exists: bool
    ahead: int
    behind: int
    commits: tuple[CommitInfo, ...]
    changes: tuple[SectionChange, ...]
    conflicts: tuple[str, ...]
    flow_back_conflicts: tuple[str, ...]
    own: tuple[CommitInfo, ...] = ()
    waiting: int = 0

    @property
    def authors(self) -> tuple[str, ...]:
        """Who wrote the Working Group's own changes ahead of main (flow-back
        merges that wrote no text left out)."""
        return tuple(dict.fromkeys(c.author_name for c in self.own))

    @property
    def has_changes(self) -> bool:
        """True when consolidating would change main's text."""
        return any(c.has_changes for c in self.changes)


@dataclass(frozen=True, slots=True)
class Board:
    """The consolidation board."""

    main: CommitInfo
    wgs: tuple[WgStatus, ...]
    checks: CheckReport


@dataclass(frozen=True, slots=True)
class MergeConflict:
    """A merge between branches that needs a person: every conflicting file."""

    source: str
    into: str
    into_commit_id: str
    source_commit_id: str
    files: tuple[ConflictFile, ...]
    message: str


@dataclass(frozen=True, slots=True)
class Consolidation:
    """What a consolidation did: merges made, the conflict left, flow-back."""

    merged: tuple[tuple[str, str], ...]
    conflict: MergeConflict | None
    flow_back: tuple[FlowBackResult, ...]


class ChecksBlocked(ValidationError):
    """Findings of checks the coordinating Chair set to block consolidation."""

    def __init__(self, findings: Sequence[Finding], on_main: int = 0) -> None:
        titles = sorted({CHECKS[f.check][0] for f in findings})
        count = len(findings)
        message = (
            f"Consolidation blocked: {count} finding{'s' if count != 1 else ''} of "
            f"{', '.join(titles)}, which you set to block. Nothing was merged. "
        )
        if on_main:
            message += (
                f"{on_main} of them {'is' if on_main == 1 else 'are'} already on "
                "main: fix it there with an edit of the section. "
            )
        if count > on_main:
            rest = "the others" if on_main else "them"
            message += f"Fix {rest} on the Working Group branch. "
        message += "Or stop the check from blocking."
        super().__init__(message, {"checks": "blocked"})
        self.findings = tuple(findings)


def retry_flow_back(
    db: Session, store: DraftStore, code: Code, actor: User | None, wg: int
) -> FlowBackResult | MergeConflict:
    """Bring ``main`` into one branch now; its conflict when it does not merge.

    The coordinating Chair may, and so may the Chairs of that Working Group
    (from their editor). Raises PermissionDenied, NotFound.
    """
    actor = require(actor, Action.EDIT_SECTION, wg=wg)
    branch = _wg_branch(store, wg)
    message = f"Bring the consolidated text into {draft_name(branch)}"
    try:
        result = store.sync(
            branch,
            source=MAIN,
            author=Person(actor.name, actor.email),
            message=message,
        )
    except Conflict:
        conflict = merge_conflict(store, MAIN, branch, message)
        if conflict is not None:
            return conflict
        return retry_flow_back(db, store, code, actor, wg)
    if result is None:
        return FlowBackResult(wg, branch, FlowStatus.UP_TO_DATE)
    audit.record(
        db,
        actor,
        "branch.flow_back",
        f"code:{code.slug}@{branch}",
        f"brought main into {branch} ({result.commit_id[:10]})",
        commit_id=result.commit_id,
    )
    db.commit()
    status = FlowStatus.MERGED if result.merged else FlowStatus.FAST_FORWARD
    return FlowBackResult(wg, branch, status, result.commit_id)


# -- counting changes ----------------------------------------------------------
COUNT_LIMIT = 1_000


def own_changes(store: DraftStore, wg: int) -> int:
    """How many of Working Group `wg`'s own changes the consolidated text
    (``main``) does not hold yet: its commits not reachable from main, less
    the merges that only brought main in (one that resolved a clash counts
    when the person wrote text there). 0 when the branch does not exist."""
    branch = wg_branch(wg)
    if store.find_commit_id(branch) is None:
        return 0
    return len(changes_between(store, branch, MAIN))


def waiting_changes(store: DraftStore, wg: int) -> int:
    """How many changes of the consolidated text Working Group `wg`'s draft
    does not have yet, counted like own_changes (merges that wrote no text
    left out). 0 when the branch does not exist."""
    branch = wg_branch(wg)
    if store.find_commit_id(branch) is None:
        return 0
    return len(changes_between(store, MAIN, branch))


def changes_between(store: DraftStore, rev: str, hide: str) -> tuple[CommitInfo, ...]:
    """The commits reachable from `rev` but not `hide` that changed text:
    every ordinary commit, and a merge only when its result holds a line
    neither side had (a clash resolved by writing). Raises InvalidRev."""
    commits = store.log_range(rev, hide, limit=COUNT_LIMIT)
    return tuple(c for c in commits if len(c.parent_ids) < 2 or _wrote_text(store, c))


def _wrote_text(store: DraftStore, merge: CommitInfo) -> bool:
    """True when a file of `merge` has a line none of its parents' versions
    of that file has: choosing one side, the other or both adds none."""
    result = dict(store.files(merge.commit_id))
    parents = [dict(store.files(p)) for p in merge.parent_ids]
    for path, data in result.items():
        sides = [p.get(path) for p in parents]
        if data in sides:
            continue
        known: set[bytes] = set()
        for side in sides:
            known.update((side or b"").splitlines())
        if any(line not in known for line in data.splitlines()):
            return True
    return False


# -- the board ---------------------------------------------------------------
def board(
    db: Session, store: DraftStore, cache: FileCache, code: Code, actor: User | None
) -> Board:
    """Every Working Group's work not yet in main, and the checks on the
    Code as it would be after merging all of it. Raises PermissionDenied."""
    require(actor, Action.CONSOLIDATE)
    manifest = store.manifest(MAIN)
    branches = {b.name: b for b in store.branches()}
    main_files = {s.path: text_at(store, MAIN, s.path) for s in manifest.sections}
    wgs = []
    for wg in manifest.wgs():
        info = branches.get(wg_branch(wg))
        sections = tuple(s for s in manifest.sections if s.wg == wg)
        wgs.append(_wg_status(store, cache, wg, sections, info, main_files))
    ready = [w.branch for w in wgs if w.ahead and not w.conflicts]
    report = check_report(db, store, code, ready)
    return Board(store.commit_info(MAIN), tuple(wgs), report)


def _wg_status(
    store: DraftStore,
    cache: FileCache,
    wg: int,
    sections: tuple[SectionSpec, ...],
    info: BranchInfo | None,
    main_files: Mapping[str, str],
) -> WgStatus:
    branch = wg_branch(wg)
    if info is None:
        return WgStatus(wg, branch, sections, False, 0, 0, (), (), (), ())
    ahead, behind = info.ahead, info.behind
    commits: tuple[CommitInfo, ...] = ()
    own: tuple[CommitInfo, ...] = ()
    conflicts: tuple[str, ...] = ()
    after = dict(main_files)
    if ahead:
        commits = tuple(store.log_range(branch, MAIN, limit=100))
        own = changes_between(store, branch, MAIN)
        preview = store.preview_merge([branch], MAIN)
        conflicts = tuple(side.path for side in preview.conflicts)
        if conflicts:
            # Does not merge cleanly: show what the branch holds instead.
            after.update({s.path: text_at(store, branch, s.path) for s in sections})
        else:
            after.update({s.path: preview.files.get(s.path, "") for s in sections})
    changes = tuple(
        _change(cache, s, main_files.get(s.path, ""), after[s.path]) for s in sections
    )
    flow_conflicts: tuple[str, ...] = ()
    waiting = 0
    if behind:
        flow_conflicts = clashes(store, branch)
        waiting = len(changes_between(store, MAIN, branch))
    return WgStatus(
        wg,
        branch,
        sections,
        True,
        ahead,
        behind,
        commits,
        changes,
        conflicts,
        flow_conflicts,
        own,
        waiting,
    )


def _change(
    cache: FileCache, section: SectionSpec, old: str, new: str
) -> SectionChange:
    """The redline of one section, cached by the two texts' digests."""
    digest = hashlib.sha256(f"{old}\0{new}".encode()).hexdigest()

    def compute() -> dict[str, Any]:
        diff = diff_texts(old, new)
        return {
            "summary": diff.summary_line(),
            "changes": diff.has_changes or old != new,
            "html": diff.redline_html,
        }

    data = cache.json(keys.consolidation_redline(digest), compute)
    return SectionChange(
        section.path, section.title, data["summary"], data["changes"], data["html"]
    )


# -- consolidating --------------------------------------------------------------
def consolidate(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    wgs: Sequence[str],
    message: str,
) -> Consolidation:
    """Merge the chosen Working Groups into main (merge commits), then bring
    main back into every branch. A Working Group that conflicts is not merged:
    its conflict comes back for the Chair to resolve; the others go in.

    Raises PermissionDenied, ValidationError, ChecksBlocked, NoChange.
    """
    actor = require(actor, Action.CONSOLIDATE)
    known = store.manifest(MAIN).wgs()
    chosen = sorted({int(w) for w in wgs if str(w).isdigit() and int(w) in known})
    fields = {}
    if not chosen:
        fields["wg"] = "Choose at least one Working Group to consolidate."
    try:
        message = check_message(message)
    except ValidationError as error:
        fields.update(error.fields)
    if fields:
        raise ValidationError(" ".join(fields.values()), fields)
    branches = [wg_branch(n) for n in chosen]
    preview = store.preview_merge(branches, MAIN)
    # Markers never reach main, however they got onto a branch.
    sections = {s.path for s in store.manifest(MAIN).sections}
    reject_markers({p: t for p, t in preview.files.items() if p in sections})
    report = check_report(db, store, code, preview.merged)
    if report.blocking:
        on_main = check_report(db, store, code, ()).blocking
        seen = {(f.check, f.path, f.message) for f in on_main}
        already = sum(
            1 for f in report.blocking if (f.check, f.path, f.message) in seen
        )
        raise ChecksBlocked(report.blocking, already)
    author = Person(actor.name, actor.email)
    merged: list[tuple[str, str]] = []
    conflicting = [b for b in branches if b not in preview.merged]
    for branch in preview.merged:
        try:
            result = store.merge(
                branch,
                MAIN,
                author=author,
                message=f"{message}\n\nConsolidates {branch} into main.",
            )
        except NoChange:
            continue
        except Conflict:
            conflicting.append(branch)
            continue
        audit.record(
            db,
            actor,
            "consolidation.merge",
            f"code:{code.slug}@{MAIN}",
            f"merged {branch} into main ({result.commit_id[:10]}): "
            f"{message.splitlines()[0][:120]}",
            branch=branch,
            commit_id=result.commit_id,
        )
        merged.append((branch, result.commit_id))
    # Committed before the flow-back, as in drafts.save: the merges are in the
    # drafts already and their audit rows must stay with them.
    db.commit()
    conflict = next(
        (
            c
            for c in (merge_conflict(store, b, MAIN, message) for b in conflicting)
            if c is not None
        ),
        None,
    )
    if not merged and conflict is None:
        raise NoChange("main already holds everything on the chosen branches.")
    flowed: tuple[FlowBackResult, ...] = ()
    if merged:
        names = ", ".join(b.removeprefix("wg/") for b, _ in merged)
        flowed = flow_back(
            db, store, code, actor, f"the consolidation of Working Groups {names}"
        )
    return Consolidation(tuple(merged), conflict, flowed)


def merge_conflict(
    store: DraftStore, source: str, into: str, message: str
) -> MergeConflict | None:
    """The conflict of merging `source` into `into` now; None when it merges.

    Raises ValidationError unless it is a merge the board offers.
    """
    _merge_pair(store, source, into)
    preview = store.preview_merge([source], into)
    if not preview.conflicts:
        return None
    manifest = store.manifest(MAIN)
    titles = {s.path: s.title for s in manifest.sections}
    files = tuple(
        conflict_file(
            side.path,
            titles.get(side.path, side.path),
            base=side.base,
            ours=side.ours,
            theirs=side.theirs,
            ours_label=draft_name(into),
            theirs_label=draft_name(source),
            ours_name="mine",
            theirs_name="theirs",
        )
        for side in preview.conflicts
    )
    return MergeConflict(
        source,
        into,
        preview.into_commit_id,
        preview.conflicts[0].theirs_commit_id,
        files,
        message,
    )


def open_merge_conflict(
    store: DraftStore, actor: User | None, source: str, into: str, message: str
) -> MergeConflict | None:
    """The conflict of a merge `actor` may resolve, as it stands now; None
    when it merges by itself. Raises PermissionDenied, ValidationError."""
    _require_merge(actor, store, source, into)
    return merge_conflict(store, source, into, message)


def resolve_merge(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    *,
    source: str,
    into: str,
    expected: tuple[str, str],
    resolved: Mapping[str, str],
    message: str,
) -> Consolidation:
    """Commit a merge as the Chair resolved it (consolidation or flow-back).

    Raises PermissionDenied, ValidationError, StaleBase (a branch moved since
    the conflict was shown), Conflict (a file left unresolved), NoChange.
    """
    actor, pair = _require_merge(actor, store, source, into)
    message = check_message(message)
    if not resolved or not all(is_hex_rev(c) and len(c) == 40 for c in expected):
        raise ValidationError(
            "The resolution is incomplete: open the conflict again from the board.",
            {"text": "No resolved text was sent."},
        )
    reject_markers(resolved)
    result = store.merge(
        source,
        into,
        author=Person(actor.name, actor.email),
        message=message,
        resolved=resolved,
        expected=expected,
    )
    audit.record(
        db,
        actor,
        "consolidation.merge" if pair == "consolidate" else "branch.flow_back",
        f"code:{code.slug}@{into}",
        f"merged {source} into {into} ({result.commit_id[:10]}), resolving "
        f"{', '.join(resolved)}: {message.splitlines()[0][:120]}",
        branch=source,
        commit_id=result.commit_id,
        resolved=sorted(resolved),
    )
    # Committed before the flow-back, as in drafts.save: the merge is in the
    # drafts already and its audit row must stay with it.
    db.commit()
    flowed: tuple[FlowBackResult, ...] = ()
    if into == MAIN:
        flowed = flow_back(
            db, store, code, actor, f"the consolidation of {draft_name(source)}"
        )
    return Consolidation(((source, result.commit_id),), None, flowed)


def _require_merge(
    actor: User | None, store: DraftStore, source: str, into: str
) -> tuple[User, str]:
    """`actor`, known to be allowed the merge, and the merge's pair.
    Consolidating is for the coordinating Chair; bringing main into
    ``wg/<n>`` also for that Working Group's Chairs. Raises PermissionDenied,
    ValidationError."""
    if actor is None or not may_merge(actor, source, into):
        raise PermissionDenied("Only the coordinating Chair may make this merge.")
    return actor, _merge_pair(store, source, into)


def may_merge(actor: User | None, source: str, into: str) -> bool:
    """True when `actor` may resolve a merge of `source` into `into`."""
    if can(actor, Action.CONSOLIDATE):
        return True
    wg = branch_wg(into)
    return source == MAIN and wg is not None and can(actor, Action.EDIT_SECTION, wg=wg)


def _merge_pair(store: DraftStore, source: str, into: str) -> str:
    """ "consolidate" (wg/n into main) or "flow_back" (main into wg/n)."""
    branches = {wg_branch(n) for n in store.manifest(MAIN).wgs()}
    if source in branches and into == MAIN:
        return "consolidate"
    if source == MAIN and into in branches:
        return "flow_back"
    raise ValidationError(
        "Only a Working Group branch and main can be merged here.",
        {"source": "Not a merge the board offers."},
    )


def _wg_branch(store: DraftStore, wg: int) -> str:
    if wg not in store.manifest(MAIN).wgs():
        raise NotFound(f"no Working Group {wg} in this Code")
    return wg_branch(wg)
