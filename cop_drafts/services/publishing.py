"""Publishing an iteration: reviewed first, then one step that tags ``main``,
writes the record of the last round's comments into the tagged commit, closes
that round, opens the next one and carries every open comment to the new text.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.cache import FileCache
from cop_drafts.db.models import (
    Code,
    Comment,
    CommentStatus,
    Iteration,
    Round,
    User,
    utcnow,
)
from cop_drafts.store import DraftStore, Person
from cop_drafts.store.errors import NoChange, TagExists
from cop_drafts.store.refs import MAIN, is_branch_name, is_hex_rev, is_tag_name
from cop_drafts.store.values import CommitInfo, TagInfo
from cop_drafts.text.anchor import Relocation as Landing
from cop_drafts.text.checks import Finding, Severity

from . import (
    audit,
    codes,
    consistency,
    diffs,
    notifications,
    reanchor,
    record,
    rounds,
)
from .consistency import CheckReport
from .errors import ValidationError
from .permissions import Action, require

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishInput:
    """What the publisher chose: the name, the notes and the round to open.

    `base` is the commit of ``main`` that was reviewed (None: main as it is,
    for the command line and the demo); `accept_errors` says the publisher
    saw the error-level findings and publishes anyway.
    """

    tag: str
    notes: str
    next_round: rounds.RoundInput | None = None
    close_open_round: bool = True
    base: str | None = None
    accept_errors: bool = False


@dataclass(frozen=True, slots=True)
class Review:
    """Everything the publisher sees before confirming."""

    data: PublishInput
    tip: CommitInfo
    previous: Iteration | None
    comparison: diffs.Comparison | None
    report: CheckReport
    errors: tuple[Finding, ...]
    carried: int
    open_round: Round | None
    record_round: Round | None
    record_count: int
    next_window: tuple[datetime, datetime] | None
    reasons: tuple[str, ...] = field(default=())

    @property
    def ready(self) -> bool:
        """True when nothing refuses publishing."""
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Published:
    """What publishing did."""

    iteration: Iteration
    carried: Counter[str]
    round: Round | None
    record_files: tuple[str, ...]


def check_input(db: Session, code: Code, data: PublishInput) -> PublishInput:
    """The input with its name and notes trimmed. Raises ValidationError."""
    tag, notes = data.tag.strip(), data.notes.strip()
    if not is_tag_name(tag) or is_branch_name(tag) or is_hex_rev(tag):
        raise ValidationError(
            "Bad name.",
            {
                "tag": "Use lower-case letters, digits and dashes, "
                "e.g. draft-4 or final."
            },
        )
    if codes.find_iteration(db, code, tag) is not None:
        raise ValidationError(
            "Name taken.", {"tag": f"{tag} is published already; names never move."}
        )
    if not notes:
        raise ValidationError(
            "Release notes missing.", {"notes": "Say what this iteration is."}
        )
    if data.next_round is not None:
        rounds.check_dates(data.next_round.plenary_at, data.next_round.closes_at)
    return PublishInput(
        tag,
        notes,
        data.next_round,
        data.close_open_round,
        data.base,
        data.accept_errors,
    )


def _reasons(
    data: PublishInput,
    tip: CommitInfo,
    last: Iteration | None,
    report: CheckReport,
    errors: tuple[Finding, ...],
    open_round: Round | None,
) -> tuple[str, ...]:
    out = []
    if last is not None and last.commit_id == tip.commit_id:
        out.append(
            f"Nothing changed in the consolidated text since {last.tag}: "
            "a new iteration would carry the same text."
        )
    if report.blocking:
        # Checks inform; the coordinating Chair may set some to block, and
        # then they block publishing as they block consolidation.
        first = report.blocking[0]
        out.append(
            f"{len(report.blocking)} finding(s) of checks set to block must be "
            f"fixed first, e.g. {first.path} line {first.line_start}: "
            f"{first.message}"
        )
    if errors and not data.accept_errors:
        out.append(
            f"{len(errors)} error-level finding(s): read them and confirm that "
            "this iteration is published with them."
        )
    if open_round is not None and not data.close_open_round:
        out.append(
            f"The round on {open_round.tag} is still open until "
            f"{open_round.closes_at.astimezone(rounds.BRUSSELS):%d %b %Y %H:%M} "
            "Brussels; you chose not to close it early."
        )
    return tuple(out)


def _last(db: Session, code: Code) -> Iteration | None:
    query = select(Iteration).where(Iteration.code_id == code.id)
    return db.scalar(query.order_by(Iteration.published_at.desc(), Iteration.id.desc()))


def _open_comments(db: Session, code: Code) -> int:
    query = select(func.count(Comment.id)).where(
        Comment.code_id == code.id,
        Comment.parent_id.is_(None),
        Comment.status == CommentStatus.OPEN,
        Comment.anchor.is_not(None),
    )
    return db.scalar(query) or 0


def review(
    db: Session,
    store: DraftStore,
    cache: FileCache,
    code: Code,
    actor: User | None,
    data: PublishInput,
) -> Review:
    """What publishing `data` would do, and what refuses it.

    Raises PermissionDenied, ValidationError (name, notes, round dates).
    """
    require(actor, Action.PUBLISH)
    data = check_input(db, code, data)
    tip = store.commit_info(MAIN)
    last = _last(db, code)
    report = consistency.check_report(db, store, code)
    errors = tuple(f for f in report.findings if f.severity is Severity.ERROR)
    open_round = rounds.open_now(db, code)
    record_round = rounds.find_round(db, code, last.commit_id) if last else None
    comparison = None
    if last is not None:
        old = codes.Version(last.tag, last.commit_id, last.tag, True)
        new = codes.Version(MAIN, tip.commit_id, "the consolidated text", False)
        comparison = diffs.compare(store, cache, old, new)
    window = None
    if data.next_round is not None:
        window = rounds.check_dates(
            data.next_round.plenary_at, data.next_round.closes_at
        )
    return Review(
        data,
        tip,
        last,
        comparison,
        report,
        errors,
        _open_comments(db, code),
        open_round,
        record_round,
        len(record.round_comments(db, record_round)) if record_round else 0,
        window,
        # Error-level findings are acknowledged on the review page itself.
        _reasons(
            replace(data, accept_errors=True), tip, last, report, errors, open_round
        ),
    )


def publish(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    data: PublishInput,
    *,
    tagger: Person | None = None,
    now: datetime | None = None,
) -> Published:
    """Publish ``main`` as iteration `data.tag`: one use case, one commit.

    The tag comes first, naming a commit on ``main`` that holds the record of
    the previous round; then, in one database transaction, the iteration, the
    open round closed, the next one opened and every open comment carried.
    Should that transaction fail after the tag was made, publishing the same
    name again completes it: the tag is recognised and the database catches
    up. Raises PermissionDenied, ValidationError (with every reason that
    refuses it), StaleBase (main moved since the review).
    """
    publisher = require(actor, Action.PUBLISH)
    data = check_input(db, code, data)
    now = now or utcnow()
    last = _last(db, code)
    open_round = rounds.open_now(db, code, now)
    made = _unrecorded_tag(store, data)
    if made is None:
        _check_ready(db, store, code, data, last, open_round)
    base = made.commit_id if made else data.base or store.commit_info(MAIN).commit_id
    tagger = tagger or Person(publisher.name, publisher.email)
    # Where every open comment lands: the record files need it before the tag.
    carried = reanchor.carry(db, store, code, base)
    record_round = rounds.find_round(db, code, last.commit_id) if last else None
    files: dict[str, bytes] = {}
    if record_round is not None:
        files = record.files(
            db, store, code, record_round, data.tag, base, carried, tagger.when or now
        )
    if made is None:
        made = _tag(store, data, base, tagger, files, record_round)
    try:
        iteration, new_round, counts = _record(
            db, code, publisher, data, made, open_round, carried, now
        )
    except SQLAlchemyError:
        db.rollback()
        log.exception(
            "%s is tagged but the database did not record it: publishing %s "
            "again completes it",
            data.tag,
            data.tag,
        )
        raise
    return Published(iteration, counts, new_round, tuple(sorted(files)))


def _check_ready(
    db: Session,
    store: DraftStore,
    code: Code,
    data: PublishInput,
    last: Iteration | None,
    open_round: Round | None,
) -> None:
    """Raise ValidationError with every reason that refuses publishing now."""
    tip = store.commit_info(MAIN)
    report = consistency.check_report(db, store, code)
    errors = tuple(f for f in report.findings if f.severity is Severity.ERROR)
    reasons = _reasons(data, tip, last, report, errors, open_round)
    if reasons:
        raise ValidationError(" ".join(reasons))


def _unrecorded_tag(store: DraftStore, data: PublishInput) -> TagInfo | None:
    """The tag `data.tag` when an earlier publish made it and then failed to
    record it (check_input found no iteration of that name); None when there
    is no such tag. Raises ValidationError for a tag made otherwise."""
    made = next((t for t in store.tags() if t.name == data.tag), None)
    if made is None:
        return None
    # Ours: the same release notes, and the text it names is still the
    # history of the consolidated text (nothing was published beside it).
    if made.message.strip() != data.notes or not store.is_ancestor(
        made.commit_id, MAIN
    ):
        raise ValidationError(
            "Name taken.",
            {"tag": f"{data.tag} exists in the drafts already; choose another name."},
        )
    return made


def _tag(
    store: DraftStore,
    data: PublishInput,
    base: str,
    tagger: Person,
    files: dict[str, bytes],
    record_round: Round | None,
) -> TagInfo:
    try:
        return store.publish(
            data.tag,
            base=base,
            tagger=tagger,
            message=data.notes,
            files=files,
            files_message=f"Record of the comments of the round on {record_round.tag}"
            if record_round
            else "",
        )
    except (NoChange, TagExists) as error:
        raise ValidationError(f"{error}. Nothing was published.") from error


def _record(
    db: Session,
    code: Code,
    publisher: User,
    data: PublishInput,
    made: TagInfo,
    open_round: Round | None,
    carried: Sequence[tuple[reanchor.Anchored, Landing]],
    now: datetime,
) -> tuple[Iteration, Round | None, Counter[str]]:
    """The database side of publishing `made`, committed once."""
    iteration = Iteration(
        code_id=code.id,
        tag=data.tag,
        commit_id=made.commit_id,
        published_at=made.time,
        published_by_id=publisher.id,
        notes=data.notes,
    )
    db.add(iteration)
    db.flush()
    if open_round is not None:
        rounds.close_round(db, code, publisher, open_round, now)
    new_round = None
    if data.next_round is not None:
        new_round = rounds.add_round(db, code, publisher, iteration, data.next_round)
    counts = reanchor.record(db, carried, made.commit_id, data.tag)
    notifications.on_published(db, code, iteration)
    audit.record(
        db,
        publisher,
        "iteration.publish",
        f"code:{code.slug}@{data.tag}",
        f"published {data.tag} ({made.commit_id[:10]}); carried comments: "
        + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none open"),
        **counts,
    )
    db.commit()
    return iteration, new_round, counts
