"""Conflicts people resolve in the browser: the three texts of a file, each
clashing passage with the words each side changed marked, the text built from
a choice per passage (keep mine, theirs, both, or an edit), and what a
resolution must pass before it is saved (no conflict marker, a message).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from cop_drafts.db.models import LabelledEnum
from cop_drafts.store.errors import InvalidRev, NotFound
from cop_drafts.store.refs import is_hex_rev
from cop_drafts.store.repo import DraftStore, normalise_text
from cop_drafts.store.values import CommitInfo
from cop_drafts.text.diff import diff_texts, marked_lines
from cop_drafts.text.merge3 import ChunkKind, Merge3, MergeChunk, marker_lines, merge3

from .errors import ValidationError

MESSAGE_MAX = 5_000


@dataclass(frozen=True, slots=True)
class MarkedChunk:
    """A clashing passage's lines as HTML, the words each side changed
    marked: against the common base when there is one (<ins> on each side),
    else one side against the other (<del> on ours, <ins> on theirs)."""

    ours: tuple[Markup, ...]
    theirs: tuple[Markup, ...]
    base: tuple[Markup, ...]


def mark_chunk(chunk: MergeChunk, has_base: bool) -> MarkedChunk:
    """The passage's lines with changed words marked (all text escaped by
    text.diff.marked_lines)."""
    base: tuple[Markup, ...] = ()
    if has_base:
        _, ours = marked_lines(chunk.base, chunk.ours)
        _, theirs = marked_lines(chunk.base, chunk.theirs)
        base = tuple(Markup.escape(line) for line in chunk.base)
    else:
        ours, theirs = marked_lines(chunk.ours, chunk.theirs)
    return MarkedChunk(
        tuple(Markup(line) for line in ours),
        tuple(Markup(line) for line in theirs),
        base,
    )


@dataclass(frozen=True, slots=True)
class ConflictFile:
    """One file two sides changed differently; `base` None when unknown."""

    path: str
    title: str
    base: str | None
    ours: str
    theirs: str
    ours_label: str
    theirs_label: str
    ours_name: str
    theirs_name: str
    merge: Merge3
    merged: str

    @property
    def conflicts(self) -> tuple[MergeChunk, ...]:
        """The clashing passages, numbered from 1."""
        return self.merge.conflicts

    def marked(self, chunk: MergeChunk) -> MarkedChunk:
        """`chunk`'s lines as HTML with the words each side changed marked."""
        return mark_chunk(chunk, self.merge.has_base)


def conflict_file(
    path: str,
    title: str,
    *,
    base: str | None,
    ours: str,
    theirs: str,
    ours_label: str,
    theirs_label: str,
    ours_name: str,
    theirs_name: str,
) -> ConflictFile:
    """Lay out a conflict and propose a merge with marked passages.

    Labels describe each side in full ("wg/2 now (by Ana Ruiz)"); names are
    the short words on buttons ("theirs", "wg/2").
    """
    merge = merge3(base, ours, theirs)
    merged = merge.merged_text(ours_name, theirs_name)
    return ConflictFile(
        path,
        title,
        base,
        ours,
        theirs,
        ours_label,
        theirs_label,
        ours_name,
        theirs_name,
        merge,
        merged,
    )


class Choice(LabelledEnum):
    """What a person keeps of one clashing passage (its label is its button)."""

    MINE = "mine", "Keep mine"
    THEIRS = "theirs", "Keep theirs"
    BOTH = "both", "Keep both"  # mine, then theirs
    EDIT = "edit", "Edit"  # their own wording


@dataclass(frozen=True, slots=True)
class Choices:
    """The choices made for one file's passages (by passage number), and the
    wording typed for those to edit."""

    picked: Mapping[int, str] = field(default_factory=dict)
    edits: Mapping[int, str] = field(default_factory=dict)

    def choice(self, number: int) -> str:
        """The choice of passage `number` as sent ("" when none)."""
        return self.picked.get(number, "")


