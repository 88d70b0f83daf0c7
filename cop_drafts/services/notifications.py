"""E-mail notifications: queued in the transaction of the action that causes
them (the outbox), sent afterwards by `send_due` with retries and backoff, so a
failing mail server never blocks or loses the action."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time as clock
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from cop_drafts.config import Settings
from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    Code,
    Comment,
    Disposition,
    Iteration,
    Notification,
    NotificationKind,
    NotificationSetting,
    Round,
    User,
    labels,
    utcnow,
)

from . import comments, rounds
from .errors import ValidationError
from .permissions import Action, can

log = logging.getLogger(__name__)

OFF, IMMEDIATE, DAILY = "off", "immediate", "daily"
DELIVERY_LABELS = {OFF: "Off", IMMEDIATE: "At once", DAILY: "Daily digest"}
KIND_LABELS = labels(NotificationKind)
#: The kinds a person chooses a delivery for; ACCOUNT mails always go at once.
CHOSEN_KINDS = (
    NotificationKind.REPLY,
    NotificationKind.DISPOSITION,
    NotificationKind.ITERATION,
    NotificationKind.DEADLINE,
)
DIGEST_TIME = time(7, 0)  # Brussels time
REMIND_DAYS = 2
BACKOFF = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)
BATCH = 100
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# Bodies are stored with this in place of the base URL, filled in when sent:
# what is queued does not depend on the process that queued it.
SITE = "{site}"
QUOTE_LIMIT = 2000
SENT_BODY = "(sent; the text is not kept because it carried a personal link)"


# -- choices -------------------------------------------------------------------
def load_preferences(db: Session, user: User) -> dict[NotificationKind, str]:
    """The person's delivery per kind ("immediate" where never chosen)."""
    chosen = _deliveries(db, [user.id])
    return {kind: chosen.get((user.id, kind), IMMEDIATE) for kind in CHOSEN_KINDS}


def save_preferences(db: Session, user: User, choices: Mapping[str, str]) -> None:
    """Store the person's delivery for every kind and commit.

    Raises ValidationError (a kind missing or an unknown delivery).
    """
    bad = {
        kind.value: "Choose off, at once or daily digest."
        for kind in CHOSEN_KINDS
        if choices.get(kind.value) not in DELIVERY_LABELS
    }
    if bad:
        raise ValidationError("Choose how you want to hear about each kind.", bad)
    for last_try in (False, True):
        query = select(NotificationSetting).where(
            NotificationSetting.user_id == user.id
        )
        rows = {s.kind: s for s in db.scalars(query)}
        for kind in CHOSEN_KINDS:
            row = rows.get(kind) or NotificationSetting(user_id=user.id, kind=kind)
            row.delivery = choices[kind.value]
            db.add(row)
        try:
            db.commit()
            return
        except IntegrityError:
            # The same form sent twice at once: the other request inserted
            # the rows first; update them instead.
            db.rollback()
            if last_try:
                raise


def _deliveries(
    db: Session, user_ids: Iterable[int]
) -> dict[tuple[int, NotificationKind], str]:
    query = select(NotificationSetting).where(
        NotificationSetting.user_id.in_(list(user_ids))
    )
    return {(s.user_id, s.kind): s.delivery for s in db.scalars(query)}


def next_digest(now: datetime) -> datetime:
    """The first daily digest time (07:00 Brussels) after `now`, in UTC."""
    local = now.astimezone(rounds.BRUSSELS)
    at = datetime.combine(local.date(), DIGEST_TIME, rounds.BRUSSELS)
    if at <= local:
        at = datetime.combine(
            local.date() + timedelta(days=1), DIGEST_TIME, rounds.BRUSSELS
        )
    return at.astimezone(UTC)


# -- queueing (the caller commits) ---------------------------------------------
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


# -- mailers -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mail:
    """One e-mail to one person, ready to send."""

    to: str
    name: str
    subject: str
    body: str


class MailError(Exception):
    """A mail was not sent; `server_down` when no mail can go now."""

    def __init__(self, message: str, *, server_down: bool = False) -> None:
        super().__init__(message)
        self.server_down = server_down


class Mailer(Protocol):
    """Sends mails; may keep a connection between them until `close`."""

    def send(self, mail: Mail) -> None:
        """Deliver `mail`. Raises MailError."""

    def close(self) -> None:
        """Release any connection."""


class LogMailer:
    """Writes mails to the log (or `emit`) instead of sending: development."""

    def __init__(self, emit: Callable[[str], None] | None = None) -> None:
        self._emit = emit or log.info

    def send(self, mail: Mail) -> None:
        """Write `mail` out; never fails."""
        self._emit(
            f"Mail to {mail.name} <{mail.to}>\nSubject: {mail.subject}\n\n{mail.body}\n"
        )

    def close(self) -> None:
        """Nothing to release."""


