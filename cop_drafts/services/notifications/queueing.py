"""Queueing notifications in the outbox, in the transaction of the action that
causes them (the caller commits): what a reply, a released answer, a new
iteration, a deadline or an account mail says, and to whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    Code,
    Comment,
    Disposition,
    Iteration,
    Notification,
    NotificationKind,
    Relocation,
    Round,
    User,
    utcnow,
)

from .. import comments, rounds
from ..permissions import Action, can
from .choices import DAILY, IMMEDIATE, OFF, _deliveries, next_digest

REMIND_DAYS = 2
# Bodies are stored with this in place of the base URL, filled in when sent:
# what is queued does not depend on the process that queued it.
SITE = "{site}"
QUOTE_LIMIT = 2000


def _add(
    db: Session,
    kind: NotificationKind,
    key: str,
    recipients: Sequence[User],
    subject: str,
    body: str,
    now: datetime,
) -> int:
    """One row per recipient, unless they turned `kind` off or `key` is queued."""
    people = [u for u in recipients if u.is_active]
    if not people:
        return 0
    # The caller may hold unflushed rows (a reply): flushing them here would
    # move their integrity errors out of the caller's handling.
    with db.no_autoflush:
        chosen = _deliveries(db, [u.id for u in people])
        taken = set(
            db.scalars(
                select(Notification.user_id).where(
                    Notification.dedupe_key == key,
                    Notification.user_id.in_([u.id for u in people]),
                )
            )
        )
    count = 0
    for user in people:
        delivery = chosen.get((user.id, kind), IMMEDIATE)
        if delivery == OFF or user.id in taken:
            continue
        db.add(
            Notification(
                user_id=user.id,
                kind=kind,
                dedupe_key=key[:200],
                subject=_one_line(subject)[:300],
                body=body,
                created_at=now,
                send_after=next_digest(now) if delivery == DAILY else now,
                attempts=0,
                last_error="",
            )
        )
        count += 1
    return count


def _people(db: Session) -> list[User]:
    """Everyone taking part: active accounts whose invitation was accepted."""
    query = select(User).where(
        User.is_active.is_(True), User.password_hash.is_not(None)
    )
    return list(db.scalars(query.order_by(User.id)))


def _quote(text: str) -> str:
    text = text.strip()
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT].rstrip() + " […]"
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _who(reader: User, author: User, comment: Comment) -> str:
    # Names as the margin shows them: Chairs see every author; others see a
    # Chair's name and otherwise only the stakeholder category.
    if can(reader, Action.SEE_ALL_COMMENTS, wg=comment.wg) or comment.as_chair:
        return author.name + (" (Chair)" if comment.as_chair else "")
    if author.category is not None:
        return f"A participant ({CATEGORY_LABELS[author.category]})"
    return "A participant"


def on_reply(db: Session, reply: Comment) -> int:
    """Queue "someone replied" for the author of the comment `reply` answers.

    Call before the reply's transaction commits; `reply` may still be
    unflushed (no id yet). Nothing when the author replies to themselves,
    cannot read the reply, or turned replies off. Returns the rows added.
    """
    if reply.parent_id is None:
        return 0
    with db.no_autoflush:
        parent = db.get(Comment, reply.parent_id)
        replier = db.get(User, reply.author_id)
        if parent is None or replier is None or parent.author_id == replier.id:
            return 0
        if reply.round is None and reply.round_id is not None:
            # A pending object does not load its many-to-one; can_see needs it.
            set_committed_value(reply, "round", db.get(Round, reply.round_id))
        reader = parent.author
        if not comments.can_see(reader, reply):
            return 0
        code = db.get(Code, reply.code_id)
    assert code is not None  # the comment's foreign key
    who = _who(reader, replier, reply)
    body = (
        f"{who} replied to your comment on {parent.path} of {code.title} "
        f"({parent.tag}):\n\n{_quote(reply.body)}\n\n"
        f"Read the thread and answer: {SITE}/c/{code.slug}/comments/{parent.id}"
    )
    return _add(
        db,
        NotificationKind.REPLY,
        f"reply:{reply.author_id}:{reply.client_token}",
        [reader],
        f"{who} replied to your comment on {parent.path} ({parent.tag})",
        body,
        reply.created_at or utcnow(),
    )


def on_released(db: Session, dispositions: Sequence[Disposition]) -> int:
    """Queue "the Chairs answered" for the author of each comment whose answer
    was just released (rows with `released_at` set; others are skipped).

    A released answer is released to its comment's author, so the mail may
    carry it. A later re-release (new `released_at`) is a new mail. Returns
    the rows added.
    """
    count = 0
    for answer in dispositions:
        comment = answer.comment
        if answer.released_at is None or answer.updated_by_id == comment.author_id:
            continue
        code = db.get(Code, comment.code_id)
        assert code is not None  # the comment's foreign key
        label = DISPOSITION_LABELS[answer.kind] if answer.kind else "Answered"
        commit = (
            f"\nImplemented in commit {answer.commit_id[:10]}.\n"
            if answer.commit_id
            else ""
        )
        body = (
            f"The Chairs answered your comment on {comment.path} of {code.title} "
            f"({comment.tag}).\n\nDisposition: {label}\n\nResponse:\n"
            f"{_quote(answer.response)}\n{commit}\n"
            f"Read it beside your comment: {SITE}/c/{code.slug}/comments/{comment.id}"
        )
        count += _add(
            db,
            NotificationKind.DISPOSITION,
            f"disposition:{comment.id}:{answer.released_at:%Y%m%dT%H%M%S%f}",
            [comment.author],
            f"The Chairs answered your comment on {comment.path} ({comment.tag})",
            body,
            answer.released_at,
        )
    return count


def on_placed(db: Session, comment: Comment, landing: Relocation, placer: User) -> int:
    """Queue "a Chair showed your comment on a passage" for its author, when a
    Chair placed it by hand on iteration `landing.tag` (services.placing);
    with the Chairs' answers in the settings. Each placement is told once."""
    if comment.author_id == placer.id or landing.placed_at is None:
        return 0
    code = db.get(Code, comment.code_id)
    assert code is not None  # the comment's foreign key
    body = (
        f"{placer.name} (Chair) showed your comment on {comment.path} of "
        f"{code.title} ({comment.tag}) on this passage of {landing.tag}:\n\n"
        f"{_quote(landing.quote or '')}\n\n"
        f"It was written on:\n\n{_quote((comment.anchor or {}).get('quote', ''))}\n\n"
        f"See it: {SITE}/c/{code.slug}/s/{comment.path}?rev={landing.tag}#c{comment.id}"
    )
    return _add(
        db,
        NotificationKind.DISPOSITION,
        f"placed:{comment.id}:{landing.tag}:{landing.placed_at:%Y%m%dT%H%M%S%f}",
        [comment.author],
        f"Your comment on {comment.path} is shown on a passage of {landing.tag}",
        body,
        landing.placed_at,
    )


