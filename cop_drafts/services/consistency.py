"""Consistency checks on the Code as it is, or as it would be after merging
Working Group branches, and which checks the coordinating Chair set to block.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.cache import Memo
from cop_drafts.db.models import CheckSetting, Code, User
from cop_drafts.store.errors import InvalidContent, NotFound
from cop_drafts.store.manifest import MANIFEST, Manifest, parse_manifest
from cop_drafts.store.refs import MAIN
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import MergePreview
from cop_drafts.text.checks import CHECKS, SEVERITIES, Finding, SectionText, check_code

from . import audit
from .errors import ValidationError
from .permissions import Action, require


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One check as the board lists it, with its setting and count."""

    check: str
    title: str
    description: str
    severity: str
    blocking: bool
    count: int


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Findings on the Code as it would be after merging `included` into main."""

    findings: tuple[Finding, ...]
    rows: tuple[CheckRow, ...]
    blocking: tuple[Finding, ...]
    included: tuple[str, ...]
    revs: Mapping[str, str]


_findings_memo: Memo[tuple[str, ...], list[Finding]] = Memo(64)


def check_report(
    db: Session, store: DraftStore, code: Code, branches: Sequence[str] = ()
) -> CheckReport:
    """The checks on main after merging `branches` (none: main as it is).

    `revs` maps each path with findings to the commit whose text the line
    numbers refer to. Never raises for a Code whose manifest parses.
    """
    preview = store.preview_merge(list(branches), MAIN)
    tips = preview.merged_commit_ids
    findings = _findings((preview.into_commit_id, *tips), preview.files)
    settings = check_settings(db, code)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    rows = tuple(
        CheckRow(
            check,
            title,
            description,
            str(SEVERITIES[check]),
            settings.get(check, False),
            counts.get(check, 0),
        )
        for check, (title, description) in CHECKS.items()
    )
    blocking = tuple(f for f in findings if settings.get(f.check, False))
    revs = _finding_revs(store, preview, {f.path for f in findings}, tips)
    return CheckReport(tuple(findings), rows, blocking, preview.merged, revs)


def sections_of(files: Mapping[str, str]) -> tuple[list[SectionText], str | None]:
    """The Code's sections in manifest order, and the glossary's path."""
    try:
        manifest: Manifest = parse_manifest(files.get(MANIFEST, ""))
    except InvalidContent:
        return [], None
    sections = [
        SectionText(s.path, s.title, files.get(s.path, "")) for s in manifest.sections
    ]
    glossary = next(
        (
            s.path
            for s in manifest.sections
            if s.wg is None
            and (s.path.rsplit("/", 1)[-1] == "glossary.md" or s.title == "Glossary")
        ),
        None,
    )
    return sections, glossary


def _findings(key: tuple[str, ...], files: Mapping[str, str]) -> list[Finding]:
    """check_code on the files, remembered per set of commits (they never change)."""

    def compute() -> list[Finding]:
        sections, glossary = sections_of(files)
        return check_code(sections, glossary)

    return _findings_memo.value(key, compute)


def _finding_revs(
    store: DraftStore,
    preview: MergePreview,
    paths: Collection[str],
    tips: tuple[str, ...],
) -> dict[str, str]:
    """For each path, a commit whose text is the checked one (line links)."""
    candidates = [preview.into_commit_id, *tips]
    out = {}
    for path in paths:
        text = preview.files.get(path)
        out[path] = next(
            (c for c in candidates if text_at(store, c, path) == text),
            tips[-1] if tips else preview.into_commit_id,
        )
    return out


def check_settings(db: Session, code: Code) -> dict[str, bool]:
    """Check id -> whether it blocks consolidation of `code`."""
    rows = db.scalars(select(CheckSetting).where(CheckSetting.code_id == code.id))
    return {row.check_id: row.blocking for row in rows if row.check_id in CHECKS}


def set_blocking(
    db: Session, code: Code, actor: User | None, blocking: Collection[str]
) -> dict[str, bool]:
    """Make exactly the checks in `blocking` block consolidation of `code`.

    Raises PermissionDenied, ValidationError (unknown check).
    """
    require(actor, Action.CONFIGURE_CHECKS)
    unknown = sorted(set(blocking) - set(CHECKS))
    if unknown:
        raise ValidationError(
            f"Unknown check: {', '.join(unknown)}.", {"block": "Unknown check."}
        )
    rows = {
        row.check_id: row
        for row in db.scalars(
            select(CheckSetting).where(CheckSetting.code_id == code.id)
        )
    }
    before = {c for c, row in rows.items() if row.blocking}
    for check in CHECKS:
        row = rows.get(check)
        wanted = check in blocking
        if row is None and wanted:
            db.add(CheckSetting(code_id=code.id, check_id=check, blocking=True))
        elif row is not None:
            row.blocking = wanted
    after = set(blocking)
    audit.record(
        db,
        actor,
        "checks.settings",
        f"code:{code.slug}",
        "checks that block consolidation: "
        + (", ".join(CHECKS[c][0] for c in CHECKS if c in after) or "none"),
        added=sorted(after - before),
        removed=sorted(before - after),
    )
    db.commit()
    return check_settings(db, code)


def text_at(store: DraftStore, rev: str, path: str) -> str:
    """The text of `path` at `rev`; "" when the file is not there."""
    try:
        return store.read(rev, path).text
    except NotFound:
        return ""