def choice_field(index: int, number: int) -> str:
    """The form field of the choice for passage `number` of file `index`."""
    return f"choice-{index}-{number}"


def edit_field(index: int, number: int) -> str:
    """The form field of the wording typed for passage `number` of file `index`."""
    return f"edit-{index}-{number}"


def read_choices(form: Mapping[str, str], index: int, file: ConflictFile) -> Choices:
    """The choices for `file` (the `index`-th on the page) in a posted form."""
    picked, edits = {}, {}
    for chunk in file.conflicts:
        n = chunk.number
        picked[n] = form.get(choice_field(index, n), "")
        edits[n] = form.get(edit_field(index, n), "")
    return Choices(picked, edits)


def resolved_text(file: ConflictFile, choices: Choices, index: int = 0) -> str:
    """`file`'s text built from a choice per clashing passage, the parts that
    do not clash merged as proposed. Raises ValidationError (a passage with
    no valid choice, an edit that still holds conflict markers), naming each
    passage's field."""
    fields: dict[str, str] = {}
    out: list[str] = []
    for chunk in file.merge.chunks:
        if chunk.kind is not ChunkKind.CONFLICT:
            out.extend(chunk.result)
            continue
        lines = _chosen_lines(file, chunk, choices, index, fields)
        out.extend(lines)
    if fields:
        count = len(fields)
        raise ValidationError(
            f"{count} passage{'s' if count != 1 else ''} of {file.title} "
            f"need{'s' if count == 1 else ''} a choice: see below.",
            fields,
        )
    text = normalise_text("".join(line + "\n" for line in out))
    reject_markers({file.title: text})
    return text


