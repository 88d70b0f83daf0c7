"""Editing a section: open it, preview, review and save the editor's text or an
uploaded file; a save that clashes with another becomes a conflict to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, User
from cop_drafts.store.errors import (
    Conflict,
    ConflictSides,
    InvalidRev,
    StaleBase,
)
from cop_drafts.store.manifest import SectionSpec
from cop_drafts.store.refs import MAIN, is_hex_rev, wg_branch
from cop_drafts.store.repo import DraftStore, normalise_text
from cop_drafts.store.values import CommitInfo, Person
from cop_drafts.text.diff import DiffResult, diff_texts
from cop_drafts.text.render import render

from . import audit, flowback
from .conflicts import ConflictFile, check_message, conflict_file, reject_markers
from .consistency import text_at
from .errors import PermissionDenied, ValidationError
from .flowback import FlowBackResult, flow_back
from .permissions import Action, can, require

UPLOAD_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True, slots=True)
class Draft:
    """What the editor opens: a section on the branch its editor writes to."""

    section: SectionSpec
    branch: str
    commit: CommitInfo
    text: str

    @property
    def is_harmonisation(self) -> bool:
        """True when saving commits on ``main`` (the coordinating Chair)."""
        return self.branch == MAIN


@dataclass(frozen=True, slots=True)
class Waiting:
    """Changes on ``main`` that have not reached the editor's branch yet.

    `commits` are the newest first (at most WAITING_SHOWN); `here` those of
    them that change the section (`here_count` in all); `clashes` the files
    where bringing main in
    does not merge by itself (empty when it would merge cleanly).
    """

    branch: str
    count: int
    commits: tuple[CommitInfo, ...]
    here: tuple[CommitInfo, ...]
    here_count: int
    clashes: tuple[str, ...]


WAITING_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Submission:
    """What the editor sent, not yet checked."""

    text: str | None
    message: str
    base: str
    upload: bytes | None = None
    filename: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    """A pending change shown before saving: the redline from the opened text."""

    draft: Draft
    base: CommitInfo
    text: str
    message: str
    diff: DiffResult
    redline: Markup
    newer: tuple[CommitInfo, ...]


@dataclass(frozen=True, slots=True)
class Saved:
    """A save that went in: where, as which commit, merged or not."""

    branch: str
    commit_id: str
    merged: bool
    flow_back: tuple[FlowBackResult, ...] = ()


class EditConflict(Conflict):
    """A save that could not be merged: everything needed to resolve it."""

    def __init__(
        self,
        file: ConflictFile,
        *,
        draft: Draft,
        theirs_commit_id: str,
        newer: tuple[CommitInfo, ...],
        message: str,
        stale: bool,
    ) -> None:
        sides = ConflictSides(
            file.path, file.base or "", file.theirs, file.ours, theirs_commit_id
        )
        super().__init__((sides,))
        self.file, self.draft = file, draft
        self.theirs_commit_id, self.newer = theirs_commit_id, newer
        self.message, self.stale = message, stale


def edit_branch(user: User | None, section: SectionSpec) -> str:
    """The branch `user`'s edits of `section` go to: ``main`` for the
    coordinating Chair (harmonisation), else the owning Working Group's."""
    if can(user, Action.HARMONISE):
        return MAIN
    if section.wg is None:
        # Only the coordinating Chair may edit a section no Working Group owns;
        # can() has already refused everyone else.
        raise PermissionDenied("Only the coordinating Chair edits this section.")
    return wg_branch(section.wg)


def open_draft(store: DraftStore, user: User | None, path: str) -> Draft:
    """The section as its editor starts from. Raises PermissionDenied, NotFound."""
    return _open(store, user, path)[0]


def _open(store: DraftStore, user: User | None, path: str) -> tuple[Draft, User]:
    """The draft and its editor, who may edit it."""
    section = store.get_section(MAIN, path)
    editor = require(user, Action.EDIT_SECTION, wg=section.wg)
    branch = edit_branch(editor, section)
    file = store.read(branch, path)
    draft = Draft(section, branch, store.commit_info(file.commit_id), file.text)
    return draft, editor


