"""Sending what is due: rows claimed so that two senders never send one twice,
a mail each or a daily digest per person, a failure retried after a backoff."""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, joinedload

from cop_drafts.db.models import Notification, NotificationKind, User

from .choices import DAILY, IMMEDIATE, KIND_LABELS, OFF, _deliveries
from .mailers import Mail, Mailer, MailError
from .queueing import SITE

log = logging.getLogger(__name__)

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
SENT_BODY = "(sent; the text is not kept because it carried a personal link)"


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
    # Account mails carry personal or one-time links: once sent, the outbox
    # keeps no copy of them. Wiped in the transaction that marks them sent,
    # so a failure between the two cannot leave a sent link in the outbox.
    db.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.kind == NotificationKind.ACCOUNT)
        .values(body=SENT_BODY)
        .execution_options(synchronize_session=False)
    )
    _finish(db, ids, sent_at=now, attempts=Notification.attempts + 1, last_error="")


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