def _chosen_lines(
    file: ConflictFile,
    chunk: MergeChunk,
    choices: Choices,
    index: int,
    fields: dict[str, str],
) -> tuple[str, ...]:
    """The lines kept of one passage; a problem goes into `fields`."""
    n, choice = chunk.number, choices.choice(chunk.number)
    key = choice_field(index, n)
    if choice == Choice.MINE:
        return chunk.ours
    if choice == Choice.THEIRS:
        return chunk.theirs
    if choice == Choice.BOTH:
        return chunk.ours + chunk.theirs
    if choice != Choice.EDIT:
        fields[key] = f"Passage {n}: choose what to keep."
        return ()
    wording = normalise_text(choices.edits.get(n, ""))
    if marker_lines(wording):
        fields[key] = (
            f"Passage {n}: your wording still holds conflict markers (lines "
            "that start with seven < or > signs). Delete those lines."
        )
    return tuple(wording.splitlines())


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a person chose for every conflicting file on a page: the texts
    built (path -> text), each file's redline against the text it replaces,
    the problems by field, and a digest of the texts to confirm a save."""

    choices: tuple[Choices, ...]
    texts: Mapping[str, str]
    redlines: Mapping[str, Markup]
    errors: Mapping[str, str]
    key: str

    @property
    def complete(self) -> bool:
        """True when every passage of every file has a valid choice."""
        return not self.errors


def resolve(
    files: tuple[ConflictFile, ...], form: Mapping[str, str], *, current: str
) -> Resolution:
    """Build every file's text from the choices in `form`; `current` says
    which side the saved text replaces ("ours" or "theirs"), for the
    redlines. Never raises: problems are in `errors`."""
    choices, texts, redlines, errors = [], {}, {}, {}
    for index, file in enumerate(files):
        picked = read_choices(form, index, file)
        choices.append(picked)
        try:
            text = resolved_text(file, picked, index)
        except ValidationError as error:
            errors.update(error.fields)
            continue
        texts[file.path] = text
        before = file.ours if current == "ours" else file.theirs
        redlines[file.path] = diff_texts(before, text).redline_html
    key = "" if errors else preview_key(texts)
    return Resolution(tuple(choices), texts, redlines, errors, key)


def preview_key(texts: Mapping[str, str]) -> str:
    """A digest of the texts a person previewed, so that what is saved is
    what they saw."""
    digest = hashlib.sha256()
    for path in sorted(texts):
        digest.update(f"{path}\0{texts[path]}\0".encode())
    return digest.hexdigest()[:32]


def reopen_edit(
    store: DraftStore,
    branch: str,
    path: str,
    title: str,
    *,
    ours: str,
    started_from: str,
    theirs_commit_id: str,
    limit: int,
) -> ConflictFile:
    """A save's conflict as it was shown: `ours` (the text the person sent,
    edited from `started_from`, "" when unknown) against the section at
    `theirs_commit_id`. Both commits must be on `branch`: a person reads no
    other text through this; `ours` is at most `limit` bytes, as any save.
    Raises ValidationError."""
    if len(ours.encode("utf-8")) > limit:
        raise ValidationError(
            "Your text is too long to compare.",
            {"text": f"A section's text is at most {limit // 1024 // 1024} MB."},
        )
    if not _on_branch(store, theirs_commit_id, branch):
        raise ValidationError(
            "This choice form is out of date: open the editor again.",
            {"base": "The version the passages were compared with is unknown."},
        )
    try:
        theirs = store.read(theirs_commit_id, path).text
    except NotFound:
        theirs = ""
    base: str | None = None
    if _on_branch(store, started_from, theirs_commit_id):
        try:
            base = store.read(started_from, path).text
        except NotFound:
            base = ""
    return conflict_file(
        path,
        title,
        base=base,
        ours=normalise_text(ours),
        theirs=theirs,
        ours_label="Your version",
        theirs_label="Their version",
        ours_name="mine",
        theirs_name="theirs",
    )


def newer_changes(
    store: DraftStore, path: str, started_from: str, theirs_commit_id: str
) -> tuple[CommitInfo, ...]:
    """The changes to `path` saved since `started_from` up to
    `theirs_commit_id` (newest first, at most 20); the last change of `path`
    when where the person started is unknown. Raises InvalidRev."""
    if _on_branch(store, started_from, theirs_commit_id):
        commits = store.log_range(theirs_commit_id, started_from, path=path, limit=20)
    else:
        commits = store.history(theirs_commit_id, path, limit=1)
    return tuple(commits)


def _on_branch(store: DraftStore, commit_id: str, rev: str) -> bool:
    """True when `commit_id` is a full commit id reachable from `rev`."""
    if len(commit_id) != 40 or not is_hex_rev(commit_id):
        return False
    try:
        return store.is_ancestor(commit_id, rev)
    except InvalidRev:
        return False


def draft_name(branch: str) -> str:
    """What people call a branch: "the consolidated text" for ``main``,
    "Working Group 2's working draft" for ``wg/2``."""
    if branch.startswith("wg/"):
        return f"Working Group {branch[3:]}'s working draft"
    return "the consolidated text"


def reject_markers(texts: Mapping[str, str]) -> None:
    """Refuse texts that still hold conflict markers. Raises ValidationError.

    A line starting with seven '<' or '>' is never Markdown a Chair means to
    publish; refusing it here is what keeps markers out of every branch.
    """
    for path, text in texts.items():
        lines = marker_lines(text)
        if lines:
            where = ", ".join(str(n) for n in lines[:8])
            message = (
                f"{path} still holds conflict markers (lines that start with "
                f"seven < or > signs) on line{'s' if len(lines) > 1 else ''} "
                f"{where}. Keep the text you want there and delete the marker lines."
            )
            raise ValidationError(message, {"text": message})


def check_message(message: str) -> str:
    """A note on a change, stripped. Raises ValidationError when empty or huge."""
    message = normalise_text(message or "").strip()
    if not message:
        raise ValidationError(
            "Say what you changed.",
            {"message": "A note is required: say what you changed and why."},
        )
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            "The message is too long.",
            {"message": f"Keep the message under {MESSAGE_MAX:,} characters."},
        )
    return message
