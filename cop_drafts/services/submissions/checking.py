"""A submission checked against the Code: may its author comment in the round,
and does every row name a section and one passage of it (every row's problems
found at once)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from cop_drafts.db.models import Comment, Iteration, Round, User
from cop_drafts.store.manifest import Manifest, SectionSpec
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor
from cop_drafts.text.selection import MAX_QUOTE, locate_quote

from .. import rounds
from ..comments import MAX_BODY, anchored, check_may_comment, window_message
from ..errors import PermissionDenied, WindowClosed
from .values import Problem, Rejected, Row

_LINES = re.compile(r"(?:lines?\s*)?(\d{1,7})(?:\s*(?:-|–|—|to)\s*(\d{1,7}))?", re.I)
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_NOT_NEWLINE = re.compile("[^\n]")


def _check_author(
    author: User, round_: Round | None, manifest: Manifest, now: datetime
) -> Round:
    """The round, if its window is open and `author` may comment on some
    section (a row on a section they may not comment on is a row problem).

    Raises WindowClosed, PermissionDenied.
    """
    if round_ is None or rounds.state(round_, now) != rounds.WindowState.OPEN:
        raise WindowClosed(window_message(round_, now))
    refusals = []
    for spec in manifest.sections:
        try:
            check_may_comment(author, round_, spec.wg, now)
            return round_
        except PermissionDenied as error:
            refusals.append(str(error))
    raise PermissionDenied(
        f"{author.name} may not comment in this round. "
        + (refusals[0] if refusals else "")
    )


def _prepare(
    store: DraftStore,
    iteration: Iteration,
    round_: Round,
    manifest: Manifest,
    author: User,
    rows: Sequence[Row],
    now: datetime,
) -> list[Comment]:
    """A Comment for every row, or Rejected with every row's problems."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    comments: list[Comment] = []
    for row in rows:
        found: list[str] = []
        spec = _section(manifest, row.section, iteration.tag, found)
        anchor = None
        if spec is not None:
            try:
                check_may_comment(author, round_, spec.wg, now)
            except PermissionDenied as error:
                found.append(str(error))
            if spec.path not in texts:
                texts[spec.path] = store.read(iteration.commit_id, spec.path).text
            anchor = _anchor(texts[spec.path], row, found)
        body = _body(row.comment, "The comment", found, required=True)
        proposal = _body(row.proposed, "The proposed wording", found)
        problems += [Problem(row.number, message) for message in found]
        if found or spec is None or anchor is None:
            continue
        comments.append(
            anchored(
                round_.code_id,
                round_,
                author,
                spec,
                round_.tag,
                iteration.commit_id,
                anchor,
                body,
                proposal,
                now,
            )
        )
    if problems:
        raise Rejected(problems)
    return comments


def _section(
    manifest: Manifest, given: str, tag: str, found: list[str]
) -> SectionSpec | None:
    if not given:
        found.append("Say which section the comment is on.")
        return None
    wanted = " ".join(given.split()).casefold()
    for spec in manifest.sections:
        names = {spec.path, spec.path.removesuffix(".md"), " ".join(spec.title.split())}
        if wanted in {name.casefold() for name in names}:
            return spec
    found.append(
        f"There is no section “{given[:80]}” in {tag}. Write a section title or "
        "file name as listed in the template."
    )
    return None


def _body(text: str, what: str, found: list[str], required: bool = False) -> str:
    if required and not text:
        found.append(f"{what} is empty.")
    elif len(text) > MAX_BODY:
        found.append(
            f"{what} has {len(text):,} characters; at most {MAX_BODY:,} are accepted."
        )
    return text


def _anchor(text: str, row: Row, found: list[str]) -> Anchor | None:
    """The passage a row names, by quote (exactly one place) and/or lines."""
    count = text.count("\n") + (0 if text.endswith("\n") else 1)
    first, last = 1, max(count, 1)
    if row.lines:
        match = _LINES.fullmatch(row.lines.strip())
        if match is None:
            hint = " (the spreadsheet made it a date)" if _DATE.match(row.lines) else ""
            found.append(
                f"“{row.lines[:40]}” is not a line number{hint}: write 12 for one "
                "line or 12-14 for several."
            )
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1 <= first <= last <= count:
            found.append(
                f"Lines {row.lines} are not in this section, which has lines 1 to "
                f"{count}."
                if first <= last
                else f"The lines {row.lines} run backwards: write {last}-{first}."
            )
            return None
    if not row.quote:
        if not row.lines:
            found.append("Say which passage: quote it, or give its line numbers.")
            return None
        return Anchor.from_lines(text, first, last)
    return _quoted(text, row, first, last, found)


def _quoted(
    text: str, row: Row, first: int, last: int, found: list[str]
) -> Anchor | None:
    if len(" ".join(row.quote.split())) > MAX_QUOTE:
        found.append(
            f"The quoted passage is longer than {MAX_QUOTE:,} characters: quote "
            "the words that matter, or give line numbers instead."
        )
        return None
    spans: list[tuple[int, int]] = []
    hidden = text
    # Each place found is blanked out (its line breaks kept, so that line
    # numbers stay) and the search repeated, to count the places.
    while len(spans) < 10:
        span = locate_quote(hidden, first, last, row.quote)
        if span is None:
            break
        spans.append(span)
        blank = _NOT_NEWLINE.sub("\x00", hidden[span[0] : span[1]])
        hidden = hidden[: span[0]] + blank + hidden[span[1] :]
    where = f"lines {row.lines}" if row.lines else "this section"
    if not spans:
        found.append(
            f"The quoted passage was not found in {where}: copy it exactly from "
            "the published text."
        )
        return None
    if len(spans) > 1:
        times = f"{len(spans)} times" if len(spans) < 10 else "many times"
        found.append(
            f"The quoted passage is found {times} in {where}: quote more words, "
            "or add line numbers, so that it points to one place."
        )
        return None
    return Anchor.from_span(text, *spans[0])