def waiting_from_main(store: DraftStore, draft: Draft) -> Waiting | None:
    """What ``main`` holds that the draft's branch does not; None when nothing.

    Harmonisation and consolidations flow back into every branch at once
    unless they clash there: what is left waits for a Chair to bring it in.
    """
    if draft.is_harmonisation:
        return None
    commits = store.log_range(MAIN, draft.branch, limit=1000)
    if not commits:
        return None
    here = store.log_range(MAIN, draft.branch, path=draft.section.path, limit=1000)
    return Waiting(
        draft.branch,
        len(commits),
        tuple(commits[:WAITING_SHOWN]),
        tuple(here[:WAITING_SHOWN]),
        len(here),
        flowback.clashes(store, draft.branch),
    )


def preview(
    store: DraftStore, user: User | None, path: str, text: str | None, limit: int
) -> Markup:
    """Sanitised HTML of `text` as the section page would show it.

    Raises PermissionDenied, NotFound, ValidationError.
    """
    open_draft(store, user, path)
    if text is None:
        raise ValidationError("No text to preview.", {"text": "No text was sent."})
    _check_size(text.encode("utf-8"), limit, "text")
    return render(normalise_text(text)).html


def review(
    store: DraftStore, user: User | None, path: str, sub: Submission, limit: int
) -> Review:
    """The redline from the opened version to the submitted text.

    Raises PermissionDenied, NotFound, ValidationError.
    """
    draft = open_draft(store, user, path)
    text = submitted_text(sub, limit)
    base = _base_commit(store, sub.base)
    if base is None:
        base, old = draft.commit, draft.text
    else:
        old = text_at(store, base.commit_id, path)
    diff = diff_texts(old, text)
    newer = tuple(store.log_range(draft.branch, base.commit_id, path=path, limit=20))
    return Review(draft, base, text, sub.message, diff, diff.redline_html, newer)


def save(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    path: str,
    sub: Submission,
    limit: int,
) -> Saved:
    """Commit the submitted text as `user`, starting from `sub.base`.

    A clean three-way merge commits; a clash raises EditConflict with the
    three texts. Harmonisation edits on ``main`` then flow back to every
    Working Group branch. Raises PermissionDenied, NotFound, ValidationError,
    EditConflict, NoChange.
    """
    draft, user = _open(store, user, path)
    text, message = _checked(sub, path, limit)
    base = _base_commit(store, sub.base)
    if base is None:
        raise _conflict(store, draft, None, text, sub, stale=True)
    try:
        result = store.save(
            draft.branch,
            path,
            text,
            base=base.commit_id,
            author=Person(user.name, user.email),
            message=message,
        )
    except StaleBase:
        raise _conflict(store, draft, None, text, sub, stale=True) from None
    except Conflict as error:
        raise _conflict(store, draft, error, text, sub, stale=False) from None
    how = "merged with newer changes" if result.merged else "saved"
    audit.record(
        db,
        user,
        "section.harmonise" if draft.is_harmonisation else "section.save",
        f"code:{code.slug}/{path}@{draft.branch}",
        f"{how} {path} on {draft.branch} as {result.commit_id[:10]}: "
        f"{message.splitlines()[0][:120]}",
        commit_id=result.commit_id,
        base=base.commit_id,
        merged=result.merged,
    )
    # Committed before the flow-back, deliberately: the save is in the drafts
    # already and its audit row must stay with it. Flowing back is a step of
    # its own (flow_back commits its rows); when it fails, the branches stay
    # behind main and are brought up to date from the board.
    db.commit()
    flowed: tuple[FlowBackResult, ...] = ()
    if draft.is_harmonisation:
        what = f"harmonisation of {path} ({result.commit_id[:10]})"
        flowed = flow_back(db, store, code, user, what)
    return Saved(draft.branch, result.commit_id, result.merged, flowed)