class SMTPMailer:
    """Sends over SMTP (STARTTLS when `tls`), one connection for a run."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        user: str = "",
        password: str = "",
        tls: bool = True,
        timeout: float = 20.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password, self.tls, self.timeout = user, password, tls, timeout
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        """The kept connection, or a new one. Raises MailError (server_down)."""
        if self._smtp is not None:
            return self._smtp
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except OSError as error:
            raise MailError(_describe(error), server_down=True) from error
        try:
            smtp.ehlo()
            if self.tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self._password)
        except OSError as error:  # smtplib.SMTPException is an OSError
            smtp.close()
            raise MailError(_describe(error), server_down=True) from error
        self._smtp = smtp
        return smtp

    def send(self, mail: Mail) -> None:
        """Deliver `mail`. Raises MailError: server_down unless only this
        message was refused (or cannot be written), so the others may go."""
        try:
            message = _message(mail, self.sender)
        except (ValueError, MessageError) as error:
            raise MailError(f"cannot write this mail: {error}") from error
        try:
            try:
                self._open().send_message(message)
            except smtplib.SMTPServerDisconnected:
                # A kept connection the server closed while idle: once more.
                self._drop()
                self._open().send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError,  # e.g. an address needing SMTPUTF8
        ) as error:
            raise MailError(_describe(error)) from error
        except OSError as error:  # timeouts, resets: the server, not the mail
            self._drop()
            raise MailError(_describe(error), server_down=True) from error

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except OSError:
                pass
            self._drop()


def make_mailer(
    settings: Settings, emit: Callable[[str], None] | None = None
) -> Mailer:
    """SMTP when a host is configured; otherwise mails go to the log (`emit`)."""
    if not settings.smtp_host:
        return LogMailer(emit)
    return SMTPMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        tls=settings.smtp_tls,
        timeout=settings.smtp_timeout,
    )


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = Address(display_name=mail.name, addr_spec=mail.to)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, cte="quoted-printable")
    return message


def _describe(error: OSError) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{code} {text.decode(errors='replace')}"
            for code, text in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        message = text.decode(errors="replace") if isinstance(text, bytes) else text
        return f"{error.smtp_code} {message}"
    return f"{type(error).__name__}: {error}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- sending -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SendReport:
    """What one `send_due` run did: mails sent, mails failed (to retry)."""

    sent: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Outgoing:
    rows: tuple[tuple[int, int], ...]  # (notification id, attempts so far)
    mail: Mail


def send_due(
    db: Session,
    mailer: Mailer,
    now: datetime,
    *,
    base_url: str = DEFAULT_BASE_URL,
    batch: int = BATCH,
) -> SendReport:
    """Send every notification due at `now`: one mail each for people who
    want them at once, one digest per person for those who chose daily.

    Rows are claimed first (so two senders never send one row twice) and no
    transaction stays open while the mail server talks. A failure is stored
    on its rows, retried after a backoff and given up after MAX_ATTEMPTS
    (the rows are kept). Never raises MailError.
    """
    sent = failed = 0
    started = clock.monotonic()
    try:
        while clock.monotonic() - started < LEASE.total_seconds() / 2:
            due, ids = _claim(db, now, batch)
            if not due:
                break
            outgoing = _compose(db, ids, now, base_url.rstrip("/")) if ids else []
            for index, item in enumerate(outgoing):
                if clock.monotonic() - started > LEASE.total_seconds() / 2:
                    _release(db, outgoing[index:], now)
                    return SendReport(sent, failed)
                try:
                    mailer.send(item.mail)
                except MailError as error:
                    log.warning("mail to %s not sent: %s", item.mail.to, error)
                    rest = outgoing[index:] if error.server_down else [item]
                    for each in rest:
                        _failed(db, each, now, str(error))
                    failed += len(rest)
                    if error.server_down:
                        return SendReport(sent, failed)
                else:
                    _sent(db, item, now)
                    sent += 1
            if due < batch:
                break
    finally:
        mailer.close()
    return SendReport(sent, failed)


def _claim(db: Session, now: datetime, limit: int) -> tuple[int, list[int]]:
    """(rows found due, ids of those this sender now holds for LEASE): a row
    another sender claimed in between fails the `send_after` check."""
    due = db.execute(
        select(Notification.id, Notification.send_after)
        .where(
            Notification.sent_at.is_(None),
            Notification.attempts < MAX_ATTEMPTS,
            Notification.send_after <= now,
        )
        .order_by(Notification.send_after, Notification.id)
        .limit(limit)
    ).all()
    # End the read first: on SQLite a transaction that read an older snapshot
    # may not write; the claims below start a write transaction of their own.
    db.commit()
    claimed = []
    for row_id, send_after in due:
        result = cast(
            "CursorResult[Any]",
            db.execute(
                update(Notification)
                .where(
                    Notification.id == row_id,
                    Notification.send_after == send_after,
                    Notification.sent_at.is_(None),
                )
                .values(send_after=now + LEASE)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    db.commit()
    return len(due), claimed


def _compose(
    db: Session, ids: Sequence[int], now: datetime, base_url: str
) -> list[_Outgoing]:
    rows = list(
        db.scalars(
            select(Notification)
            .where(Notification.id.in_(ids))
            .options(joinedload(Notification.user))
            .order_by(Notification.id)
        )
    )
    chosen = _deliveries(db, {r.user_id for r in rows if r.user_id is not None})
    out: list[_Outgoing] = []
    digests: dict[int, list[Notification]] = {}
    skipped: list[int] = []
    for row in rows:
        if row.kind is NotificationKind.ACCOUNT:
            # About an application or an account: no choice to honour, and an
            # applicant has no account yet (the row carries the address).
            body = _account_frame(row, base_url)
            out.append(_Outgoing(((row.id, row.attempts),), _mail(row, body)))
            continue
        assert row.user is not None  # only account mails go to a bare address
        delivery = chosen.get((row.user.id, row.kind), IMMEDIATE)
        if delivery == OFF or not row.user.is_active:
            skipped.append(row.id)
        elif delivery == DAILY:
            digests.setdefault(row.user.id, []).append(row)
        else:
            body = _frame(row.user, row.body, [row.kind], IMMEDIATE, base_url)
            out.append(_Outgoing(((row.id, row.attempts),), _mail(row, body)))
    for group in digests.values():
        out.append(_digest(group, base_url))
    db.commit()
    if skipped:
        # Turned off (or the account closed) after queueing: the choice wins.
        _finish(db, skipped, attempts=MAX_ATTEMPTS, last_error="not sent: turned off")
    return out


def _mail(row: Notification, body: str, subject: str | None = None) -> Mail:
    if row.user is None:
        return Mail(row.email or "", row.name or "", subject or row.subject, body)
    return Mail(row.user.email, row.user.name, subject or row.subject, body)


def _account_frame(row: Notification, base_url: str) -> str:
    name = row.user.name if row.user is not None else row.name or ""
    text = f"Hello {name},\n\n{row.body}\n\n-- \nThe AI Office, through cop-drafts\n"
    return text.replace(SITE, base_url)


def _frame(
    user: User,
    body: str,
    kinds: Sequence[NotificationKind],
    delivery: str,
    base_url: str,
) -> str:
    how = "at once" if delivery == IMMEDIATE else "in a daily digest"
    which = "; ".join(f"“{KIND_LABELS[k]}”" for k in dict.fromkeys(kinds))
    text = (
        f"Hello {user.name},\n\n{body}\n\n-- \n"
        f"You chose to hear {how} about: {which}.\n"
        f"Change your notification settings: {SITE}/settings/notifications\n"
    )
    return text.replace(SITE, base_url)


def _digest(rows: list[Notification], base_url: str) -> _Outgoing:
    parts = [f"{n}. {row.subject}\n\n{row.body}" for n, row in enumerate(rows, start=1)]
    intro = "Here is what happened since your last digest.\n\n"
    user = rows[0].user
    assert user is not None  # digests gather account holders' rows only
    body = _frame(
        user,
        intro + "\n\n".join(parts),
        [r.kind for r in rows],
        DAILY,
        base_url,
    )
    subject = (
        f"Daily digest: {rows[0].subject}"
        if len(rows) == 1
        else f"Daily digest: {len(rows)} updates"
    )
    return _Outgoing(
        tuple((r.id, r.attempts) for r in rows), _mail(rows[0], body, subject[:300])
    )


def _finish(db: Session, ids: Sequence[int], **values: object) -> None:
    db.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.sent_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.commit()


def _sent(db: Session, item: _Outgoing, now: datetime) -> None:
    ids = [row_id for row_id, _ in item.rows]
    _finish(db, ids, sent_at=now, attempts=Notification.attempts + 1, last_error="")
    # Account mails carry personal or one-time links: once sent, the outbox
    # keeps no copy of them.
    db.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.kind == NotificationKind.ACCOUNT)
        .values(body=SENT_BODY)
        .execution_options(synchronize_session=False)
    )
    db.commit()


def _failed(db: Session, item: _Outgoing, now: datetime, error: str) -> None:
    for row_id, attempts in item.rows:
        tries = attempts + 1
        delay = BACKOFF[min(tries, len(BACKOFF)) - 1]
        note = f"gave up after {tries} attempts: " if tries >= MAX_ATTEMPTS else ""
        _finish(
            db,
            [row_id],
            attempts=tries,
            last_error=(note + error)[:2000],
            send_after=now + delay,
        )


def _release(db: Session, items: Sequence[_Outgoing], now: datetime) -> None:
    """Claimed but not attempted (the run ran long): due again at once."""
    ids = [row_id for item in items for row_id, _ in item.rows]
    _finish(db, ids, send_after=now)