def on_published(db: Session, code: Code, iteration: Iteration) -> int:
    """Queue "a new iteration is published" for everyone taking part but its
    publisher. Call once the new round (if any) is added, so the mail says
    when comments close. Returns the rows added."""
    when = iteration.published_at or utcnow()
    body = (
        f"{iteration.tag} of {code.title} is published "
        f"({when.astimezone(rounds.BRUSSELS):%d %b %Y}).\n"
    )
    if (iteration.notes or "").strip():
        body += f"\nRelease notes:\n{_quote(iteration.notes)}\n"
    round_ = rounds.find_round(db, code, iteration.commit_id)
    if round_ is not None:
        body += (
            f"\nComments on {iteration.tag} are taken until "
            f"{round_.closes_at.astimezone(rounds.BRUSSELS):%A %d %B %Y, %H:%M} "
            "Brussels time.\n"
        )
    body += f"\nRead it: {SITE}/c/{code.slug}/iterations/{iteration.tag}"
    people = [u for u in _people(db) if u.id != iteration.published_by_id]
    return _add(
        db,
        NotificationKind.ITERATION,
        f"iteration:{code.id}:{iteration.tag}",
        people,
        f"{code.title}: {iteration.tag} is published",
        body,
        utcnow(),
    )


def queue_deadlines(db: Session, now: datetime) -> int:
    """Queue the reminder for every open round whose window closes within
    two calendar days (Brussels), for each person who may comment in it.

    Meant to run daily: a reminder arrives on the second day before the
    deadline (or the first run after), once per deadline; an extended window
    gets a reminder of its own. Returns the rows added.
    """
    today = now.astimezone(rounds.BRUSSELS).date()
    open_rounds = db.scalars(
        select(Round)
        .where(Round.opens_at <= now, Round.closes_at > now)
        .order_by(Round.id)
    )
    people = _people(db)
    count = 0
    for round_ in open_rounds:
        closes = round_.closes_at.astimezone(rounds.BRUSSELS)
        days = (closes.date() - today).days
        if days > REMIND_DAYS:
            continue
        when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
        code = round_.code
        body = (
            f"The comment window on {round_.tag} of {code.title} closes {when}, "
            f"{closes:%A %d %B %Y at %H:%M} Brussels time.\n\n"
            f"Comment or review your comments: {SITE}/c/{code.slug}/comments"
            f"?rev={round_.tag}"
        )
        count += _add(
            db,
            NotificationKind.DEADLINE,
            f"deadline:{round_.id}:{round_.closes_at:%Y%m%dT%H%M}",
            [u for u in people if comments.may_comment(u, round_, None, now)],
            f"{code.title}: comments on {round_.tag} close {when} at {closes:%H:%M}",
            body,
            now,
        )
    return count


def queue_account_mail(
    db: Session,
    key: str,
    subject: str,
    body: str,
    *,
    user: User | None = None,
    to: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> Notification:
    """Queue a mail about an application or account, to `user` or, for
    someone without an account, to `to` (e-mail, name); sent at once by
    `send_due` whatever the settings. `body` may use SITE for the site's
    address. The caller commits."""
    if user is None and to is None:
        raise ValueError("an account mail needs a user or an address")
    row = Notification(
        user_id=user.id if user is not None else None,
        email=None if to is None else to[0],
        name=None if to is None else to[1],
        kind=NotificationKind.ACCOUNT,
        dedupe_key=key[:200],
        subject=_one_line(subject)[:300],
        body=body,
        created_at=now or utcnow(),
        send_after=now or utcnow(),
        attempts=0,
        last_error="",
    )
    db.add(row)
    return row


def delete_account_mails(db: Session, key_prefix: str) -> None:
    """Delete the account mails whose key starts with `key_prefix`, sent or
    not (personal data going away with what they were about). The caller
    commits."""
    db.execute(
        delete(Notification)
        .where(
            Notification.kind == NotificationKind.ACCOUNT,
            Notification.dedupe_key.startswith(key_prefix, autoescape=True),
        )
        .execution_options(synchronize_session=False)
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