def _checked(sub: Submission, path: str, limit: int) -> tuple[str, str]:
    """Text and message of a save, every problem reported at once.

    Raises ValidationError.
    """
    fields: dict[str, str] = {}
    text = message = ""
    try:
        text = submitted_text(sub, limit)
        reject_markers({path: text})
    except ValidationError as error:
        fields.update(error.fields)
    try:
        message = check_message(sub.message)
    except ValidationError as error:
        fields.update(error.fields)
    if not sub.base.strip():
        fields["base"] = (
            "The editor did not say which version you started from. Reload "
            "the editor; your text is kept in this browser."
        )
    if fields:
        raise ValidationError(" ".join(dict.fromkeys(fields.values())), fields)
    return text, message


def submitted_text(sub: Submission, limit: int) -> str:
    """The new text: the uploaded file when one was chosen, else the editor's.

    CRLF becomes LF. Raises ValidationError (missing, too large, not UTF-8 text).
    """
    if sub.filename or sub.upload:
        return normalise_text(read_upload(sub.upload or b"", sub.filename, limit))
    if sub.text is None:
        raise ValidationError(
            "No text was sent.", {"text": "Write the text or upload a .md file."}
        )
    _check_size(sub.text.encode("utf-8"), limit, "text")
    return normalise_text(sub.text)


def read_upload(data: bytes, filename: str, limit: int) -> str:
    """An uploaded Markdown file as text. Raises ValidationError in plain words."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "The file"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        _upload_error(
            f"{name} is not a Markdown file. Upload the section as a .md file "
            "(plain text); Word or PDF documents cannot be merged line by line."
        )
    _check_size(data, limit, "upload")
    if not data.strip():
        _upload_error(f"{name} is empty. Nothing was saved.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _upload_error(f"{name} is UTF-16 text. Save it as UTF-8 and upload again.")
    if b"\x00" in data[:65536]:
        _upload_error(
            f"{name} looks like a binary file (a word-processor document, PDF or "
            "image), not Markdown text. Nothing was saved."
        )
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        _upload_error(
            f"{name} is not UTF-8 text: byte 0x{data[error.start]:02X} on line "
            f"{line} cannot be read. Save the file with UTF-8 encoding and upload "
            "it again. Nothing was saved."
        )
    raise AssertionError("unreachable")


def _upload_error(message: str) -> None:
    raise ValidationError(message, {"upload": message})


def _check_size(data: bytes, limit: int, field: str) -> None:
    if len(data) > limit:
        size = f"{len(data) / 1024 / 1024:.1f} MB"
        message = (
            f"The text is {size}; a section may be at most "
            f"{limit / 1024 / 1024:.0f} MB. Nothing was saved."
        )
        raise ValidationError(message, {field: message})


def _base_commit(store: DraftStore, rev: str) -> CommitInfo | None:
    """The commit the edit started from; None when unknown (no such commit)."""
    rev = rev.strip().lower()
    if not is_hex_rev(rev):
        return None
    try:
        return store.commit_info(rev)
    except InvalidRev:
        return None


def _conflict(
    store: DraftStore,
    draft: Draft,
    error: Conflict | None,
    text: str,
    sub: Submission,
    *,
    stale: bool,
) -> EditConflict:
    """The conflict view of a save: ours = the submitted text, theirs = the tip."""
    path = draft.section.path
    if error is not None and error.sides:
        side = error.sides[0]
        base: str | None = side.base
        theirs_text, theirs_id = side.theirs, side.theirs_commit_id
        newer = store.log_range(theirs_id, sub.base.strip(), path=path, limit=20)
    else:
        tip = store.read(draft.branch, path)
        base, theirs_text, theirs_id = None, tip.text, tip.commit_id
        newer = store.history(theirs_id, path, limit=1)
    names = sorted({c.author_name for c in newer}) or ["another editor"]
    file = conflict_file(
        path,
        draft.section.title,
        base=base,
        ours=text,
        theirs=theirs_text,
        ours_label="Your text",
        theirs_label=f"Now on {draft.branch}, saved by {', '.join(names)}",
        ours_name="yours",
        theirs_name="theirs",
    )
    return EditConflict(
        file,
        draft=draft,
        theirs_commit_id=theirs_id,
        newer=tuple(newer),
        message=sub.message,
        stale=stale,
    )
